"""The two printed documents: the council paper of a report and the minutes excerpt of an agenda item.

Both are rendered from one template each, for the browser preview and for the PDF alike
(``reports/paper.html``, ``meetings/excerpt.html``).
"""

from django.conf import settings
from django.utils import timezone

from integration_admin.council.chart import money_chart
from integration_admin.council.pdf import StaticFilesOnlyFetcher, render_document
from integration_admin.council.snapshot import build_snapshot, decode
from integration_admin.models import AgendaItem, Report

PAPER_TEMPLATE = "reports/paper.html"
EXCERPT_TEMPLATE = "meetings/excerpt.html"


def paper_context(paper: dict) -> dict:
    """Template context for a report's snapshot (live for a draft, frozen for a released report)."""
    finance = paper["finance"]
    return {
        "paper": paper,
        "draft": paper["reference"] is None,
        "chart": money_chart(finance["rows"]),
        "body": paper["body"],
    }


def report_snapshot(report: Report) -> dict:
    """What the paper shows now: the frozen snapshot of a released report, live figures for a draft."""
    if report.is_released:
        return decode(report.snapshot)
    return build_snapshot(report)


def render_report_pdf(paper: dict, *, fetcher: StaticFilesOnlyFetcher | None = None) -> bytes:
    return render_document(PAPER_TEMPLATE, paper_context(paper), fetcher=fetcher)


def excerpt_context(item: AgendaItem) -> dict:
    """An agenda item with its meeting, committee and the papers consulted under it."""
    consultations = list(item.consultations.select_related("report"))
    return {
        "item": item,
        "meeting": item.meeting,
        "committee": item.meeting.committee,
        "papers": [c.report for c in consultations],
        "body": {"name": settings.SITE_BODY_NAME, "head": settings.SITE_BODY_HEAD},
        "printed_on": timezone.localdate(),
    }


def render_excerpt_pdf(item: AgendaItem, *, fetcher: StaticFilesOnlyFetcher | None = None) -> bytes:
    return render_document(EXCERPT_TEMPLATE, excerpt_context(item), fetcher=fetcher)
