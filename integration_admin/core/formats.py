"""Money, FTE and percentage: one place for rounding and one for output.

Money is always ``Decimal``; rounding is half-up to the cent and happens only in
:func:`round_money`. Output follows the active language's separators
(German: ``624.493,60 €``, ``1,5``, ``80 %``).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.utils import translation
from django.utils.formats import get_format

CENT = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    """Round half-up to the cent (kaufmännische Rundung)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=8)
def _separators(language: str | None) -> tuple[str, str]:
    """(decimal separator, thousands separator) of a language; looked up once per language."""
    return get_format("DECIMAL_SEPARATOR", language), get_format("THOUSAND_SEPARATOR", language)


def _group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(groups)


def format_decimal(value, places: int | None = None, min_places: int = 0, grouping: bool = True) -> str:
    """Format a number with the active language's separators.

    ``places`` fixes the number of decimals (money: 2); otherwise trailing zeros are dropped
    down to ``min_places`` (FTE: at least one, so 1.000 shows as "1,0").
    """
    if value is None or value == "":
        return ""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{abs(number):.{places}f}"
    else:
        text = f"{abs(number.normalize()):f}"
        integer, _, fraction = text.partition(".")
        fraction = fraction.ljust(min_places, "0")
        text = f"{integer}.{fraction}" if fraction else integer
    integer, _, fraction = text.partition(".")
    decimal_separator, thousand_separator = _separators(translation.get_language())
    if grouping:
        integer = _group(integer, thousand_separator)
    sign = "-" if number < 0 else ""
    return sign + integer + (decimal_separator + fraction if fraction else "")


def euro(value) -> str:
    """``Decimal("624493.6")`` -> ``"624.493,60 €"``; ``None`` -> ``""``."""
    text = format_decimal(value, places=2)
    return f"{text}\N{NO-BREAK SPACE}€" if text else ""


def fte(value) -> str:
    """FTE with at least one decimal: ``1.5`` -> ``"1,5"``, ``1`` -> ``"1,0"``, ``0.75`` -> ``"0,75"``."""
    return format_decimal(value, min_places=1, grouping=False)


def percent(value) -> str:
    """``Decimal("80.00")`` -> ``"80 %"``, ``Decimal("12.5")`` -> ``"12,5 %"``."""
    text = format_decimal(value, grouping=False)
    return f"{text}\N{NO-BREAK SPACE}%" if text else ""
