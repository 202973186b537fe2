"""Reading an article's blocks from their JSON column, bounded for rows stored before ingest
bounded its articles (issue 15, point 3)."""

from __future__ import annotations

import json

from nutgraf.extract.bounds import MAX_BLOCKS, MAX_TEXT_CHARS
from nutgraf.records import Block
from nutgraf.store.rows import MAX_BLOCKS_JSON, read_blocks


def test_a_bounded_row_is_read_whole() -> None:
    blocks = [["paragraph", 'Zürich, "quoted" – ok'], ["subheading", "Next\nline"]]
    raw = json.dumps(blocks)
    assert read_blocks(raw) == (Block("paragraph", blocks[0][1]), Block("subheading", "Next\nline"))


def test_an_oversized_row_keeps_its_first_blocks_as_they_stand() -> None:
    blocks = [["paragraph", f'Paragraph {n} – é \u2028 "x"'] for n in range(60_000)]
    raw = json.dumps(blocks, ensure_ascii=True, indent=1)  # escapes and whitespace between
    assert len(raw) > MAX_BLOCKS_JSON
    kept = read_blocks(raw)
    assert len(kept) == MAX_BLOCKS
    assert kept == tuple(Block(kind, text) for kind, text in blocks[:MAX_BLOCKS])


def test_an_oversized_row_of_long_blocks_keeps_its_characters_bound() -> None:
    long = "word " * 20_000
    raw = json.dumps([["paragraph", long]] * 100)
    assert len(raw) > MAX_BLOCKS_JSON
    kept = read_blocks(raw)
    assert 0 < sum(len(b.text) for b in kept) <= MAX_TEXT_CHARS
    assert all(b.text == long for b in kept)
