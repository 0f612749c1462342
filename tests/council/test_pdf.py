"""The council paper as PDF: every figure of the founding example, from the data, safely rendered."""

import hashlib
import io
import logging
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from funding.models import DecisionVersion
from integration_admin.core import pdf as core_pdf
from integration_admin.council import jobs
from integration_admin.council import pdf as pdf_module
from integration_admin.council.documents import render_excerpt_pdf, render_report_pdf
from integration_admin.council.models import (
    AgendaItem,
    Committee,
    PaperCounter,
    Report,
    ReportFile,
    ReportJob,
    ReportSection,
)
from integration_admin.council.pdf import ASSET_ORIGIN, RefusedURL, StaticFilesOnlyFetcher
from integration_admin.council.snapshot import build_snapshot
from programs.models import Programme
from staffing.models import Position
from tests import factories

pytestmark = pytest.mark.django_db

FIGURES = [
    "624.493,60",
    "780.617,00",
    "156.123,40",
    "93.674,04",
    "62.449,36",
    "27.03.2020",
    "10.08.2020",
    "31.12.2022",
]


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def pdf_text(content: bytes) -> str:
    """The text of all pages, whitespace collapsed (table cells wrap lines)."""
    return " ".join(" ".join(pdf_pages(content)).split())


def demo_report() -> Report:
    return Report.objects.get(reference="0001/2020")


