"""Playwright driving the system's Chromium (Debian package ``chromium``), never a downloaded browser.

Playwright's synchronous API runs an event loop in the test thread; the Django ORM refuses to
run there unless DJANGO_ALLOW_ASYNC_UNSAFE is set.

On SQLite the test database lives in memory, and Django's live server hands its one connection
to every request thread. A browser loads a page and its favicon or an htmx fragment at the same
time; two requests interleaving their ATOMIC_REQUESTS savepoints on that one connection break
each other ("no such savepoint"). The live server therefore handles one request at a time when it
shares a connection (the request threads take turns; keep-alive still works).
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from integration_admin.demo import DEMO_PASSWORD
from integration_admin.models import User
from tests.conftest import current_code, second_factor_device

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# axe-core, installed by `make test` (`make axe`: npm ci from tests/browser/axe/package-lock.json).
AXE_JS = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_MISSING = (
    "Die Barrierefreiheitsprüfung braucht axe-core unter {path}, es fehlt. Installieren mit "
    "`make axe` (make test tut das selbst; braucht npm), oder die Browser-Tests auslassen: "
    "make test BROWSER_TESTS=0."
)
MISSING = (
    "Die Browser-Tests brauchen Chromium unter {path}, es fehlt. Installieren mit "
    "`sudo apt-get install -y chromium` (make test tut das als root selbst), oder die Browser-Tests "
    "auslassen: make test BROWSER_TESTS=0."
)


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """Runs one request at a time when the requests share the test thread's database connection."""

    lock = threading.Lock()

    def set_app(self, application):
        if self.connections_override:
            lock, unserialised = self.lock, application

            def application(environ, start_response):
                with lock:
                    return unserialised(environ, start_response)

        super().set_app(application)


LiveServerThread.server_class = OneRequestAtATimeServer


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(MISSING.format(path=CHROMIUM), pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a busy CI machine (2 cores, parallel suites) can be slow
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, demo):
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    # A part of the page loaded later (htmx on "load" or "revealed") may still be on its way when
    # the test has seen what it wanted: let it arrive before the test's data are removed, or the
    # flush of a transactional test meets a request still reading (a deadlock on PostgreSQL).
    # A page that polls never goes idle: then the test ends after a few seconds anyway.
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    try:
        page.wait_for_load_state("networkidle", timeout=5_000)
    except PlaywrightTimeoutError:
        pass
    context.close()


@pytest.fixture
def log_in(page):
    """``log_in("sb-drk")``: log in through the login form, as a person would."""

    def _log_in(username: str):
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("main button[type=submit]")  # (the menu has the language switch)
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        if "/konto/zwei-faktor/" in page.url:
            # Administrators confirm with the code their (test) authenticator app shows.
            page.fill("#id_code", current_code(second_factor_device(User.objects.get(username=username))))
            page.click("main button[type=submit]")
            page.wait_for_url(lambda url: "/konto/zwei-faktor/" not in url)
        return page

    return _log_in
