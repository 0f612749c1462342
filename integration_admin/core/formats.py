"""Money, FTE and percentage: one place for rounding and one for output.

Money is always ``Decimal``; rounding is half-up to the cent and happens only in
:func:`round_money`. Output is Django's localisation (``number_format``) with the active language's
separators from ``integration_admin/core/formats_locale``: German ``624.493,60 €``, ``1,5``,
``80 %``; English ``624,493.60 €``.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

CENT = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    """Round half-up to the cent (kaufmännische Rundung)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_decimal(value, places: int | None = None, min_places: int = 0, grouping: bool = True) -> str:
    """A number with the active language's separators.

    ``places`` fixes the number of decimals, rounded half-up (money: 2); otherwise trailing zeros
    are dropped down to ``min_places`` (FTE: at least one, so 1.000 shows as "1,0").
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
    else:
        exponent = number.normalize().as_tuple().exponent
        places = max(min_places, -exponent if exponent < 0 else 0)
    if number.is_zero():
        number = abs(number)  # never "-0,00"
    return number_format(number, places, force_grouping=grouping)


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
