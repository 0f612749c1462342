"""Warnings about a decision's money, computed from loaded records (no queries here).

- money called more than two months before it is needed (VV Nr. 7.2 zu § 44 LHO NRW);
- money not yet called as the grant period nears its end, or after it ended (it is lost);
- more called than the current version grants (after a reducing amendment);
- a pass-through above what the current version leaves for it (after a reducing amendment),
  with the amount to claim back from the recipient;
- the amount stated on the letter differs from the computed grant;
- figures missing to compute the grant.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from funding import money
from funding.models import CALL_OFF_WARNING_DAYS, ZERO, CallOff, DecisionVersion, PassThrough
from integration_admin.core.formats import euro, percent, round_money

# VV Nr. 8.5 zu § 44 LHO NRW: 5 percentage points above the base rate; without a base rate on
# record the lowest there has been (-0,88 %) is assumed, so the figure is never too high.
POINTS_ABOVE_BASE = Decimal("5.00")
INTEREST_FLOOR_BASE = Decimal("-0.88")


@dataclass
class MoneyWarning:
    level: str  # "warning" or "danger" (Bootstrap alert colours)
    text: str


def uncalled_warning(
    version: DecisionVersion, called_total: Decimal, today: datetime.date, title: str = ""
) -> MoneyWarning | None:
    """Money still uncalled when the grant period ends within the warning window, or has ended."""
    if version.period_end is None or version.granted_amount is None:
        return None
    remaining = version.granted_amount - called_total
    if remaining <= ZERO:
        return None
    prefix = f"{title}: " if title else ""
    end = f"{version.period_end:%d.%m.%Y}"
    if version.period_end < today:
        return MoneyWarning(
            "danger",
            prefix
            + _(
                "Der Bewilligungszeitraum ist am %(end)s abgelaufen; %(remaining)s wurden nicht abgerufen. "
                "Nicht abgerufene Mittel verfallen."
            )
            % {"end": end, "remaining": euro(remaining)},
        )
    days = (version.period_end - today).days
    if days <= CALL_OFF_WARNING_DAYS:
        return MoneyWarning(
            "warning",
            prefix
            + _(
                "Der Bewilligungszeitraum endet am %(end)s (in %(days)s Tagen); %(remaining)s sind noch nicht "
                "abgerufen. Nicht abgerufene Mittel verfallen."
            )
            % {"end": end, "days": days, "remaining": euro(remaining)},
        )
    return None


def pass_through_warnings(pass_throughs: Iterable[PassThrough]) -> list[MoneyWarning]:
    """Every pass-through above its ceiling under the current version (``attach_ceilings`` ran)."""
    warnings = []
    for item in pass_throughs:
        claim_back = getattr(item, "claim_back", None)
        if claim_back:
            warnings.append(
                MoneyWarning(
                    "danger",
                    _(
                        "Weiterleitung an %(recipient)s: weitergeleitet sind %(amount)s, nach der geltenden "
                        "Fassung stehen höchstens %(ceiling)s zu. %(claim_back)s sind zurückzufordern."
                    )
                    % {
                        "recipient": item.recipient.short_name,
                        "amount": euro(item.amount),
                        "ceiling": euro(item.ceiling),
                        "claim_back": euro(claim_back),
                    },
                )
            )
    return warnings


def stated_difference_warning(version: DecisionVersion) -> MoneyWarning | None:
    """The amount stated on the letter differs from the computed grant."""
    if not version.stated_difference:
        return None
    return MoneyWarning(
        "warning",
        _("Der Betrag laut Bescheid (%(stated)s) weicht um %(diff)s vom berechneten Betrag (%(granted)s) ab.")
        % {
            "stated": euro(version.stated_amount),
            "diff": euro(version.stated_difference),
            "granted": euro(version.granted_amount),
        },
    )


def decision_warnings(
    version: DecisionVersion | None,
    call_offs: Iterable[CallOff],
    today: datetime.date,
    *,
    pass_throughs: Iterable[PassThrough] = (),
) -> list[MoneyWarning]:
    warnings: list[MoneyWarning] = []
    call_offs = list(call_offs)
    if version is None:
        return [MoneyWarning("warning", _("Der Bescheid hat noch keine geltende Fassung."))]
    missing = version.missing_figures()
    if missing:
        warnings.append(
            MoneyWarning(
                "warning",
                _("Die Zuwendung lässt sich noch nicht berechnen; es fehlt: %(missing)s.")
                % {"missing": ", ".join(missing)},
            )
        )
    stated = stated_difference_warning(version)
    if stated is not None:
        warnings.append(stated)
    for call_off in call_offs:
        if call_off.called_too_early:
            warnings.append(
                MoneyWarning(
                    "warning",
                    _(
                        "Mittelabruf vom %(called)s: das Geld wird erst ab %(needed)s benötigt, also mehr als zwei "
                        "Monate nach dem Abruf (VV Nr. 7.2 zu § 44 LHO NRW). Zinsen können anfallen."
                    )
                    % {"called": f"{call_off.called_on:%d.%m.%Y}", "needed": f"{call_off.needed_on:%d.%m.%Y}"},
                )
            )
    awaiting = [c for c in call_offs if not c.is_approved]
    if awaiting:
        warnings.append(
            MoneyWarning(
                "warning",
                ngettext(
                    "%(count)s Mittelabruf wartet auf die Freigabe durch eine zweite Person (Vier-Augen-Prinzip).",
                    "%(count)s Mittelabrufe warten auf die Freigabe durch eine zweite Person (Vier-Augen-Prinzip).",
                    len(awaiting),
                )
                % {"count": len(awaiting)},
            )
        )
    called = sum((c.amount for c in call_offs), ZERO)
    if version.granted_amount is not None and called > version.granted_amount:
        warnings.append(
            MoneyWarning(
                "danger",
                _(
                    "Abgerufen sind %(called)s, bewilligt sind nach %(version)s nur %(granted)s: "
                    "%(overpaid)s sind zu viel abgerufen, Rückzahlung prüfen."
                )
                % {
                    "called": euro(called),
                    "version": version.label,
                    "granted": euro(version.granted_amount),
                    "overpaid": euro(called - version.granted_amount),
                },
            )
        )
    warnings.extend(pass_through_warnings(pass_throughs))
    uncalled = uncalled_warning(version, called, today)
    if uncalled is not None:
        warnings.append(uncalled)
    return warnings


def over_financing_warning(version: DecisionVersion | None, plan: dict | None) -> MoneyWarning | None:
    """Grant, own and third-party funds together above the eligible expenditure (Überfinanzierung),
    or a grant above the eligible expenditure (a negative own share): figures the letter cannot mean."""
    if version is None or version.eligible_expenditure is None or version.granted_amount is None:
        return None
    resources = plan["resource_total"] if plan and plan.get("resources") else None
    if resources is None:
        resources = (version.own_funds or ZERO) + (version.third_party_funds or ZERO)
    excess = version.granted_amount + resources - version.eligible_expenditure
    if excess <= ZERO:
        return None
    if version.granted_amount > version.eligible_expenditure:
        text = _(
            "Die Zuwendung (%(grant)s) liegt über den zuwendungsfähigen Ausgaben (%(eligible)s): der Eigenanteil "
            "wäre negativ (%(own)s). Bitte die Zahlen des Bescheids prüfen."
        ) % {
            "grant": euro(version.granted_amount),
            "eligible": euro(version.eligible_expenditure),
            "own": euro(version.eligible_expenditure - version.granted_amount),
        }
    else:
        text = _(
            "Überfinanzierung: Zuwendung (%(grant)s) und Eigen- und Drittmittel (%(resources)s) übersteigen die "
            "zuwendungsfähigen Ausgaben (%(eligible)s) um %(excess)s. Die Zuwendung ist entsprechend zu kürzen "
            "(Nr. 2 ANBest)."
        ) % {
            "grant": euro(version.granted_amount),
            "resources": euro(resources),
            "eligible": euro(version.eligible_expenditure),
            "excess": euro(excess),
        }
    return MoneyWarning("danger", text)


def two_month_rows(version: DecisionVersion | None, plan: dict | None, call_offs: Iterable[CallOff]) -> list[dict]:
    """The two-month rule on amounts (VV Nr. 7.2 zu § 44 LHO NRW), one row per payment: the money
    received in all against what the plan needs up to two months after that payment
    (:func:`funding.money.two_month_excess`). The need per month is the grant of each year spread
    over its months (from the financing plan where it has one); money received later than needed
    (the Kreis paid in advance) is not too early. A call-off not yet received counts on its day."""
    if version is None or version.granted_amount is None or version.period_start is None:
        return []
    if version.period_end is None:
        return []
    if plan and plan.get("grant_by_year"):
        grant_by_year = dict(zip(plan["years"], plan["grant_by_year"], strict=True))
    else:
        grant_by_year = money.amount_by_year(
            version.granted_amount, version.period_start, version.period_end, counting=version.month_counting
        )
    payments = [
        (call_off.received_on or call_off.called_on, call_off.received_amount or call_off.amount)
        for call_off in call_offs
    ]
    return money.two_month_excess(
        payments,
        start=version.period_start,
        end=version.period_end,
        grant_by_year=grant_by_year,
    )


def two_month_warnings(
    version: DecisionVersion | None,
    rows: list[dict],
    base_rate: Callable[[], Decimal | None] = lambda: None,
) -> list:
    """A warning per payment of :func:`two_month_rows` beyond the need, with the interest it may
    cost a month (VV Nr. 8.5: five percentage points above the base rate a year). ``base_rate``
    gives today's base rate; it is asked (a query) only when there is an excess to warn of."""
    if version is None or not rows:
        return []
    months = money.months_in_period(version.period_start, version.period_end)
    average = version.granted_amount / months if months else ZERO
    warnings = []
    yearly = None
    for row in rows:
        if row["excess"] <= ZERO:
            continue
        if yearly is None:
            base = base_rate()
            yearly = max((base if base is not None else INTEREST_FLOOR_BASE) + POINTS_ABOVE_BASE, ZERO)
        warnings.append(
            MoneyWarning(
                "warning",
                _(
                    "Mittel vom %(day)s: insgesamt %(received)s erhalten, bis %(needed_by)s werden laut Plan "
                    "nur %(needed)s gebraucht (Ø %(average)s im Monat). %(excess)s sind mehr als zwei Monate "
                    "zu früh abgerufen (VV Nr. 7.2 zu § 44 LHO NRW); dafür können Zinsen von 5 Prozentpunkten "
                    "über dem Basiszinssatz jährlich anfallen (VV Nr. 8.5), derzeit %(rate)s: rund %(interest)s "
                    "je Monat."
                )
                % {
                    "day": f"{row['day']:%d.%m.%Y}",
                    "received": euro(row["received_total"]),
                    "needed_by": f"{row['needed_by']:%d.%m.%Y}",
                    "needed": euro(row["needed"]),
                    "average": euro(round_money(average)),
                    "excess": euro(row["excess"]),
                    "rate": percent(yearly),
                    "interest": euro(round_money(row["excess"] * yearly / 100 / 12)),
                },
            )
        )
    return warnings
