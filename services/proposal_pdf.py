"""A rendered proposal page (`services.proposal_render.render_html`) to PDF bytes, offline.

WeasyPrint lays the page out with its CSS paged media. `render_pdf` is CPU-bound and blocking:
async callers run it with `asyncio.to_thread`. Renders are serialised by a module lock (Pango and
fontconfig are not documented as thread-safe, and crashes under concurrent renders have been
reported upstream), so it is safe from any number of threads; each call builds its own document.
Nothing is ever fetched: the URL fetcher refuses every URL (http, https, file, data), so a PDF
is a snapshot of the HTML and nothing else; a refused resource is left out with a warning.
"""

from __future__ import annotations

import threading
from typing import Any, NoReturn

from weasyprint import HTML
from weasyprint.urls import URLFetcher

_LOCK = threading.Lock()


class URLRefused(ValueError):
    """A proposal tried to load an external resource; snapshots never do."""


class RefuseAllFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
    """A WeasyPrint URL fetcher that opens nothing: every URL raises `URLRefused`."""

    def fetch(self, url: str, headers: Any = None) -> NoReturn:
        raise URLRefused(f"proposal PDFs load nothing: refused {url[:200]}")

    def open(self, url: Any, data: Any = None, timeout: Any = None) -> NoReturn:
        raise URLRefused("proposal PDFs load nothing")


def render_pdf(html: str) -> bytes:
    """The PDF of a proposal page; blocking (use `asyncio.to_thread` from async code)."""
    with _LOCK:
        doc = HTML(string=html, base_url=None, url_fetcher=RefuseAllFetcher()).render()
        pdf: bytes = doc.write_pdf()
    return pdf


def page_count(html: str) -> int:
    """How many pages the page lays out to (WeasyPrint's document API; for tests and checks)."""
    with _LOCK:
        return len(HTML(string=html, url_fetcher=RefuseAllFetcher()).render().pages)
