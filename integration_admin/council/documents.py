"""The two printed documents: the council paper of a report and the minutes excerpt of an agenda item.

Both are rendered from one template each, for the browser preview and for the PDF alike
(``reports/paper.html``, ``meetings/excerpt.html``).
"""

import logging
import math
from contextlib import contextmanager

from django.utils import timezone

from integration_admin.council.chart import money_chart
from integration_admin.council.models import AgendaItem, Report
from integration_admin.council.pdf import StaticFilesOnlyFetcher, render_document
from integration_admin.council.snapshot import build_snapshot, decode

PAPER_TEMPLATE = "council/paper.html"
EXCERPT_TEMPLATE = "council/excerpt.html"


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
    """An agenda item with its meeting, committee and the papers consulted under it.

    The excerpt of a public item is read by everyone: it names only public papers. The excerpt of
    a non-public item is read by the committee's members, who may read every paper consulted there.
    """
    consultations = list(item.consultations.select_related("report"))
    return {
        "item": item,
        "meeting": item.meeting,
        "committee": item.meeting.committee,
        "papers": [c.report for c in consultations if c.report.public or not item.public],
        "body": item.meeting.committee.body,
        "printed_on": timezone.localdate(),
    }


def render_excerpt_pdf(item: AgendaItem, *, fetcher: StaticFilesOnlyFetcher | None = None, progress=None) -> bytes:
    with layout_progress(progress):
        return render_document(EXCERPT_TEMPLATE, excerpt_context(item), fetcher=fetcher)


def excerpt_file_name(item: AgendaItem) -> str:
    """ "Auszug-KA-2020-08-25-TOP-6.pdf": only letters, digits and ``-._``."""
    name = f"Auszug-{item.meeting.committee.short_name or item.meeting.committee.pk}-"
    name += f"{item.meeting.local_start:%Y-%m-%d}-TOP-{item.number}.pdf"
    return "".join(c if c.isalnum() or c in "-._" else "-" for c in name)


# --- length of a paper ------------------------------------------------------------------------

# Lines of 10,5 pt text on an A4 page of the paper (report.css: 251 mm of height, 1,38 line height),
# and characters in a line of running text (167 mm wide). A table row (9,3 pt, padded, ruled,
# never split across pages) counts 1,6 lines, plus a little for the table's heading and borders.
# Calibrated against rendered papers: the benchmark's table-heavy papers of 25, 63 and 248 pages
# needed 1,88, 1,70 and 1,61 lines a row; an estimate only decides whether a paper is printed at
# once or by a background job, and how far along the job's progress bar is.
LINES_PER_PAGE = 58
CHARS_PER_LINE = 100
LINES_PER_TABLE_ROW = 1.6
# Papers and excerpts up to this many pages are printed within the request (about 2 s); longer
# ones by a background job. Releases are always jobs.
DIRECT_PDF_MAX_PAGES = 20


def _text_lines(text: str) -> float:
    """Lines of a text printed with ``linebreaks``: paragraphs at blank lines, a line break at each newline."""
    paragraphs = [p for p in (text or "").split("\n\n") if p.strip()]
    return sum(
        sum(max(1, math.ceil(len(line) / CHARS_PER_LINE)) for line in p.strip("\n").split("\n")) + 0.6
        for p in paragraphs
    )


def _table_lines(rows: int, extra: int = 0) -> float:
    return 2.5 + (rows + extra) * LINES_PER_TABLE_ROW if rows or extra else 0


def section_lines(section: dict) -> float:
    lines = 2.5 + _text_lines(section["text"])
    programme = section.get("programme")
    if programme:
        lines += 4
        lines += 2 + _table_lines(len(programme["blocks"]))
        staffing_footer = len(programme["fte_by_organisation"]) + 1 if programme["staffing"] else 0
        lines += 2 + _table_lines(len(programme["staffing"]), staffing_footer) + 1
        lines += 2
        for decision in programme["decisions"]:
            lines += 2 + 4 * 1.3 + _table_lines(len(decision["shares"]), 1)
    return lines


def estimate_lines(paper: dict) -> float:
    """About how many lines of the paper's page height its content needs."""
    lines = 30.0  # letterhead, facts, Betreff, Bezug, Beschlussvorschlag headings
    lines += _table_lines(len(paper["consultations"]))
    lines += _text_lines(paper["proposal"])
    lines += sum(section_lines(section) for section in paper["sections"])
    finance = paper["finance"]
    rows = finance["rows"]
    if rows:
        lines += 3 + _table_lines(len(rows), 1) + 18  # table and chart
        lines += 4 + _table_lines(len(finance["own_share_by_year"]["rows"]), 1)
        lines += 4 + _table_lines(len(finance["coverage_gap"].get("rows", [])), 1)
    attachments = paper.get("attachments") or []
    lines += sum(max(1, math.ceil(len(line) / CHARS_PER_LINE)) for line in attachments)
    lines += _text_lines(paper.get("finance_text", "")) + 8
    return lines


def estimate_pages(paper: dict) -> int:
    """About how many pages the paper will have (never less than 1)."""
    return max(1, math.ceil(estimate_lines(paper) / LINES_PER_PAGE))


def estimate_excerpt_pages(item: AgendaItem) -> int:
    """About how many pages the minutes excerpt of ``item`` will have (letterhead, facts, minutes, papers)."""
    lines = 30 + _text_lines(item.title) + _text_lines(item.minutes) + 2 * item.consultations.count()
    return max(1, math.ceil(lines / LINES_PER_PAGE))


class _LayoutProgress(logging.Handler):
    """Hears WeasyPrint's progress log ("Creating layout - Page 12", "Creating PDF") and reports it."""

    def __init__(self, callback):
        super().__init__(logging.INFO)
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        if "Creating layout - Page" in message and record.args:
            self.callback(int(record.args[0]), "layout")
        elif "Creating PDF" in message:
            self.callback(None, "writing")


@contextmanager
def layout_progress(progress):
    """While rendering, call ``progress(pages, phase)`` for every page laid out (``phase`` "layout")
    and once when the PDF is written (``pages`` None, ``phase`` "writing"); None does nothing."""
    if progress is None:
        yield
        return
    logger = logging.getLogger("weasyprint.progress")
    handler = _LayoutProgress(progress)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the progress is for the job, not for the log
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def render_report_document(paper: dict, *, progress=None) -> bytes:
    """The PDF of a paper, as the background job and the benchmark make it (``progress``: see
    :func:`layout_progress`). The whole paper is rendered in one WeasyPrint document, so that
    "Seite x von y", the running header and the PDF/A structure tree stay exactly as in a short
    paper (README, "PDF speed and memory" for the memory this takes).
    """
    with layout_progress(progress):
        return render_report_pdf(paper)
