"""Writing systems that put no spaces between words, and what stands in for words there.

Chinese and Japanese (Han, kana) write words without spaces; Thai, Lao, Khmer and Myanmar
put spaces between phrases, not words. White space then tells nothing about words, so:

- counting words (length features, word budgets, reading time): a run of CJK characters
  counts one word per ``CJK_CHARS_PER_WORD`` characters (Chinese words average under two
  characters), a run of the Southeast Asian scripts one per ``SOUTHEAST_CHARS_PER_WORD``;
- comparing texts (sentence similarity, "Read also", search): a run is read as its
  overlapping character bigrams, the usual stand-in for words where no segmenter (and no
  dictionary download) is at hand: two texts about the same thing share them.

Text without these scripts is left to the callers' own rules, unchanged. Pure functions.
"""

from __future__ import annotations

import math
import re

# Han (with its iteration and number marks), hiragana, katakana (the prolonged sound mark
# too), halfwidth katakana, compatibility ideographs and the supplementary ideographs.
_CJK = (
    "\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
# Thai, Lao, Myanmar, Khmer: with their vowel signs and tone marks, which Python's ``\w``
# leaves out (so ``\w+`` would cut their words apart at every mark).
_SOUTHEAST = "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"
CJK_CHARS_PER_WORD = 2
SOUTHEAST_CHARS_PER_WORD = 4

UNSPACED = re.compile(f"[{_CJK}{_SOUTHEAST}]")
UNSPACED_RUN = re.compile(f"[{_CJK}{_SOUTHEAST}]+")
CJK_RUN = re.compile(f"[{_CJK}]+")
SOUTHEAST_RUN = re.compile(f"[{_SOUTHEAST}]+")
# A run of an unspaced script, or a run of other word characters (``\w`` without them): on
# text without unspaced scripts, the matches of ``\w+``.
SEARCH_PIECE = re.compile(f"[{_CJK}]+|[{_SOUTHEAST}]+|[^\\W{_CJK}{_SOUTHEAST}]+")
_WORD_OR_RUN = SEARCH_PIECE
# A run of an unspaced script, or a run of anything else but white space.
_WORD_CHAR = re.compile(r"\w")
_UNIT_OR_RUN = re.compile(f"[{_CJK}]+|[{_SOUTHEAST}]+|[^\\s{_CJK}{_SOUTHEAST}]+")


def has_unspaced(text: str) -> bool:
    """Whether ``text`` holds a character of a script written without spaces between words."""
    return not text.isascii() and UNSPACED.search(text) is not None


def word_units(text: str) -> tuple[str, ...]:
    """The words of ``text`` as a reader counts them: ``text.split()`` where every word is
    spaced, else with each unspaced run cut into pieces of a word's average length (and
    marks that stand alone, as CJK punctuation does, not counted)."""
    if not has_unspaced(text):
        return tuple(text.split())
    units: list[str] = []
    for piece in _UNIT_OR_RUN.findall(text):
        size = _chars_per_word(piece[0])
        if size > 1:
            units.extend(piece[i : i + size] for i in range(0, len(piece), size))
        elif _WORD_CHAR.search(piece):  # not a mark alone ("。", "，")
            units.append(piece)
    return tuple(units)


def count_words(text: str) -> int:
    """``len(word_units(text))``, without building the words."""
    if not has_unspaced(text):
        return len(text.split())
    total = 0
    for piece in _UNIT_OR_RUN.findall(text):
        size = _chars_per_word(piece[0])
        if size > 1:
            total += math.ceil(len(piece) / size)
        elif _WORD_CHAR.search(piece):
            total += 1
    return total


def _chars_per_word(first: str) -> int:
    if UNSPACED.match(first) is None:
        return 1
    return SOUTHEAST_CHARS_PER_WORD if SOUTHEAST_RUN.match(first) else CJK_CHARS_PER_WORD


def bigrams(run: str) -> list[str]:
    """The overlapping character bigrams of ``run`` (the run itself when it is one character)."""
    if len(run) < 3:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def comparable_words(text: str) -> list[str]:
    """The words of ``text`` for comparing it with others: runs of word characters, each run
    of an unspaced script given as its bigrams. ``\\w+`` matches for text without those."""
    words: list[str] = []
    for piece in _WORD_OR_RUN.findall(text):
        if UNSPACED.match(piece):
            words.extend(bigrams(piece))
        else:
            words.append(piece)
    return words


def index_tokens(run: str) -> list[str]:
    """What a search index holds for an unspaced ``run``: its bigrams, then its last character
    alone, so that a one-character query finds the run through a prefix of some token."""
    if len(run) == 1:
        return [run]
    return [*bigrams(run), run[-1]]


def spaced_for_index(text: str) -> str:
    """``text`` with every unspaced run replaced by its ``index_tokens`` between spaces: what a
    tokenizer that splits on spaces and punctuation (SQLite's unicode61) should index. ``text``
    itself when it holds no such run."""
    if not has_unspaced(text):
        return text
    return UNSPACED_RUN.sub(lambda run: " " + " ".join(index_tokens(run.group())) + " ", text)


def search_phrase(word: str) -> str:
    """An FTS5 query for ``word`` (a ``SEARCH_PIECE``) in an index of ``spaced_for_index``
    text: the word as a phrase, an unspaced run as the phrase of its bigrams, one character
    alone as a prefix."""
    if not has_unspaced(word):
        return '"' + word.replace('"', '""') + '"'
    tokens, prefix = query_tokens(word)
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")


def query_tokens(run: str) -> tuple[list[str], bool]:
    """What a query for the unspaced ``run`` looks for in the index: its bigrams in a row, or
    (for one character) every token starting with it: the tokens and whether it is a prefix."""
    if len(run) == 1:
        return [run], True
    return bigrams(run), False
