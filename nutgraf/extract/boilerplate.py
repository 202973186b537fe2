"""Rules on extracted blocks that trafilatura's own rules miss: pure functions on ``Block`` lists.

- A slideshow embedded in the article ("1/50 United goin down...", "2/50 ...") reads as a run
  of paragraphs, each opened by its slide counter; the run is a gallery, not the body.
- A "heading" that is a whole sentence (a lead or a dek styled as ``<h2>``) is a paragraph.
- Headings with no paragraph to head are the page's only text: paragraphs.
- A paragraph the page repeats in ``<p>`` after ``<p>`` is kept as often as the page has it:
  trafilatura keeps one of equal neighbours (its own overlapping candidates).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from nutgraf.records import Block

__all__ = [
    "drop_slide_runs",
    "lone_headings_as_paragraphs",
    "restore_repeats",
    "sentence_headings_as_paragraphs",
]

# "3/50 ", "3 / 50 ", "3 of 50 " at the start of a block: a slide counter.
_SLIDE_COUNTER = re.compile(r"^(\d{1,4})\s?(?:/|of)\s?(\d{1,4})(?!\d)")
# Fewer slides in a row than this are left alone ("1/2 tsp" in a recipe is no gallery).
_MIN_SLIDE_RUN = 3
# A heading this long that ends like a sentence reads as a paragraph (a lead in ``<h2>``);
# shorter ones ("Read more.", "What next?") stay headings.
_MIN_SENTENCE_HEADING_WORDS = 8
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f\u2026][\"'\u201d\u2019\u00bb)]*$")


def drop_slide_runs(blocks: Sequence[Block]) -> list[Block]:
    """The blocks without runs of slideshow captions: ``_MIN_SLIDE_RUN`` or more blocks in a
    row opened by counters of one slideshow (k/N, k+1/N, ...)."""
    kept: list[Block] = []
    run: list[Block] = []
    expected: tuple[int, int] | None = None  # the counter the next slide of the run would carry
    for block in blocks:
        counter = _counter(block.text)
        if counter is not None and counter == expected and run:
            run.append(block)
        else:
            if len(run) < _MIN_SLIDE_RUN:
                kept.extend(run)
            run = [block] if counter is not None else []
            if counter is None:
                kept.append(block)
        expected = (counter[0] + 1, counter[1]) if counter is not None else None
    if len(run) < _MIN_SLIDE_RUN:
        kept.extend(run)
    return kept


def _counter(text: str) -> tuple[int, int] | None:
    """The slide counter (k, N) that opens ``text``, or None; k must be within 1..N."""
    match = _SLIDE_COUNTER.match(text)
    if match is None:
        return None
    slide, total = int(match[1]), int(match[2])
    return (slide, total) if 1 <= slide <= total else None


def sentence_headings_as_paragraphs(blocks: Sequence[Block]) -> list[Block]:
    """Subheadings that are whole sentences of ``_MIN_SENTENCE_HEADING_WORDS`` words or more
    turned into paragraphs; every other block as it is."""
    return [
        Block("paragraph", block.text)
        if block.kind == "subheading" and _is_sentence(block.text)
        else block
        for block in blocks
    ]


def _is_sentence(text: str) -> bool:
    return (
        len(text.split()) >= _MIN_SENTENCE_HEADING_WORDS and _SENTENCE_END.search(text) is not None
    )


def lone_headings_as_paragraphs(blocks: Sequence[Block]) -> list[Block]:
    """A body of subheadings alone (a page of headed pictures) as paragraphs: there is no
    paragraph for them to head, and they are all the text the page has."""
    if any(block.kind == "paragraph" for block in blocks):
        return list(blocks)
    return [Block("paragraph", block.text) for block in blocks]


def restore_repeats(blocks: Sequence[Block], repeats: Counter[str]) -> list[Block]:
    """The blocks with each paragraph the page repeats in a row shown as often as there:
    ``repeats`` maps a paragraph's text (spaces collapsed) to how many times the page
    follows it with itself. A run the blocks already hold in full is left as it is."""
    kept: list[Block] = []
    for index, block in enumerate(blocks):
        kept.append(block)
        extra = repeats.get(block.text, 0)
        if not extra or block.kind != "paragraph":
            continue
        if index + 1 < len(blocks) and blocks[index + 1] == block:
            continue  # the last of the run decides
        run = 1
        while run <= index and blocks[index - run] == block:
            run += 1
        kept.extend([block] * max(0, extra + 1 - run))
    return kept
