"""The README's screenshots, taken by the browser: the dashboard, the positions list on a phone,
and a page of a council paper. Every run takes them (and checks they are real pictures);
`make screenshots` keeps them in docs/screenshots/ for the README."""

import os
from pathlib import Path

import pytest

from integration_admin.council.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def taken(path: Path) -> bool:
    return path.read_bytes().startswith(PNG) and path.stat().st_size > 10_000


def test_screenshots_for_the_readme(log_in, shots):
    page = log_in("leitung")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/")
    page.screenshot(path=shots / "dashboard.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/positions/")
    page.screenshot(path=shots / "positions-phone.png")
    report = Report.objects.order_by("pk").first()
    page.set_viewport_size({"width": 1000, "height": 1300})
    page.goto(f"/reports/{report.pk}/preview/")
    page.screenshot(path=shots / "paper-page.png")
    for name in ("dashboard.png", "positions-phone.png", "paper-page.png"):
        assert taken(shots / name), name
