"""PDF output with WeasyPrint: the same templates as the HTML preview, paged by CSS.

Security: WeasyPrint fetches whatever a document links to (stylesheets, fonts, images). Our
documents contain user text, always escaped by the templates; as a second wall, the URL fetcher
:class:`StaticFilesOnlyFetcher` serves only the project's own static CSS and font files and
refuses everything else (``http://``, ``https://`` elsewhere, ``file://``, ``data:``, paths outside
the static folders). Nothing is fetched from the network and no other file is read.

Failures raise :class:`RenderError`; callers log it and show the user an error page.
"""

import gc
import json
import logging
import mimetypes
import os
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pydyf
import pyphen
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation
from django.utils._os import safe_join
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# A host under the reserved .invalid top-level domain (RFC 2606): never resolvable, so even a
# bug in the fetcher could not reach the network with it.
ASSET_ORIGIN = "https://assets.integration-admin.invalid"
BASE_URL = ASSET_ORIGIN + "/"

# What a document may load: our stylesheet and our fonts.
ALLOWED_FOLDERS = ("css/", "fonts/")
ALLOWED_TYPES = {".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2"}

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
                candidate = Path(safe_join(str(root), relative)).resolve()
            except (SuspiciousFileOperation, ValueError):
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


def _hyphenation_cache_file(path: Path) -> Path:
    stat = path.stat()
    name = f"{path.stem}-{stat.st_size}-{stat.st_mtime_ns}-pyphen{pyphen.__version__}.json"
    return Path(settings.BASE_DIR) / "var" / "cache" / name


def _read_hyphenation_patterns(cache_file: Path) -> dict | None:
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        return {str(key): (int(start), tuple(int(v) for v in values)) for key, (start, values) in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def _write_hyphenation_patterns(cache_file: Path, patterns: dict) -> None:
    if any(type(v) is not int for _start, values in patterns.values() for v in values):
        return  # non-standard hyphenation (not in the German patterns): not worth a cache format
    data = {key: [start, list(values)] for key, (start, values) in patterns.items()}
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=cache_file.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
        os.replace(temporary, cache_file)
    except OSError as error:  # read-only installation: parse again in the next process
        logger.info("PDF: Silbentrennungs-Cache nicht geschrieben: %s", error)


def load_hyphenation() -> None:
    """Have Pyphen's German patterns in memory before WeasyPrint asks for them.

    Pyphen parses its 1 MB ``hyph_de_*.dic`` on first use in a process (0,8 s on the benchmark
    machine: more than half of a short paper's PDF time). The parsed patterns are kept as JSON
    under ``var/cache/`` (read in 0,07 s) and put into Pyphen's own per-process cache, where
    WeasyPrint finds them. Same patterns, same hyphenation; no cache file just means parsing.
    """
    path = pyphen.LANGUAGES[pyphen.language_fallback(HYPHENATION_LANG)]
    if path in pyphen.hdcache:
        return
    cache_file = _hyphenation_cache_file(path)
    patterns = _read_hyphenation_patterns(cache_file)
    if patterns:
        hyph_dict = pyphen.HyphDict.__new__(pyphen.HyphDict)
        hyph_dict.patterns = patterns
        hyph_dict.cache = {}
        hyph_dict.maxlen = max(len(key) for key in patterns)
    else:
        hyph_dict = pyphen.HyphDict(path)
        _write_hyphenation_patterns(cache_file, hyph_dict.patterns)
    pyphen.hdcache[path] = hyph_dict


# --- pydyf, which writes WeasyPrint's PDF: two costs that grow with a long paper --------------------

# zlib level for the PDF's streams (pydyf asks for 9, the slowest): measured on the benchmark's
# 198-page paper, level 6 writes it 1,35 s faster (a twentieth of the render) and 2,9 % larger.
PDF_STREAM_COMPRESSION_LEVEL = 6


class _StreamZlib:
    """``zlib`` as pydyf sees it: the same module, but streams compressed at most at level 6.

    Compression levels change only how hard zlib searches for repetitions; every level writes
    the same Flate format, which any PDF reader (and PDF/A) accepts.
    """

    def __getattr__(self, name):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level=zlib.Z_DEFAULT_COMPRESSION, *args, **kwargs):
        if level > PDF_STREAM_COMPRESSION_LEVEL:
            level = PDF_STREAM_COMPRESSION_LEVEL
        return zlib.compressobj(level, *args, **kwargs)


def _cached_page_references(original):
    """pydyf's ``PDF.page_references``, built once per number of pages instead of on every read.

    WeasyPrint reads it for every tagged element of a PDF/A paper (55.000 times for 198 pages),
    and pydyf formats the references of all pages each time: 1,2 s of a 27-second render, and
    quadratic in the page count. Pages are only ever appended to ``Kids`` (``add_page``; WeasyPrint
    adds them all before it reads the references), so the tuple stays valid while the list, its
    length and its last page do; the same tuple, the same PDF bytes.
    """

    def page_references(self):
        kids = self.pages["Kids"]
        key = (len(kids), kids[-3] if kids else None)
        cached = self.__dict__.get("_page_references_cache")
        if cached is not None and cached[0] is kids and cached[1] == key:
            return cached[2]
        references = original(self)
        self.__dict__["_page_references_cache"] = (kids, key, references)
        return references

    page_references.cached = True
    return page_references


def adjust_pydyf() -> None:
    """Apply both adjustments (once; pydyf is pinned in requirements.txt, tests check them)."""
    pydyf.zlib = _StreamZlib()
    current = getattr(pydyf.PDF, "page_references", None)
    if isinstance(current, property) and not getattr(current.fget, "cached", False):
        pydyf.PDF.page_references = property(_cached_page_references(current.fget))


adjust_pydyf()


# Allocations between two collections of Python's youngest generation while WeasyPrint lays out.
LAYOUT_GC_THRESHOLD = 50_000


@contextmanager
def fewer_garbage_collections():
    """Collect the youngest generation every 50.000 allocations instead of every 700, for a while.

    WeasyPrint builds a tree of boxes and text lines that lives for the whole layout; with the
    default threshold the cyclic collector walks it again and again (a tenth of a long report's
    time). Measured with the benchmark's reports: 53 pages 6,6 -> 5,7 s, 198 pages 30,2 -> 26,5 s,
    the same peak memory (nothing is kept that a collection would have freed: it still runs,
    only less often). The old thresholds are restored afterwards.
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
    load_hyphenation()
    try:
        with fewer_garbage_collections():
            pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)
    except Exception as error:  # WeasyPrint raises many kinds; all mean "no PDF"
        raise RenderError(str(error)) from error
    own_assets_missing = [url for url in fetcher.refused if url.startswith(ASSET_ORIGIN)]
    if own_assets_missing:
        raise RenderError(f"static files missing: {', '.join(own_assets_missing)[:500]}")
    return pdf


def render_document(template_name: str, context: dict, *, fetcher: StaticFilesOnlyFetcher | None = None) -> bytes:
    """Render a template (always in German: a council paper is German) and turn it into a PDF."""
    with translation.override("de"):
        html = render_to_string(template_name, {**context, "for_pdf": True})
    return html_to_pdf(html, fetcher=fetcher)
