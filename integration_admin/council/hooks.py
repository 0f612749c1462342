"""What the council tells the lower layers through their hooks (they cannot import it).

The import's preview (staffing) warns on rows that change a figure a released paper prints: the
released papers per programme are the reports released with a section on that programme
(:class:`~integration_admin.council.models.ReportSection`), newest first.
"""

from collections.abc import Iterable

from integration_admin.council.models import ReportSection, ReportStatus


def released_papers(programme_ids: Iterable[int]) -> dict[int, list[str]]:
    papers: dict[int, list[str]] = {}
    sections = (
        ReportSection.objects.filter(programme__in=list(programme_ids), report__status=ReportStatus.RELEASED)
        .order_by("-report__released_at", "-report__pk")
        .values_list("programme_id", "report__reference")
    )
    for programme, reference in sections:
        papers.setdefault(programme, []).append(reference)
    return papers
