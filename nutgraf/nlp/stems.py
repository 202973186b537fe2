"""Word forms for search: an article's words stemmed in its own language, and a query word
stemmed in every language, each stem tagged with its language.

The index holds, beside an article's words, the distinct stems of its words by the Snowball
stemmer of its detected language ("strikes" in an English article: ``en`` + ``strike``). A
query word is looked for as itself (the exact match, as before) or as any of its tagged stems
(``en`` + the English stem of "strike", ``de`` + its German stem, ...). The tag keeps the
languages apart: a query's German stem only meets German articles' stems, so no stem of one
language matches a word of another that happens to be spelled like it; a word seen in
another language's article is found by its exact form, as before.

Stems are lowercased and folded as the index folds words (diacritics of Latin letters
removed), so "grève" and "greve" meet. Words of scripts written without spaces (Chinese,
Japanese, Thai) have no stemmer; they are searched by bigrams (``scripts``). Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable
from functools import lru_cache

import Stemmer

from nutgraf.nlp.language import snowball_algorithm, snowball_languages

# The first this many characters of a text are stemmed, as PostgreSQL indexes them.
STEMMED_CHARS = 200_000
# A word longer than this is no word a reader types (a token of a URL, a hash): not stemmed.
LONGEST_WORD = 40
_WORD = re.compile(r"[^\W\d_]+")
_HEAD = 3  # first letters a word and its forms share, for marking them (``forms_in``)
_LATIN_MARKS = re.compile("(?<=[\x00-\u024f\u1e00-\u1eff])[\u0300-\u036f]+")


def stem_tag(language: str | None) -> str | None:
    """The tag of ``language``'s stems (a language that shares another's stemmer shares its
    tag: Norwegian ``nb`` is ``no``), or None when Snowball has no stemmer for it."""
    if not language:
        return None
    return _TAGS.get(snowball_algorithm(language) or "")


def article_stems(language: str | None, title: str | None, text: str) -> list[str]:
    """The distinct tagged stems (``tag + stem``) of the words of ``title`` and ``text``, in
    their order of first use; empty when the language has no stemmer."""
    tag = stem_tag(language)
    if tag is None:
        return []
    words = _WORD.findall(f"{title or ''}\n{text[:STEMMED_CHARS]}".lower())
    distinct = [w for w in dict.fromkeys(words) if len(w) <= LONGEST_WORD]
    stems = _stemmer(tag).stemWords(distinct)
    return list(dict.fromkeys(tag + _fold(stem) for stem in stems))


def query_stems(word: str, tags: Collection[str] | None = None) -> list[str]:
    """The tagged stems of the query ``word`` in each language of ``tags`` (default: every
    language Snowball stems; a store passes those its articles are in): the index entries of
    articles that hold a form of it. Empty for what is not one word of letters (a number,
    "e-mail", a run of Chinese), which is searched as it is."""
    lowered = word.lower()
    if not _WORD.fullmatch(lowered) or len(lowered) > LONGEST_WORD:
        return []
    chosen = TAGS if tags is None else [tag for tag in TAGS if tag in tags]
    return list(dict.fromkeys(tag + _fold(_stemmer(tag).stemWord(lowered)) for tag in chosen))


def tags_of(languages: Iterable[str | None]) -> frozenset[str]:
    """The stem tags of ``languages`` (those with a stemmer)."""
    return frozenset(tag for tag in map(stem_tag, languages) if tag is not None)


def is_stem_token(token: str) -> bool:
    """Whether ``token`` is something ``article_stems`` or ``query_stems`` could give."""
    return len(token) > 2 and token[:2] in _TAG_SET and _WORD.fullmatch(token) is not None


def stems_text(stems: Iterable[str]) -> str | None:
    """The stems as the index column holds them: space-separated, None for none."""
    joined = " ".join(stems)
    return joined or None


@lru_cache(maxsize=64)
def _stemmer(tag: str) -> Stemmer.Stemmer:
    # PyStemmer's calls hold the GIL, so one stemmer may serve every thread.
    return Stemmer.Stemmer(_ALGORITHMS[tag])


def _fold(stem: str) -> str:
    if stem.isascii():
        return stem
    decomposed = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", stem))
    return unicodedata.normalize("NFC", decomposed)


# One tag per Snowball algorithm: the first ISO 639-1 code naming it.
_TAGS: dict[str, str] = {}
for _code in snowball_languages():
    _algorithm = snowball_algorithm(_code)
    if _algorithm is not None:
        _TAGS.setdefault(_algorithm, _code)
_ALGORITHMS = {tag: algorithm for algorithm, tag in _TAGS.items()}
TAGS: tuple[str, ...] = tuple(sorted(_ALGORITHMS))
_TAG_SET = frozenset(TAGS)


def forms_in(language: str | None, words: Iterable[str], text: str) -> list[str]:
    """The distinct words of ``text`` (lowercased) that are forms of one of ``words`` in
    ``language``, by their stems: what a search for ``words`` matched beyond the words
    themselves (for marking them in a result)."""
    tag = stem_tag(language)
    if tag is None:
        return []
    stemmer = _stemmer(tag)
    asked = [w.lower() for w in words]
    asked = [w for w in asked if _WORD.fullmatch(w) and len(w) <= LONGEST_WORD]
    if not asked:
        return []
    wanted = {_fold(stem) for stem in stemmer.stemWords(asked)}
    # Snowball strips endings, so a form shares its word's first letters: only the words that
    # do are stemmed (stemming every word of 20 results took 4 ms a page).
    heads = {_fold(w[:_HEAD]) for w in asked}
    seen = dict.fromkeys(_WORD.findall(text[:STEMMED_CHARS].lower()))
    distinct = [w for w in seen if len(w) <= LONGEST_WORD and _fold(w[:_HEAD]) in heads]
    stems = stemmer.stemWords(distinct)
    return [w for w, stem in zip(distinct, stems, strict=True) if _fold(stem) in wanted]
