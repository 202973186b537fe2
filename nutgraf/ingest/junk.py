"""What is neither an article nor a feed (pure): data files, redirect stubs and sign-in walls.

A folder of saved pages holds more than pages: a ``manifest.jsonl`` was stored as "Untitled
article" with raw JSON for its body, and a server's "Object Moved" stub as an article. Each
test here looks at a bounded head of the bytes, or at the extracted article, and says why the
input is refused (one line), or None when it may be an article.
"""

from __future__ import annotations

import csv
import json
import re

from nutgraf.records import Article

__all__ = ["not_an_article"]

# Bytes of the input each test looks at: enough for the first lines of a data file.
_HEAD_BYTES = 64 * 1024
# A table: at least this many rows of the same number of cells (two or more), cells short.
_TABLE_ROWS = 5
_TABLE_CELL_CHARS = 40
# A page whose text is this short and says it moved (or redirects) is a stub; one that asks
# for a password with this little text is a sign-in wall.
_STUB_WORDS = 40
_WALL_WORDS = 150
_MOVED = re.compile(
    r"\b(?:moved|redirect(?:ed|ing)?|may be found|found here|click here)\b", re.IGNORECASE
)
_REFRESH = re.compile(
    rb"<meta[^>]+http-equiv\s*=\s*[\"']?refresh[^>]*url\s*=\s*[\"']?([^\"'>\s]+)", re.IGNORECASE
)
_PASSWORD = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password", re.IGNORECASE)


def not_an_article(data: bytes, article: Article | None = None) -> str | None:
    """Why ``data`` (and the article extracted from it, when given) is not an article: a
    JSON or CSV data file, an HTML redirect stub, a sign-in page; None when it may be one."""
    head = data[:_HEAD_BYTES]
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if _is_json(text, data):
        return "JSON data, not an article or a feed"
    if _is_table(text):
        return "a table of data (CSV), not an article or a feed"
    if article is None:
        return None
    words = len(article.text.split())
    said = " ".join((article.title or "", article.text))
    refresh = _REFRESH.search(head)
    if words < _STUB_WORDS and (refresh is not None or _MOVED.search(said)):
        to = f" to {refresh.group(1).decode('ascii', 'replace')}" if refresh else ""
        return f"a redirect page{to}, not an article"
    if words < _WALL_WORDS and _PASSWORD.search(head):
        return "a sign-in page, not an article"
    return None


def _is_json(text: str, data: bytes) -> bool:
    """A JSON document, or JSON lines (each line one value): its first line parses, or the
    whole does (a pretty-printed document)."""
    if text[:1] not in ("{", "["):
        return False
    first = text.split("\n", 1)[0].strip()
    for candidate in (first, data.decode("utf-8", errors="replace").strip("\ufeff \t\r\n")):
        try:
            json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        return True
    return False


def _is_table(text: str) -> bool:
    """Rows of delimited cells: the first lines all split into the same number (two or more)
    of short cells on one delimiter."""
    lines = [line for line in text.splitlines()[: _TABLE_ROWS * 4] if line.strip()]
    if len(lines) < _TABLE_ROWS:
        return False
    lines = lines[:-1] if len(lines) > _TABLE_ROWS else lines  # the last may be cut off
    for delimiter in (",", "\t", ";", "|"):
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        widths = {len(row) for row in rows}
        if len(widths) == 1 and widths.pop() >= 2:
            cells = [cell for row in rows for cell in row]
            if sum(len(cell) for cell in cells) / len(cells) <= _TABLE_CELL_CHARS:
                return True
    return False
