"""Article extraction: content (HTML or plain text) in, ``Article`` out.

``extract_html`` (and trafilatura under it) is imported on first use: plain text never
needs it, and ``nutgraf summarize notes.txt`` starts faster without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nutgraf.extract.article import extract

if TYPE_CHECKING:
    from nutgraf.extract.html import extract_html

__all__ = ["extract", "extract_html"]


def __getattr__(name: str) -> Any:
    if name == "extract_html":
        from nutgraf.extract.html import extract_html

        return extract_html
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