def test_demo_pdf_contains_every_figure_of_the_source(login):
    client = login("sb-drk")  # caseworkers may read released papers
    response = client.get(reverse("council:report-pdf", args=[demo_report().pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for figure in FIGURES:
        assert figure in text, figure
    # 1,5 KI + 1,0 DRK = 2,5 FTE Teilhabemanagement
    assert re.search(r"Teilhabemanagement DRK bewilligt 1,0", text)
    assert re.search(r"Teilhabemanagement KI bewilligt 1,5", text)
    assert re.search(r"Summe 2,5", text)
    # KIM: 3,5 applicable under a draft guideline, 5 case-management positions without application, 1 at the ABH
    assert re.search(r"Strategischer Overhead KI beantragbar 3,5", text)
    assert "im Entwurf, erwartet September 2020" in text
    assert re.search(r"Case-Management KI bewilligt 5,0", text)
    assert "Bescheid ohne Antrag eingegangen" in text
    assert re.search(r"Zusätzliche Stellen ABH ABH besetzt 1,0", text)
    assert "Anteilsfinanzierung" in text and "Zuweisung/Zuschuss" in text and "80 %" in text
    # council paper parts
    for part in (
        "Kreis Heinsberg",
        "Der Landrat",
        "Mitteilungsvorlage",
        "Beratungsfolge",
        "Betreff",
        "Bezug",
        "Beschlussvorschlag",
        "Sachverhalt",
        "Finanzielle Auswirkungen",
        "Kreisausschuss",
        "25.08.2020",
        "04.02.2020",
        "TOP 6",
        "zur Kenntnis genommen",
        "Stepprath",
        "Seite 1 von",
    ):
        assert part in text, part


def test_figures_come_from_the_data_not_from_the_text(demo):
    """Blank every text the user wrote: the tables still carry every figure."""
    report = factories.report(lead_office=demo_report().lead_office)
    for order, short_name in enumerate(["Durchstarten", "KIM"], start=1):
        factories.section(report, order, heading=short_name, programme=Programme.objects.get(short_name=short_name))
    text = pdf_text(render_report_pdf(build_snapshot(report)))
    for figure in FIGURES:
        assert figure in text, figure
    for fte in ("1,5", "1,0", "2,5", "3,5", "5,0"):
        assert fte in text
    assert "Seite 1 von" in text


def test_totals_taller_than_a_page_are_printed_once_after_the_last_row():
    """A programme at 70 organisations: its staffing table's subtotals fill more than a page.

    As a repeating table footer they could not fit on any page, and WeasyPrint left them out,
    the total included. They are printed once, after the last row, every one of them.
    """
    block = factories.building_block(factories.programme(name="Landesprogramm"), number=2, title="Beratung")
    for number in range(70):
        factories.position(block, factories.organisation(f"T{number:02d}"), fte="0.5")
    report = factories.report()
    factories.section(report, 1, heading="Landesprogramm", programme=block.programme)
    pages = pdf_pages(render_report_pdf(build_snapshot(report)))
    text = " ".join(" ".join(pages).split())
    assert len(pages) >= 4
    for number in range(70):
        assert f"davon T{number:02d} 0,5" in text
    assert text.count("Summe 35,0") == 1  # once, not at the foot of every page the table spans
    assert text.index("davon T69") < text.index("Summe 35,0")
    last_row = text.rindex("2 – Beratung T69")
    assert last_row < text.index("davon T00")


def test_totals_stay_with_the_last_rows(settings):
    """Rows of fixed height: the header and 23 rows (240 mm of the page's 251) leave too little for
    the 15-mm totals row. It does not open the next page alone: the last row goes over with it
    (fails with the totals' ``break-before: avoid`` taken out of report.css)."""
    body_rows = 23
    rows = "".join(f'<tr><td>Zeile {n}</td><td class="num">1,0</td></tr>' for n in range(1, body_rows + 1))
    html = (
        f'<!DOCTYPE html><html lang="de"><head><link rel="stylesheet" href="{settings.STATIC_URL}css/report.css">'
        "<style>table.grid tr { height: 10mm } table.grid tfoot tr { height: 15mm }</style></head>"
        '<body class="document"><table class="grid"><thead><tr><th>Kopf</th><th>VZÄ</th></tr></thead>'
        f'<tbody>{rows}</tbody><tfoot><tr><th>Summe</th><td class="num">{body_rows},0</td></tr></tfoot>'
        "</table></body></html>"
    )
    pages = pdf_pages(pdf_module.html_to_pdf(html))
    assert len(pages) == 2
    assert "Summe" not in pages[0] and "Summe" in pages[1]
    assert f"Zeile {body_rows} " in pages[1] + " " and f"Zeile {body_rows - 1} " in pages[0] + " "
    assert "Kopf" in pages[1]  # the header still repeats


def test_every_page_has_the_running_footer(demo):
    pages = pdf_pages(bytes(demo_report().file.content))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Seite {number} von {len(pages)}" in text
        assert "Vorlage-Nr. 0001/2020" in text


def text_lines_by_height(page) -> dict[float, str]:
    """The text of a PDF page by the height of its baseline, in points from the page's top."""
    height = float(page.mediabox.height)
    lines: dict[float, str] = {}

    def visit(text, matrix, text_matrix, font, size):
        if text.strip():
            top = round(height - (text_matrix[5] * matrix[3] + matrix[5]))
            lines[top] = lines.get(top, "") + text

    page.extract_text(visitor_text=visit)
    return lines


def test_the_demo_paper_has_no_near_empty_last_page(demo):
    """The founding example ends on a page full of text, its signature beside the text before it.

    Holes at the pages' feet (a decision kept whole, four-line paragraphs that could not be
    split, a heading and caption left behind by their table) once pushed the closing text and
    the signature onto a fifth page that stayed two thirds empty.
    """
    pages = PdfReader(io.BytesIO(render_report_pdf(build_snapshot(demo_report())))).pages
    last = pages[-1]
    height = float(last.mediabox.height)
    lines = text_lines_by_height(last)
    footer = max(lines)  # "Seite x von y", in the bottom margin
    body = [top for top in lines if top < footer - 10]
    assert "Stepprath" in "".join(lines.values())
    # the text of the last page runs past the middle of the page, not just a signature at its head
    assert max(body) > height / 2, sorted(lines.items())
    assert len(body) > 10
    assert len(pages) <= 4


def test_released_pdf_is_byte_identical_and_survives_data_changes(login):
    client = login("leitung")
    report = demo_report()
    url = reverse("council:report-pdf", args=[report.pk])
    first = client.get(url).content
    assert client.get(url).content == first
    stored = ReportFile.objects.get(report=report)
    assert bytes(stored.content) == first and stored.size == len(first)
    assert stored.sha256 == hashlib.sha256(first).hexdigest()
    # The data change after the release ...
    position = Position.objects.get(title="Teilhabemanagement", organisation__short_name="KI")
    position.fte = Decimal("2.0")
    position.save()
    version = DecisionVersion.objects.get(eligible_expenditure=Decimal("780617.00"))
    version.eligible_expenditure = Decimal("900000.00")
    version.save()
    # ... the paper does not.
    assert client.get(url).content == first
    preview = client.get(reverse("council:report-preview", args=[report.pk])).content.decode()
    assert "780.617,00" in preview and "900.000,00" not in preview


def test_draft_shows_live_figures(login):
    client = login("leitung")
    report = factories.report(lead_office=demo_report().lead_office)
    factories.section(report, 1, heading="Durchstarten", programme=Programme.objects.get(short_name="Durchstarten"))
    url = reverse("council:report-pdf", args=[report.pk])
    assert "780.617,00" in pdf_text(client.get(url).content)
    version = DecisionVersion.objects.get(eligible_expenditure=Decimal("780617.00"))
    version.eligible_expenditure = Decimal("900000.00")
    version.save()
    text = pdf_text(client.get(url).content)
    assert "900.000,00" in text and "720.000,00" in text  # 80 % of the new figure
    assert "Vorlage-Nr. Entwurf" in text  # (the watermark is an image: see test_paper_checks.py)


HOSTILE = [
    '<img src="http://example.com/tracker.png">',
    '<link rel="stylesheet" href="https://example.com/evil.css">',
    "<style>@import url(http://example.com/x.css); body { background: url(file:///etc/passwd) }</style>",
    '<a href="file:///etc/passwd">file:///etc/passwd</a>',
    '<object data="file:///etc/passwd"></object><iframe src="http://example.com/"></iframe>',
    '</td></tr></table><svg><image href="http://example.com/a.svg"/></svg>',
]


def test_user_text_causes_no_fetch_and_no_file_read(demo):
    hostile = " ".join(HOSTILE)
    programme = Programme.objects.get(short_name="Durchstarten")
    programme.name = f"Programm {HOSTILE[0]}"
    programme.save()
    Committee.objects.update(name=f"Kreisausschuss {HOSTILE[2]}"[:200])
    AgendaItem.objects.update(result=HOSTILE[1])
    texts = {
        "title": hostile,
        "author": HOSTILE[0],
        "phone": HOSTILE[1],
        "file_reference": HOSTILE[3],
        "reference_note": hostile,
        "proposal": hostile,
        "finance_text": hostile,
        "attachments": "\n".join(HOSTILE),
        "signature_prefix": HOSTILE[4],
        "signatory_name": HOSTILE[5],
        "signatory_title": hostile,
    }
    for name, value in texts.items():  # as much as each field holds (PostgreSQL refuses longer values)
        texts[name] = value[: Report._meta.get_field(name).max_length]
    report = factories.report(
        lead_office=demo_report().lead_office, related_agenda_item=AgendaItem.objects.get(number="6"), **texts
    )
    factories.section(report, 1, heading=hostile[:300], programme=programme, text=hostile)
    factories.consultation(report, AgendaItem.objects.get(number="5"))

    fetcher = StaticFilesOnlyFetcher()
    content = render_report_pdf(build_snapshot(report), fetcher=fetcher)

    assert fetcher.refused == []
    assert fetcher.requested, "the stylesheet and fonts are fetched through the fetcher"
    for url in fetcher.requested:
        assert url.startswith(f"{ASSET_ORIGIN}/static/css/") or url.startswith(f"{ASSET_ORIGIN}/static/fonts/"), url
    text = pdf_text(content)
    assert "<img" in text and "file:///etc/passwd" in text and "@import" in text  # shown as text
    assert "root:x:0:0" not in text


def test_excerpt_user_text_causes_no_fetch(demo):
    item = AgendaItem.objects.get(number="5")
    item.minutes = " ".join(HOSTILE)
    item.title = HOSTILE[0]
    item.save()
    fetcher = StaticFilesOnlyFetcher()
    text = pdf_text(render_excerpt_pdf(item, fetcher=fetcher))
    assert fetcher.refused == []
    assert all(url.startswith(ASSET_ORIGIN + "/static/") for url in fetcher.requested)
    assert "<img" in text


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/a.png",
        "https://example.com/static/css/report.css",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "ftp://example.com/x.css",
        f"{ASSET_ORIGIN}/static/../integration_admin/settings.py",
        f"{ASSET_ORIGIN}/static/css/../../integration_admin/settings.py",
        f"{ASSET_ORIGIN}/static/css/%2e%2e/%2e%2e/manage.py",
        f"{ASSET_ORIGIN}/static/fonts/..%2f..%2fmanage.py",
        f"{ASSET_ORIGIN}/static/vendor/bootstrap/bootstrap.min.css",
        f"{ASSET_ORIGIN}/static/css/report.css?x=1",
        f"{ASSET_ORIGIN}/static/css/missing.css",
        f"{ASSET_ORIGIN}/static/fonts/README.md",
        f"{ASSET_ORIGIN}/etc/passwd",
        "https://assets.integration-admin.invalid.example.com/static/css/report.css",
        "https://user@assets.integration-admin.invalid/static/css/report.css",
        f"{ASSET_ORIGIN}:443/static/css/report.css",
    ],
)
def test_fetcher_refuses_everything_but_our_static_files(url):
    fetcher = StaticFilesOnlyFetcher()
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


@pytest.mark.parametrize("path", ["css/report.css", "css/draft-mark.svg", "fonts/SourceSans3-Regular.ttf"])
def test_fetcher_serves_our_static_files(path):
    response = StaticFilesOnlyFetcher().fetch(f"{ASSET_ORIGIN}/static/{path}")
    assert response.read()[:4]


def test_render_failure_changes_nothing_shows_german_page_and_logs(
    login, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    client = login("leitung")
    report = factories.report(lead_office=demo_report().lead_office)
    factories.section(report, 1, heading="Abschnitt", text="Text")
    counters = list(PaperCounter.objects.values_list("year", "last_number"))

    def broken(*args, **kwargs):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(core_pdf, "HTML", broken)  # (the rendering itself is the core's)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("council:report-release", args=[report.pk]), factories.release_confirmation(report)
        )
    job = ReportJob.objects.get(report=report)  # the release is the worker's job
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    with caplog.at_level(logging.ERROR):
        jobs.render_report_job.call(job.pk)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Die Freigabe ist nicht gelungen; die Vorlage ist weiterhin ein Entwurf ohne Nummer." in page
    assert any("fehlgeschlagen" in record.getMessage() for record in caplog.records)
    report.refresh_from_db()
    assert not report.is_released and report.reference is None
    assert not ReportFile.objects.filter(report=report).exists()
    assert list(PaperCounter.objects.values_list("year", "last_number")) == counters

    with caplog.at_level(logging.ERROR):
        response = client.get(reverse("council:report-pdf", args=[report.pk]))
    assert response.status_code == 500 and "Das PDF konnte nicht erstellt werden" in response.content.decode()
    assert "Es wurde nichts gespeichert" in response.content.decode()
    assert any("PDF-Erzeugung fehlgeschlagen" in record.getMessage() for record in caplog.records)
    response = client.get(reverse("council:agendaitem-excerpt-pdf", args=[AgendaItem.objects.first().pk]))
    assert response.status_code == 500


def test_excerpt_pdf(login):
    client = login("sb-ki")
    item = AgendaItem.objects.get(number="5")
    item.votes_yes, item.votes_no, item.votes_abstain = 14, 2, 1
    item.save()
    response = client.get(reverse("council:agendaitem-excerpt-pdf", args=[item.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for part in (
        "Auszug aus der Niederschrift",
        "Kreisausschuss",
        "25.08.2020",
        "TOP 5",
        "zur Kenntnis genommen",
        "0001/2020",
        "Stepprath",
        "14",
        "Seite 1 von 1",
    ):
        assert part in text, part
    preview = client.get(reverse("council:agendaitem-excerpt", args=[item.pk]))
    assert preview.status_code == 200 and "Auszug aus der Niederschrift" in preview.content.decode()


def test_preview_is_german_even_for_english_users(login):
    client = login("leitung")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("council:report-preview", args=[demo_report().pk])).content.decode()
    assert "Beratungsfolge" in html and 'lang="de"' in html


def test_sections_in_their_order(demo):
    report = demo_report()
    snapshot = build_snapshot(report)
    assert [s["heading"][:20] for s in snapshot["sections"]] == [
        s.heading[:20] for s in ReportSection.objects.filter(report=report).order_by("order")
    ]
    assert [s["programme"]["short_name"] for s in snapshot["sections"] if s["programme"]] == ["Durchstarten", "KIM"]


def test_layout_runs_with_fewer_garbage_collections_and_restores_them(monkeypatch):
    """WeasyPrint lays out with a raised threshold of the youngest GC generation; afterwards,
    also when rendering fails, the process has its thresholds back."""
    import gc

    before = gc.get_threshold()
    seen = []

    def write_pdf(self, **kwargs):
        seen.append(gc.get_threshold())
        raise ValueError("kaputt")

    monkeypatch.setattr(pdf_module.HTML, "write_pdf", write_pdf)
    with pytest.raises(pdf_module.RenderError):
        pdf_module.html_to_pdf("<p>x</p>")
    assert seen == [(max(before[0], pdf_module.LAYOUT_GC_THRESHOLD), *before[1:])]
    assert gc.get_threshold() == before


def test_tagged_pdf_structure_points_to_its_pages(demo):
    """The founding example's paper (five pages), tagged: its structure elements point to its pages,
    every page among them (WeasyPrint reads the page references after adding every page)."""
    report = demo_report()
    content = render_report_pdf(build_snapshot(report))
    reader = PdfReader(io.BytesIO(content))
    page_ids = {page.indirect_reference.idnum for page in reader.pages}
    seen = set()
    todo = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while todo:
        node = todo.pop().get_object()
        if "/Pg" in node:
            seen.add(node.raw_get("/Pg").idnum)
        kids = node.get("/K")
        if kids is None:
            continue
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
                todo.append(kid)
    assert len(reader.pages) > 1
    assert seen and seen <= page_ids
    assert seen == page_ids  # every page carries tagged content
