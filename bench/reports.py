"""Reports of a chosen length for the PDF benchmark (``bench/run.py``) and for trying the job.

``report_of_pages(n)`` returns a draft report of about ``n`` pages in the current database: one
section per funding programme it finds (the benchmark's data set has 50, each with its blocks,
positions and decisions), filled up with text sections until the estimate reaches ``n`` pages.
It is found again by its title, so repeated runs render the same report. Both run in the scope
of the founding example's body (Kreis Heinsberg, short name HS), which holds the data set.

``render(report)`` renders it exactly as the background job does
(:func:`integration_admin.council.documents.render_report_document`) and returns the PDF and
its number of pages.
"""

import math

from django.db import transaction
from django.utils import timezone

from integration_admin.core.models import Body
from integration_admin.core.scopes import scope
from integration_admin.council.documents import (
    LINES_PER_PAGE,
    estimate_lines,
    estimate_pages,
    render_report_document,
    report_snapshot,
)
from integration_admin.council.models import Report, ReportSection
from programs.models import Programme
from staffing.models import Organisation

PARAGRAPH = (
    "Die Teilhabemanagerinnen und Teilhabemanager begleiten Menschen mit Zuwanderungsgeschichte auf dem "
    "Weg in Ausbildung und Arbeit. Sie vermitteln zwischen Jobcenter, Ausländerbehörde, Kammern und "
    "Arbeitgebern, klären Zuständigkeiten und halten die Fäden eines Falls zusammen, bis er abgeschlossen ist. "
    "Im Berichtszeitraum wurden die Beratungsangebote in allen Städten und Gemeinden des Kreises ausgebaut."
)
# About one page of text per filler section (six paragraphs of about 400 characters).
FILLER_TEXT = "\n\n".join([PARAGRAPH] * 9)


def body_scope():
    """The scope of the body that holds the benchmark's data set."""
    return scope(body=Body.objects.get(short_name="HS").pk)


def report_of_pages(pages: int) -> Report:
    """A draft report of about ``pages`` pages (created once, then found by its title)."""
    with body_scope():
        return draft_of_pages(pages)


def draft_of_pages(pages: int) -> Report:
    title = f"Benchmark: Vorlage mit etwa {pages} Seiten"
    report = Report.objects.filter(title=title).first()
    if report is not None:
        return report
    with transaction.atomic():
        report = Report.objects.create(
            title=title,
            date=timezone.localdate(),
            lead_office=Organisation.objects.order_by("pk").first(),
            author="Benchmark",
            signatory_name="Benchmark",
        )
        order = 0
        # Programme sections while they fit, then text.
        for programme in Programme.objects.order_by("pk"):
            order += 1
            section = ReportSection.objects.create(
                report=report, order=order, heading=programme.name, programme=programme, text=PARAGRAPH
            )
            if estimate_pages(report_snapshot(report)) > pages:
                section.delete()
                order -= 1
                break
        # Text sections: one to learn how much a section adds, then the rest at once.
        before = estimate_lines(report_snapshot(report))
        order += 1
        ReportSection.objects.create(report=report, order=order, heading=f"Bericht, Teil {order}", text=FILLER_TEXT)
        after = estimate_lines(report_snapshot(report))
        missing = pages * LINES_PER_PAGE - after
        ReportSection.objects.bulk_create(
            ReportSection(report=report, order=order + i, heading=f"Bericht, Teil {order + i}", text=FILLER_TEXT)
            for i in range(1, max(0, math.ceil(missing / (after - before))) + 1)
        )
    return report


def render(report: Report) -> tuple[bytes, int]:
    """The PDF of ``report`` by the job's code path, and its page count.

    The pages are counted as the job counts them, from WeasyPrint's progress; tests check the
    count against the PDF itself (parsing the PDF here cost a tenth of the measured time).
    """
    laid_out = 0

    def progress(pages: int | None, phase: str) -> None:
        nonlocal laid_out
        laid_out = max(laid_out, pages or 0)

    with body_scope():
        content = render_report_document(report_snapshot(report), progress=progress)
    return content, laid_out
