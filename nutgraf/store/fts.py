"""FTS5 queries over SQLite's index of ``title``, ``text`` and ``stems`` (pure).

A word is looked for in the title and text as it is (``scripts.search_phrase``), or, for a
word of letters, as any of its tagged stems in the ``stems`` column (``nlp.stems``). Every
phrase names its columns, so no word typed in a query can meet the stems column by its
spelling ("end" is never read as ``en`` + ``d``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from nutgraf.nlp.scripts import search_phrase
from nutgraf.nlp.stems import query_stems

_WORDS = "{title text}"


def word_match(word: str, tags: Collection[str] | None = None) -> str:
    """What matches ``word``: itself in the title or text, or a form of it (a stem) in one
    of the languages of ``tags`` (default: all)."""
    exact = f"{_WORDS} : {search_phrase(word)}"
    stems = query_stems(word, tags)
    if not stems:
        return exact
    return f"({exact} OR stems : ({' OR '.join(_quoted(s) for s in stems)}))"


def every_word(words: Sequence[str], tags: Collection[str] | None = None) -> str:
    """An FTS5 query for articles matching every one of ``words`` (in some form)."""
    return " AND ".join(word_match(word, tags) for word in words)


def any_exact(words: Sequence[str]) -> str:
    """An FTS5 query for articles holding any of ``words`` as it is (no stems): "Read also"
    compares the articles' own words."""
    return f"{_WORDS} : ({' OR '.join(search_phrase(word) for word in words)})"


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'
