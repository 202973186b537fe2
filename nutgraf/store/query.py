"""What a search may ask: the words of a query, bounded, parsed once for both backends.

Every caller of ``Store.search`` (the ``search`` command, the site, the JSON twins) goes
through ``search_words``, so no caller can hand the full-text index an unbounded query: each
word is one more phrase the index intersects, and 10,000 words took 477 MB and 44 s ranked
on the demo archive (issue 15 saw a 50,000-word query take 9 GB).
"""

from __future__ import annotations

import re

from nutgraf.errors import InputError
from nutgraf.store.rows import SEARCH_WORD

# The longest query taken, in characters: the site's search box already refused longer ones
# (web/app.py), and a search for a headline is a few dozen characters.
MAX_QUERY_CHARS = 500
# The most words a query may hold: Google's web search also reads at most 32. Counted as the
# index splits them (letters and digits: "a_b" is two), as each is a phrase term to match.
MAX_QUERY_WORDS = 32
# Search counts its matches exactly up to this many; past it, the count says "more than"
# (``Store.search_count`` reads at most one match more): counting every match of a common
# word in a large archive on each keystroke would cost more than the search.
SEARCH_COUNT_CAP = 1000
# The languages the articles are in, so a query word is stemmed in those only (33 stems a
# word made PostgreSQL's ranked search 6 times slower on an English archive). An index
# probe a language (a loose index scan), read again after ``LANGUAGES_SECONDS``.
LANGUAGES_PRESENT = """
    WITH RECURSIVE present(language) AS (
        SELECT min(language) FROM articles
        UNION ALL
        SELECT (SELECT min(language) FROM articles WHERE language > present.language)
        FROM present WHERE present.language IS NOT NULL
    )
    SELECT language FROM present WHERE language IS NOT NULL
"""
LANGUAGES_SECONDS = 60.0
_INDEXED_PIECE = re.compile(r"[^\W_]+")


def search_words(query: str) -> list[str]:
    """The distinct words of ``query``, in order: what every one of the results must hold.

    Raises:
        InputError: the query is over ``MAX_QUERY_CHARS`` characters or ``MAX_QUERY_WORDS``
            words, or holds no word at all (one line; a long query is not quoted).
    """
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(
            f"the search query is {len(query):,} characters, over the {MAX_QUERY_CHARS}-"
            "character limit; shorten it"
        )
    words = list(dict.fromkeys(SEARCH_WORD.findall(query)))
    if not words:
        raise InputError(f"search query {query!r} has no words to look for; give one or more")
    count = sum(len(_INDEXED_PIECE.findall(word)) for word in words)
    if count > MAX_QUERY_WORDS:
        raise InputError(
            f"the search query has {count} different words, over the limit of "
            f"{MAX_QUERY_WORDS}; keep the {MAX_QUERY_WORDS} that say most"
        )
    return words
