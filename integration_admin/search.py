"""The global search (/search/?q=): positions, holders, organisations, grant decisions and council
papers in one page.

It crosses every domain, so it lives with the top pages. Every word of the text must appear
(:func:`~integration_admin.core.text.contains_words`: case-insensitive, umlauts included), with
the same fields as each list's own text filter, so that a group's "mehr" link shows the same
records. Need to know as everywhere: holders' names only as far as the user may read them,
non-public papers only for those who may read them. One query per group whatever the number of
hits: the group's first rows with the count of all of them (a window function).
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, Window
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from funding.filters import DECISION_SEARCH_FIELDS
from funding.models import GrantDecision
from integration_admin.core.text import contains_words
from integration_admin.council.filters import REPORT_SEARCH_FIELDS
from integration_admin.council.models import Report
from staffing.filters import ORGANISATION_SEARCH_FIELDS
from staffing.models import Assignment, Organisation, Position

ROWS_PER_GROUP = 10


@dataclass
class SearchGroup:
    """One kind of record found: its first rows, how many there are in all and where the rest are."""

    key: str
    label: str
    rows: list = field(default_factory=list)
    count: int = 0
    more_url: str = ""

    @property
    def has_more(self) -> bool:
        return self.count > len(self.rows)


def first_rows(queryset, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows of ``queryset`` and the number of all its rows, in one query."""
    rows = list(queryset.annotate(hit_count=Window(Count("pk")))[:limit])
    return rows, rows[0].hit_count if rows else 0


def list_url(name: str, text: str) -> str:
    return f"{reverse(name)}?{urlencode({'q': text})}"


def search(text: str, *, user, limit: int = ROWS_PER_GROUP) -> list[SearchGroup]:
    """The groups of records that ``user`` may read and that contain every word of ``text``."""
    text = text.strip()
    if not text:
        return []
    groups = []

    positions = Position.objects.search(text, reader=user).with_labels().order_by("title", "pk")
    rows, count = first_rows(positions, limit)
    groups.append(SearchGroup("positions", _("Stellen"), rows, count, list_url("staffing:position-list", text)))

    # Holders only for those who may read some holders' names (need to know), and only those names.
    if user.holder_organisation_ids() != []:
        holders = (
            Assignment.objects.readable_by(user)
            .filter(contains_words(["holder_name"], text))
            .annotate(
                position_title=F("position__title"), organisation_short_name=F("position__organisation__short_name")
            )
            .order_by("holder_name", "-start", "pk")
        )
        rows, count = first_rows(holders, limit)
        groups.append(
            SearchGroup("holders", _("Stelleninhaber/-innen"), rows, count, list_url("staffing:position-list", text))
        )

    organisations = Organisation.objects.filter(contains_words(ORGANISATION_SEARCH_FIELDS, text)).order_by("short_name")
    rows, count = first_rows(organisations, limit)
    groups.append(
        SearchGroup("organisations", _("Organisationen"), rows, count, list_url("staffing:organisation-list", text))
    )

    decisions = (
        GrantDecision.objects.filter(contains_words(DECISION_SEARCH_FIELDS, text))
        .annotate(programme_short_name=F("programme__short_name"))
        .order_by("title", "pk")
    )
    rows, count = first_rows(decisions, limit)
    groups.append(SearchGroup("decisions", _("Bescheide"), rows, count, list_url("funding:decision-list", text)))

    reports = (
        Report.objects.readable_by(user).filter(contains_words(REPORT_SEARCH_FIELDS, text)).order_by("-date", "-pk")
    )
    rows, count = first_rows(reports, limit)
    groups.append(SearchGroup("reports", _("Vorlagen"), rows, count, list_url("council:report-list", text)))
    return groups
