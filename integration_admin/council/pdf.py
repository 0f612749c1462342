"""The council's PDFs: its papers and excerpts, made by the core's WeasyPrint rendering
(:mod:`integration_admin.core.pdf`: the restricted URL fetcher, PDF/A, fewer garbage collections).

The names are the core's, re-exported for the council's modules; ``render_document`` calls
``html_to_pdf`` through this module, so that tests can replace it here.
"""

from integration_admin.core.pdf import (  # noqa: F401 (the council's PDF interface)
    ALLOWED_FOLDERS,
    ALLOWED_TYPES,
    ASSET_ORIGIN,
    BASE_URL,
    HTML,
    HYPHENATION_LANG,
    LAYOUT_GC_THRESHOLD,
    PDF_VARIANT,
    RefusedURL,
    RenderError,
    StaticFilesOnlyFetcher,
    fewer_garbage_collections,
    html_to_pdf,
    render_html,
    static_roots,
    warm_hyphenation,
)


def render_document(template_name: str, context: dict, *, fetcher: StaticFilesOnlyFetcher | None = None) -> bytes:
    """Render a template (always in German: a council paper is German) and turn it into a PDF."""
    return html_to_pdf(render_html(template_name, context), fetcher=fetcher)
