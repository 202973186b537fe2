"""Article extraction: content (HTML or plain text) in, ``Article`` out."""

from nutgraf.extract.article import extract
from nutgraf.extract.html import extract_html

__all__ = ["extract", "extract_html"]
