"""Cell values as people type them in German lists: FTE "1,5" / "1.5" / "1,50", dates "1.1.21",
"01.01.2021" or real Excel dates, amounts "624.493,60". Each parser returns the value or raises
``ValueError`` with a German message."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from staffing.imports.reading import Formula, excel_date

NUMBER = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?")
YES = {"ja", "j", "x", "yes", "y", "1", "wahr", "true"}
NO = {"nein", "n", "no", "0", "falsch", "false", "-", ""}


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    """Any cell as text (numbers without a trailing ".0")."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        raise ValueError(formula_message())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    result = str(value).strip()
    if result.startswith("=") and len(result) > 1:
        raise ValueError(formula_message())
    return result


def formula_message() -> str:
    return _("Die Zelle enthält eine Formel ohne gespeicherten Wert; bitte die Werte einfügen („Nur Werte einfügen“).")


def decimal(value, *, places: int, german: bool = True) -> Decimal:
    """A number: "1,5", "1.5", "1,50", "624.493,60", "624493.6", or a number cell."""
    if isinstance(value, bool):
        raise ValueError(_("Bitte eine Zahl eingeben, z. B. 1,5 oder 1.234,50."))
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        raw = text(value).replace("\N{NO-BREAK SPACE}", "").replace(" ", "").replace("€", "")
        if "," in raw and "." in raw:
            raw = raw.replace(".", "").replace(",", ".") if raw.rfind(",") > raw.rfind(".") else raw.replace(",", "")
        elif raw.count(",") == 1:
            raw = raw.replace(",", ".")
        elif raw.count(".") > 1:
            raw = raw.replace(".", "")  # "1.234.567"
        if not NUMBER.fullmatch(raw):
            raise ValueError(
                _("„%(value)s“ ist keine Zahl; erwartet z. B. 1,5 oder 1.234,50.") % {"value": text(value)}
            )
        try:
            number = Decimal(raw)
        except InvalidOperation as error:
            raise ValueError(_("„%(value)s“ ist keine Zahl.") % {"value": text(value)}) from error
    if not number.is_finite():
        raise ValueError(_("Bitte eine Zahl eingeben, z. B. 1,5 oder 1.234,50."))
    rounded = number.quantize(Decimal(1).scaleb(-places))
    if rounded != number:
        raise ValueError(
            _("„%(value)s“ hat mehr als %(places)s Nachkommastellen.") % {"value": text(value), "places": places}
        )
    return rounded


def fte(value) -> Decimal:
    """An FTE between 0,001 and 99: "1,5", "1.5", "1,50", "0,75"."""
    number = decimal(value, places=3)
    if number <= 0:
        raise ValueError(_("Der Stellenumfang (VZÄ) muss größer als 0 sein."))
    if number > 99:
        raise ValueError(_("%(value)s VZÄ sind kein plausibler Stellenumfang.") % {"value": text(value)})
    return number


# "5.700" or "1.234.567": dots between groups of three digits, no comma. As an amount these are
# thousands (an amount has no third decimal), never 5,70 €.
THOUSANDS = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{3})+")


def amount(value) -> Decimal:
    """An amount in euro: "624.493,60", "624493,6", "624.493,60 €", "5.700" (5.700 €)."""
    if isinstance(value, str):
        plain = value.replace("\N{NO-BREAK SPACE}", "").replace(" ", "").replace("€", "")
        if THOUSANDS.fullmatch(plain):
            value = plain.replace(".", "")
    return decimal(value, places=2)


DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y")


def date(value) -> datetime.date:
    """A date: a date cell, "1.1.21", "01.01.2021", "2021-01-01", or an Excel day number."""
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        day = excel_date(value)
        if day is None:
            raise ValueError(_("„%(value)s“ ist kein Datum; erwartet z. B. 01.01.2021.") % {"value": text(value)})
    else:
        raw = text(value)
        day = None
        for pattern in DATE_FORMATS:
            try:
                day = datetime.datetime.strptime(raw, pattern).date()
                break
            except ValueError:
                continue
        if day is None and NUMBER.fullmatch(raw):
            day = excel_date(float(raw))
        if day is None:
            raise ValueError(_("„%(value)s“ ist kein Datum; erwartet z. B. 01.01.2021 oder 1.1.21.") % {"value": raw})
    if not 1900 <= day.year <= 2200:
        raise ValueError(_("Bitte ein Datum zwischen den Jahren 1900 und 2200 eingeben."))
    return day


def boolean(value) -> bool:
    raw = text(value).casefold()
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise ValueError(_("„%(value)s“ ist weder „ja“ noch „nein“.") % {"value": text(value)})


def whole_number(value) -> int:
    number = decimal(value, places=0)
    return int(number)
