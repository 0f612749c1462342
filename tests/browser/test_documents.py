"""Documents on the decision page in a real browser (issue 23): the administrator uploads a scan,
finds it listed and downloads it; the page with its documents and the open upload form passes axe."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from funding.models import GrantDecision

# (axe is the fixture of the accessibility tests: it loads axe-core into the page)
from .test_accessibility import WIDTHS, axe, report  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 30), "white").save(out, "PNG")
    return out.getvalue()


def test_administrator_uploads_a_scan_and_downloads_it(log_in, axe):  # noqa: F811
    decision = GrantDecision.objects.get(programme__short_name="Durchstarten")
    page = log_in("admin")
    page.goto(decision.get_absolute_url())
    documents = page.locator("#dokumente")
    expect(documents).to_contain_text("Bescheid (Scan)")  # the demo's letter
    documents.get_by_text("Dokument hochladen").click()
    page.locator("#id_document-parent").select_option(label="Bescheid insgesamt")
    page.locator("#id_document-kind").select_option(label="Vertrag")
    page.locator("#id_document-title").fill("Weiterleitungsvertrag DRK")
    page.locator("#id_document-file").set_input_files({"name": "vertrag.png", "mimeType": "image/png", "buffer": png()})
    with page.expect_navigation():
        page.get_by_role("button", name="Hochladen").click()

    # the success message (role="alert"; the page's own findings are role="status")
    expect(page.locator('.alert[role="alert"]', has_text="Weiterleitungsvertrag DRK")).to_be_visible()
    row = page.locator("#dokumente tr", has_text="Weiterleitungsvertrag DRK")
    expect(row).to_contain_text("Vertrag")
    expect(row).to_contain_text("vertrag.png (PNG)")
    with page.expect_download() as download:
        row.get_by_role("link", name="Weiterleitungsvertrag DRK", exact=True).click()
    assert download.value.suggested_filename == "vertrag.png"

    violations = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(decision.get_absolute_url() + "#dokumente")
        page.locator("#dokumente summary").click()
        violations += axe(f"admin {decision.get_absolute_url()} (Dokumente) @ {width}px")
    assert not violations, report(violations)
