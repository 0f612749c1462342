"""Breaches of a decision's eligibility rule (minimum and maximum FTE per position and per
recipient), as warnings with the reason, for the decision page, the position page and the
controlling page. Computed from loaded rows; :func:`positions_for` reads the positions of many
decisions in one query.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q
from django.utils.translation import gettext as _

from funding.models import DecisionVersion, EligibilityRule
from integration_admin.core.formats import fte as format_fte
from staffing.models import Position


@dataclass(frozen=True)
class RuleFinding:
    text: str
    level: str = "warning"


def positions_for(versions: Iterable[DecisionVersion]) -> dict[int, list[Position]]:
    """The positions in each version's decision's building blocks that touch its grant period
    (open ends count as unbounded), by version pk, in one query."""
    versions = list(versions)
    rows = (
        Position.objects.filter(building_block__decisions__in={v.decision_id for v in versions})
        .annotate(decision_id=F("building_block__decisions"))
        .select_related("organisation")
        .only("pk", "title", "fte", "start", "end", "building_block_id", "organisation__short_name")
        .order_by("organisation__short_name", "title", "pk")
    )
    by_decision: dict[int, list[Position]] = defaultdict(list)
    for position in rows:
        by_decision[position.decision_id].append(position)
    return {
        version.pk: [
            position
            for position in by_decision.get(version.decision_id, [])
            if touches_period(position, version.period_start, version.period_end)
        ]
        for version in versions
    }


def touches_period(position, start: datetime.date | None, end: datetime.date | None) -> bool:
    """Whether a position (anything with ``start`` and ``end``) runs on a day of start..end."""
    return (start is None or position.end is None or position.end >= start) and (
        end is None or position.start is None or position.start <= end
    )


def rule_findings(
    rule: EligibilityRule,
    positions: Iterable[Position],
    recipients_fte: dict[str, Decimal] | None = None,
) -> list[RuleFinding]:
    """What breaks the rule: positions below or above the FTE a position may have, and
    organisations (recipients) whose FTE in the decision lie outside the allowed range.

    ``recipients_fte`` (short name -> funded FTE, e.g. the own-share key) defaults to the sum of
    the positions' FTE per organisation."""
    findings: list[RuleFinding] = []
    source = f" ({rule.source})" if rule.source else ""
    positions = list(positions)
    for position in positions:
        values = {
            "position": position.title,
            "organisation": _organisation(position),
            "fte": format_fte(position.fte),
            "source": source,
        }
        if rule.min_fte_per_position is not None and position.fte < rule.min_fte_per_position:
            findings.append(
                RuleFinding(
                    _(
                        "Stelle %(position)s (%(organisation)s) hat %(fte)s VZÄ; förderfähig sind erst Stellen ab "
                        "%(limit)s VZÄ%(source)s."
                    )
                    % {**values, "limit": format_fte(rule.min_fte_per_position)}
                )
            )
        if rule.max_fte_per_position is not None and position.fte > rule.max_fte_per_position:
            findings.append(
                RuleFinding(
                    _(
                        "Stelle %(position)s (%(organisation)s) hat %(fte)s VZÄ; gefördert werden je Stelle höchstens "
                        "%(limit)s VZÄ%(source)s."
                    )
                    % {**values, "limit": format_fte(rule.max_fte_per_position)}
                )
            )
    if recipients_fte is None:
        recipients_fte = defaultdict(Decimal)
        for position in positions:
            recipients_fte[_organisation(position)] += position.fte
    for organisation, fte in sorted(recipients_fte.items()):
        values = {"organisation": organisation, "fte": format_fte(fte), "source": source}
        if rule.min_fte_per_recipient is not None and fte < rule.min_fte_per_recipient:
            findings.append(
                RuleFinding(
                    _(
                        "%(organisation)s hat %(fte)s VZÄ; Anteile eines Trägers unter %(limit)s VZÄ sind nicht "
                        "förderfähig%(source)s."
                    )
                    % {**values, "limit": format_fte(rule.min_fte_per_recipient)}
                )
            )
        if rule.max_fte_per_recipient is not None and fte > rule.max_fte_per_recipient:
            findings.append(
                RuleFinding(
                    _("%(organisation)s hat %(fte)s VZÄ; je Träger gefördert werden höchstens %(limit)s VZÄ%(source)s.")
                    % {**values, "limit": format_fte(rule.max_fte_per_recipient)}
                )
            )
    return findings


def _organisation(position) -> str:
    """The short name of a position's organisation (a Position, or funding.coverage's PlannedPosition)."""
    return getattr(position.organisation, "short_name", position.organisation)


def rules_for(decisions) -> dict[int, EligibilityRule]:
    """The rule in force for each decision (its own, else its programme's, else the defaults), one query."""
    decisions = list(decisions)
    rules = EligibilityRule.objects.filter(
        Q(decision__in=[d.pk for d in decisions]) | Q(programme__in={d.programme_id for d in decisions})
    )
    own = {}
    by_programme = {}
    for rule in rules:
        if rule.decision_id:
            own[rule.decision_id] = rule
        else:
            by_programme[rule.programme_id] = rule
    return {d.pk: own.get(d.pk) or by_programme.get(d.programme_id) or EligibilityRule() for d in decisions}
