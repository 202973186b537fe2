"""HTML fragments built from archive text: everything is escaped here, nothing is trusted.

The article body is rendered from its plain-text blocks, not from stored HTML, so each
summary sentence can be wrapped where it stands (its offsets point into ``Article.text``) and
a link to ``#s2`` highlights it with CSS alone (``:target``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from nutgraf.extract.bounds import MAX_BLOCKS, MAX_TEXT_CHARS
from nutgraf.records import PARAGRAPH_SEPARATOR, Article, Summary

SNIPPET_WORDS = 32
# The most of an article's body a page shows: what ingest keeps of one article
# (nutgraf.extract.bounds), so a page is bounded in size and render time whatever the archive
# holds (an article stored before ingest bounded its blocks had half a million, and took 7 s
# to render).
MAX_SHOWN_BLOCKS = MAX_BLOCKS
MAX_SHOWN_CHARS = MAX_TEXT_CHARS
_WORD = re.compile(r"\w+", re.UNICODE)


def body_html(article: Article, summary: Summary) -> Markup:
    """The body as ``<h2>`` and ``<p>`` elements, each summary sentence in a
    ``<mark class="cite" id="sN">`` (N counts from 1, in summary order)."""
    cites: dict[int, list[tuple[int, int, int]]] = {}
    for number, sentence in enumerate(summary.sentences, start=1):
        cites.setdefault(sentence.paragraph, []).append((sentence.start, sentence.end, number))
    parts: list[str] = []
    paragraph = 0
    offset = 0
    shown = 0
    for number, block in enumerate(article.blocks):
        shown += len(block.text)
        if number >= MAX_SHOWN_BLOCKS or shown > MAX_SHOWN_CHARS:
            left = len(article.blocks) - number
            parts.append(
                f'<p class="cut">The rest of this article ({left:,} more '
                f"{'part' if left == 1 else 'parts'}) is too long to show here.</p>"
            )
            break
        if block.kind == "subheading":
            parts.append(f"<h2>{escape(block.text)}</h2>")
            continue
        parts.append(f"<p>{_cited(block.text, offset, cites.get(paragraph, []))}</p>")
        offset += len(block.text) + len(PARAGRAPH_SEPARATOR)
        paragraph += 1
    return Markup("\n".join(parts))


def _cited(text: str, offset: int, spans: list[tuple[int, int, int]]) -> str:
    out, at = [], 0
    for start, end, number in sorted(spans):
        start, end = start - offset, end - offset
        if start < at or end > len(text) or start >= end:
            continue  # offsets that do not fit this paragraph are not drawn
        out.append(str(escape(text[at:start])))
        out.append(
            f'<mark class="cite" id="s{number}" tabindex="-1">{escape(text[start:end])}</mark>'
        )
        at = end
    out.append(str(escape(text[at:])))
    return "".join(out)


def highlight(text: str, words: Sequence[str]) -> Markup:
    """``text`` escaped, with every whole-word match of ``words`` (any case) in ``<mark>``."""
    wanted = {w.casefold() for w in words}
    out, at = [], 0
    for match in _WORD.finditer(text):
        if match.group().casefold() in wanted:
            out.append(str(escape(text[at : match.start()])))
            out.append(f"<mark>{escape(match.group())}</mark>")
            at = match.end()
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def snippet(text: str, words: Sequence[str], size: int = SNIPPET_WORDS) -> str:
    """About ``size`` words of ``text`` around the first place one of ``words`` stands."""
    pattern = _any_word(tuple(sorted({w.casefold() for w in words})))
    found = pattern.search(text) if pattern else None
    at = found.start() if found else 0
    before = text[:at].split()[-(size // 3) :] if at else []
    after = text[at:].split()[: size - len(before)]
    prefix = "… " if len(before) < len(text[:at].split()) else ""
    suffix = " …" if len(after) < len(text[at:].split()) else ""
    return f"{prefix}{' '.join([*before, *after])}{suffix}"


@lru_cache(maxsize=256)
def _any_word(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)


def host(url: str | None) -> str:
    """The host of a URL without ``www.``, or "" for none."""
    if not url:
        return ""
    name = urlsplit(url).hostname or ""
    return name.removeprefix("www.")


def search_words(query: str) -> list[str]:
    return _WORD.findall(query)
