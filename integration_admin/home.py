"""The top of the home page, fitted to the user's role (issue 25).

- caseworker: their own organisation's vacancies today, and its staffing deadlines (assignments and
  positions ending within 90 days);
- department head: the next committee sessions with their agenda items, and the papers not yet released;
- administrator: the decisions whose grant cannot be computed yet or whose stated amount differs.

Each part runs a fixed number of queries (the first rows and the count of all in one query, by a
window function), whatever the number of rows; the full lists are a link away.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, Subquery, Window

from funding.models import DecisionVersion
from integration_admin.council.models import AgendaItem, Meeting, Report
from staffing.models import Assignment, Occupancy, Position

HOME_LISTED = 10  # rows per list; the rest counted
HOME_HORIZON_DAYS = 90
HOME_MEETINGS = 3


@dataclass
class Listed:
    """The first rows of a list and how many there are in all."""

    rows: list = field(default_factory=list)
    count: int = 0

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def first_rows(queryset, listed: int = HOME_LISTED) -> Listed:
    """The first ``listed`` rows of ``queryset`` and the count of all of them, in one query."""
    rows = list(queryset.annotate(in_all=Window(Count("*")))[:listed])
    return Listed(rows=rows, count=rows[0].in_all if rows else 0)


def caseworker_home(user, today: datetime.date) -> dict:
    """The caseworker's organisation: its positions with free FTE today (and until when they were
    last held), its assignments and positions ending within 90 days. Three queries."""
    organisation_id = user.organisation_id
    horizon = today + datetime.timedelta(days=HOME_HORIZON_DAYS)
    last_held = (
        Assignment.objects.filter(position=OuterRef("pk"), end__lt=today)
        .order_by()
        .values("position")
        .annotate(last=Max("end"))
        .values("last")
    )
    vacancies = first_rows(
        Position.objects.filter(organisation_id=organisation_id)
        .with_staffing(today)
        .with_occupancy(Occupancy.PARTLY, Occupancy.FREE)
        .with_labels()
        .annotate(last_held_until=Subquery(last_held))
        .order_by("building_block__programme__short_name", "building_block__number", "title", "pk")
    )
    ending_assignments = first_rows(
        Assignment.objects.readable_by(user)
        .filter(position__organisation_id=organisation_id, end__gte=today, end__lte=horizon)
        .select_related("position")
        .order_by("end", "holder_name", "pk")
    )
    ending_positions = first_rows(
        Position.objects.filter(organisation_id=organisation_id)
        .active_on(today)
        .filter(end__lte=horizon)
        .with_labels()
        .order_by("end", "title", "pk")
    )
    return {
        "vacancies": vacancies,
        "ending_assignments": ending_assignments,
        "ending_positions": ending_positions,
        "horizon": horizon,
    }


def head_home(user) -> dict:
    """The next committee sessions with the agenda items ``user`` may read, and the papers not yet
    released (drafts awaiting release). Three queries: sessions, their items, papers."""
    meetings = list(
        Meeting.objects.upcoming()
        .select_related("committee")
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.readable_by(user).order_by("order", "number", "pk"))
        )
        .order_by("start", "pk")[:HOME_MEETINGS]
    )
    drafts = first_rows(Report.objects.readable_by(user).drafts().order_by("date", "pk"))
    return {"meetings": meetings, "draft_reports": drafts}


def administrator_home() -> dict:
    """The current decision versions whose grant cannot be computed yet (figures missing) or whose
    amount stated on the letter differs from the computed grant. One query."""
    versions = first_rows(
        DecisionVersion.objects.current()
        .filter(
            Q(granted_amount__isnull=True) | (Q(stated_amount__isnull=False) & ~Q(stated_amount=F("granted_amount")))
        )
        .select_related("decision")
        .order_by("decision__title", "pk")
    )
    return {"decision_warnings": versions}
