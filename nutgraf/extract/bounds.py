"""How much of one article nutgraf keeps, whatever its shape: the work per article is bounded.

Every later stage (sentence splitting, summarizing, fingerprinting, the archive, the site
that renders the body) costs something per block and per character. A page of a million
one-letter lines or a feed entry of 500,000 ``<p>a</p>`` would make each of them a million
times more expensive than an article, so every extractor ends with ``bound_blocks``: runs of
tiny blocks are merged into paragraphs, then the body is cut at ``MAX_BLOCKS`` blocks and
``MAX_TEXT_CHARS`` characters. Real articles are far below all three numbers and come out
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Final, TypeVar

from nutgraf.records import PARAGRAPH_SEPARATOR, Block

__all__ = [
    "MAX_BLOCKS",
    "MAX_TEXT_CHARS",
    "MAX_TINY_RUN",
    "TINY_CHARS",
    "bound_blocks",
    "cut_text",
    "merge_tiny_runs",
]

# The largest bodies in the data (../shared/data/extraction*, summaries, stories; 15,093
# articles): 665 paragraphs and 118,290 characters (a Wikipedia page in the readability set;
# news articles at most 384 paragraphs and 53,479 characters). Three times the first, two
# and a half times the second.
MAX_BLOCKS: Final = 2_000
MAX_TEXT_CHARS: Final = 300_000
# A block this short ("a", "Share", "12:40", a table cell) says little alone. The longest run
# of such blocks in the data is 172 (the cells of a table of numbers in a feed entry of
# ../shared/data/feeds/research-rsc.atom; 33 among the paragraphs of the data sets above); a
# run longer than MAX_TINY_RUN becomes one paragraph of its texts joined by spaces, so it
# costs what one paragraph costs.
TINY_CHARS: Final = 20
MAX_TINY_RUN: Final = 500

T = TypeVar("T")
_JOIN_EVERY = 1024  # texts of a merged run held apart at most


def bound_blocks(blocks: Iterable[Block]) -> tuple[Block, ...]:
    """The blocks an article keeps: tiny runs merged, then at most ``MAX_BLOCKS`` blocks and
    ``MAX_TEXT_CHARS`` characters of text, the blank lines between blocks counted (the block
    that crosses it is cut at a space).

    ``blocks`` is read lazily and only as far as needed, so an extractor that yields its
    blocks one by one does no work past the bound.
    """
    kept: list[Block] = []
    room = MAX_TEXT_CHARS
    merged = merge_tiny_runs(blocks, _text_of_block, _merged_block, MAX_TEXT_CHARS)
    for block in merged:
        if len(block.text) > room:
            block = Block(block.kind, cut_text(block.text, room))
        kept.append(block)
        room -= len(block.text) + len(PARAGRAPH_SEPARATOR)
        if len(kept) == MAX_BLOCKS or room <= 0:
            break
    return tuple(kept)


def merge_tiny_runs(
    items: Iterable[T], text_of: Callable[[T], str], merged: Callable[[T, str], T], limit: int
) -> Iterator[T]:
    """``items`` with every run of more than ``MAX_TINY_RUN`` tiny ones (text shorter than
    ``TINY_CHARS``) replaced by ``merged(first of the run, their texts joined by spaces)``,
    about ``limit`` characters at most (a longer run makes several). Lazy, and it holds one
    run at most: ``MAX_TINY_RUN`` items, then ``limit`` characters of text."""
    run: list[T] = []  # the current run of tiny items; only its first once it is merged
    texts: list[str] = []  # a merged run's texts not yet yielded
    merging = False
    size = 0
    for item in items:
        text = text_of(item)
        if len(text) >= TINY_CHARS:
            yield from _end_run(run, texts, merging, merged)
            run, texts, merging, size = [], [], False, 0
            yield item
            continue
        if merging:
            texts.append(text)
            size += len(text) + 1
            if len(texts) == _JOIN_EVERY:  # a string, not a hundred thousand small ones
                texts = [" ".join(texts)]
        else:
            run.append(item)
            if len(run) > MAX_TINY_RUN:
                merging = True
                texts = [text_of(r) for r in run]
                size = sum(map(len, texts)) + len(texts)
                del run[1:]
        if merging and size > limit:
            yield merged(run[0], " ".join(texts))
            texts, size = [], 0
    yield from _end_run(run, texts, merging, merged)


def _end_run(
    run: list[T], texts: list[str], merging: bool, merged: Callable[[T, str], T]
) -> Iterator[T]:
    """What a run of tiny items gives when it ends: itself, or its merged texts."""
    if not merging:
        yield from run
    elif texts:
        yield merged(run[0], " ".join(texts))


def cut_text(text: str, size: int) -> str:
    """``text`` cut to at most ``size`` characters, at the last space before that if any."""
    if len(text) <= size:
        return text
    head = text[:size]
    space = head.rfind(" ")
    return (head[:space] if space > 0 else head).rstrip()


def _text_of_block(block: Block) -> str:
    return block.text


def _merged_block(first: Block, text: str) -> Block:
    return Block("paragraph", text)
