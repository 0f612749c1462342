"""PDF output with WeasyPrint: HTML templates paged by CSS (the council's papers, funding's contracts).

Security: WeasyPrint fetches whatever a document links to (stylesheets, fonts, images). Our
documents contain user text, always escaped by the templates; as a second wall, the URL fetcher
:class:`StaticFilesOnlyFetcher` serves only the project's own static CSS and font files and
refuses everything else (``http://``, ``https://`` elsewhere, ``file://``, ``data:``, paths outside
the static folders). Nothing is fetched from the network and no other file is read.

Failures raise :class:`RenderError`; callers log it and show the user an error page.
"""

import gc
import logging
import mimetypes
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyphen
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# A host under the reserved .invalid top-level domain (RFC 2606): never resolvable, so even a
# bug in the fetcher could not reach the network with it.
ASSET_ORIGIN = "https://assets.integration-admin.invalid"
BASE_URL = ASSET_ORIGIN + "/"

# What a document may load: our stylesheet (with the draft watermark, an SVG beside it) and our fonts.
ALLOWED_FOLDERS = ("css/", "fonts/")
ALLOWED_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff2": "font/woff2",
}

# Archival PDF (PDF/A-2, level A: tagged, hence also readable by screen readers).
PDF_VARIANT = "pdf/a-2a"


# The papers are German (``<html lang="de">``); WeasyPrint hyphenates them with Pyphen's "de" patterns.
HYPHENATION_LANG = "de"


class RenderError(Exception):
    """The PDF could not be made."""


class RefusedURL(ValueError):
    """The fetcher refused a URL (not one of our static files)."""


def static_roots() -> list[Path]:
    roots = [Path(root) for root in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return roots


class StaticFilesOnlyFetcher(URLFetcher):
    """Serves ``<ASSET_ORIGIN>/static/(css|fonts)/...`` from the static folders; refuses everything else.

    ``requested`` records every URL WeasyPrint asked for, ``refused`` those it did not get
    (tests use both to prove that user text triggers no fetch).
    """

    def __init__(self):
        super().__init__(allowed_protocols={"https"}, allow_redirects=False, timeout=1)
        self.requested: list[str] = []
        self.refused: list[str] = []

    def resolve(self, url: str) -> Path:
        """The file behind ``url``, or :class:`RefusedURL`."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != ASSET_ORIGIN or parts.query or parts.fragment:
            raise RefusedURL(url)
        static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        if not parts.path.startswith(static_prefix):
            raise RefusedURL(url)
        relative = unquote(parts.path[len(static_prefix) :])
        if (
            not relative.startswith(ALLOWED_FOLDERS)
            or ".." in relative
            or "\\" in relative
            or "\x00" in relative
            or Path(relative).suffix.lower() not in ALLOWED_TYPES
        ):
            raise RefusedURL(url)
        for root in static_roots():
            try:
                candidate = (root / relative).resolve()
            except (OSError, ValueError):  # (a NUL byte, a path the system refuses)
                raise RefusedURL(url) from None
            if candidate.is_relative_to(root.resolve()) and candidate.is_file():
                return candidate
        raise RefusedURL(url)

    def fetch(self, url, headers=None):
        self.requested.append(url)
        try:
            path = self.resolve(url)
        except RefusedURL:
            self.refused.append(url)
            logger.warning("PDF: URL verweigert: %.200s", url)
            raise
        content_type = ALLOWED_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})


def warm_hyphenation() -> None:
    """Load Pyphen's German hyphenation patterns now rather than during the first paper's layout.

    Parsing them takes a large part of a short paper's first PDF in a process; Pyphen keeps them
    for the process. The app servers call this at start-up (``wsgi.py``), so that no user's request
    waits for it; a background job loads them with its first paper, where nobody waits.
    """
    pyphen.Pyphen(lang=HYPHENATION_LANG)


# Allocations between two collections of Python's youngest generation while WeasyPrint lays out.
LAYOUT_GC_THRESHOLD = 500_000


@contextmanager
def fewer_garbage_collections():
    """Collect the youngest generation every 500.000 allocations instead of every 700, for a while.

    WeasyPrint builds a tree of boxes and text lines that lives for the whole layout; with the
    default threshold the cyclic collector walks it again and again, more than a tenth of a long
    paper's time at the same peak memory (nothing is kept that a collection would have freed: it
    still runs, only less often; README, "PDF speed and memory"). ``gc.set_threshold`` is
    Python's public interface for exactly this; the old thresholds are restored afterwards.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], LAYOUT_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def html_to_pdf(html: str, *, fetcher: StaticFilesOnlyFetcher | None = None) -> bytes:
    """Render an HTML document to PDF bytes with the restricted fetcher."""
    fetcher = fetcher or StaticFilesOnlyFetcher()
    try:
        with fewer_garbage_collections():
            pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)
    except Exception as error:  # WeasyPrint raises many kinds; all mean "no PDF"
        raise RenderError(str(error)) from error
    own_assets_missing = [url for url in fetcher.refused if url.startswith(ASSET_ORIGIN)]
    if own_assets_missing:
        raise RenderError(f"static files missing: {', '.join(own_assets_missing)[:500]}")
    return pdf


def render_html(template_name: str, context: dict) -> str:
    """A printed document's HTML: always German (the documents are German), with ``for_pdf``."""
    with translation.override("de"):
        return render_to_string(template_name, {**context, "for_pdf": True})


def render_pdf(template_name: str, context: dict, *, fetcher: StaticFilesOnlyFetcher | None = None) -> bytes:
    """Render a template (:func:`render_html`) and turn it into a PDF."""
    return html_to_pdf(render_html(template_name, context), fetcher=fetcher)
