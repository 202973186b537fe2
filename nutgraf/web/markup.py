"""HTML fragments built from archive text: everything is escaped here, nothing is trusted.

The article body is rendered from its plain-text blocks, not from stored HTML, so each
summary sentence can be wrapped where it stands (its offsets point into ``Article.text``) and
a link to ``#s2`` highlights it with CSS alone (``:target``). The article's images are put
back between the blocks where its HTML had them (``nutgraf.extract.images.place_figures``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import quote, urlsplit

from markupsafe import Markup, escape

from nutgraf.extract.bounds import MAX_BLOCKS, MAX_TEXT_CHARS
from nutgraf.extract.images import Figure, display_image
from nutgraf.records import PARAGRAPH_SEPARATOR, Article, Summary

SNIPPET_WORDS = 32
# The most of an article's body a page shows: what ingest keeps of one article
# (nutgraf.extract.bounds), so a page is bounded in size and render time whatever the archive
# holds (an article stored before ingest bounded its blocks had half a million, and took 7 s
# to render).
MAX_SHOWN_BLOCKS = MAX_BLOCKS
MAX_SHOWN_CHARS = MAX_TEXT_CHARS
_WORD = re.compile(r"\w+", re.UNICODE)


def body_html(article: Article, summary: Summary, figures: Sequence[Figure] = ()) -> Markup:
    """The body as ``<h2>`` and ``<p>`` elements, each summary sentence in a
    ``<mark class="cite" id="sN">`` (N counts from 1, in summary order), and each of
    ``figures`` as a ``<figure>`` before the block it preceded (a block that is its caption
    becomes its ``<figcaption>``, sentences marked all the same)."""
    cites: dict[int, list[tuple[int, int, int]]] = {}
    for number, sentence in enumerate(summary.sentences, start=1):
        cites.setdefault(sentence.paragraph, []).append((sentence.start, sentence.end, number))
    placed: dict[int, list[Figure]] = {}
    for figure in figures:
        placed.setdefault(min(figure.after, len(article.blocks)), []).append(figure)
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
            return Markup("\n".join(parts))
        if block.kind == "subheading":
            parts.extend(figure_html(f) for f in placed.get(number, ()))
            parts.append(f"<h2>{escape(block.text)}</h2>")
            continue
        text = _cited(block.text, offset, cites.get(paragraph, []))
        offset += len(block.text) + len(PARAGRAPH_SEPARATOR)
        paragraph += 1
        here = placed.get(number, [])
        if here and here[-1].caption_block == number:
            parts.extend(figure_html(f) for f in here[:-1])
            parts.append(figure_html(here[-1], Markup(text)))
        else:
            parts.extend(figure_html(f) for f in here)
            parts.append(f"<p>{text}</p>")
    parts.extend(figure_html(f) for f in placed.get(len(article.blocks), ()))
    return Markup("\n".join(parts))


def figure_html(figure: Figure, caption: Markup | None = None) -> str:
    """One image as a ``<figure>``: loaded lazily over https, sending no referrer, its size
    given when known so the text does not move when it arrives; "" when it cannot be shown.
    ``caption`` is the caption's markup when the caption is a block of the body."""
    src = display_image(figure.src)
    if src is None:
        return f"<p>{caption}</p>" if caption is not None else ""
    sized = f' width="{figure.width}" height="{figure.height}"' if figure.width else ""
    img = (
        f'<img src="{escape(src)}" alt="{escape(figure.alt)}"{sized} loading="lazy" '
        'decoding="async" referrerpolicy="no-referrer">'
    )
    if caption is None and figure.caption:
        caption = escape(figure.caption)
    shown = f"<figcaption>{caption}</figcaption>" if caption is not None else ""
    return f'<figure class="{"sized" if sized else "unsized"}">{img}{shown}</figure>'


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


def category_href(name: str) -> str:
    """The address of the category's page, its name percent-encoded ("/" kept: it nests)."""
    return "/categories/" + quote(name, safe="/")
