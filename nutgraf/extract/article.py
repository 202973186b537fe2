"""The library's ``extract``: bytes or text in, a clean ``Article`` out, whatever the format."""

from __future__ import annotations

import dataclasses

from nutgraf.errors import InputError
from nutgraf.ingest.sources import Document, decode_text, is_html
from nutgraf.ingest.text import parse_text
from nutgraf.nlp.language import detect_language
from nutgraf.records import Article

__all__ = ["extract"]


def extract(content: str | bytes, *, url: str | None = None, name: str | None = None) -> Article:
    """Extract the article from an HTML page or a plain-text page dump.

    Args:
        content: the page, as bytes (decoded here) or text.
        url: where it came from, if known; recorded on the article, never fetched.
        name: a file name for messages; an ``.html``/``.htm`` name also marks it as HTML.

    Returns:
        The article, with ``language`` detected from its text when the page gives none.

    Raises:
        InputError: the content is binary, undecodable, or holds no article text.
    """
    label = name or url or "<input>"
    if isinstance(content, str):
        # One path for both: the same checks (binary, blank) and normalisation (newlines, BOM).
        content = content.encode("utf-8", errors="replace")
    text = decode_text(Document(label, content))
    html = is_html(text, name)
    if html:
        from nutgraf.extract.html import extract_html  # trafilatura: only for HTML

        article = extract_html(text, url=url)
    else:
        article = parse_text(text)
        if url and not article.url:
            article = dataclasses.replace(article, url=url)
    if not article.paragraphs:
        kind = "page" if html else "text"
        raise InputError(
            f"{label} holds no article text; check that the {kind} is an article, "
            "not an index, a login page or a stub"
        )
    if article.language is None:
        sample = "\n\n".join(filter(None, (article.title, article.text)))
        article = dataclasses.replace(article, language=detect_language(sample))
    return article
