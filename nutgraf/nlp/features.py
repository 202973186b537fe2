"""What the summarizer knows about each sentence: a fixed-length vector of numbers.

Features are language-agnostic (position, length, centrality in the document, overlap with
the lead, proper nouns, quotes, numbers) plus a few per-language word lists
(pronouns that point back, attribution verbs). ``FEATURE_NAMES`` documents every column;
the trained model in ``model.json`` records the names it was trained with, so the two cannot
drift apart silently.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

import numpy as np

from nutgraf.nlp.language import stemmer, stopwords
from nutgraf.nlp.scripts import comparable_words, has_unspaced

_WORD = re.compile(r"\w+", re.UNICODE)
_DIGIT = re.compile(r"\d")
_POSITIONS = 8
_LEAD = 3  # sentences that make the lead, for the lead_overlap column
_LENGTH_BUCKETS = (6, 10, 14, 18, 22, 26, 32, 40, 55)

# Words that open a sentence and point back to something said before it.
ANAPHORA = {
    "en": "he she they it its his her their this these those that there such both".split(),
    "pl": "on ona ono oni one jego jej ich ten ta to te tamten tamta tego tej".split(),
    "de": "er sie es ihr ihre sein seine dies diese dieser dieses dort".split(),
    "ru": "он она оно они его её ее их этот эта это эти тот та те там".split(),
    "fr": "il elle ils elles ce cette ces cela ceci son sa ses leur leurs".split(),
    "es": "él ella ellos ellas esto este esta estos estas eso su sus".split(),
    "it": "lui lei loro questo questa questi queste quello quella suo sua".split(),
    "uk": "він вона воно вони його її їх цей ця це ці той та ті".split(),
}
_CONNECTIVES = {
    "en": "but and so however also yet meanwhile still instead then".split(),
    "pl": "ale i jednak także również więc a".split(),
    "de": "aber und doch jedoch auch dann".split(),
    "ru": "но и однако также тоже а зато".split(),
}

FEATURE_NAMES: tuple[str, ...] = (
    *(f"position_{i}" for i in range(_POSITIONS)),
    "position_later",
    "relative_position",
    "log_position",
    "first_in_paragraph",
    *(f"length_under_{b}" for b in _LENGTH_BUCKETS),
    "length_over",
    "log_words",
    "content_ratio",
    "tf_mean",
    "tf_max_share",
    "centroid_cosine",
    "lead_overlap",
    "proper_noun_ratio",
    "has_number",
    "starts_with_quote",
    "quote_share",
    "ends_with_quote_attribution",
    "opens_with_anaphora",
    "opens_with_connective",
    "is_question",
    "ends_without_punctuation",
    "has_parenthesis",
    "log_sentences",
)


class SentenceText(NamedTuple):
    """A sentence of the body: its text, words and where it stands.

    ``start`` and ``end`` are offsets into ``Article.text``. A named tuple rather than a
    frozen dataclass: an article makes dozens of these, and they are built in a hot loop.
    """

    text: str
    paragraph: int
    first_in_paragraph: bool
    words: tuple[str, ...]
    start: int = 0
    end: int = 0


def content_stems(text: str, language: str) -> list[str]:
    """The stemmed, lower-cased content words of ``text`` (stopwords and numbers dropped)."""
    return list(filter(None, _stems(_words(text.lower()), language)))


def content_stems_each(texts: Sequence[str], language: str) -> list[list[str]]:
    """``content_stems`` of each of ``texts``, read in one pass.

    An article's sentences are short: read one by one, their stems cost more in starting the
    regex, lower-casing and building lists than in reading the words.
    """
    # Each text is lower-cased on its own, as content_stems does, then the texts are joined
    # around a capital letter: no lower-cased text holds one, and the lexicon gives it as its
    # own stem, so it marks where the stems of each text end.
    words = _words(_TEXT_BREAK.join([text.lower() for text in texts]) + _TEXT_BREAK)
    stems = list(filter(None, _stems(words, language)))
    bags = []
    start = 0
    for _ in texts:
        end = stems.index(_TEXT_END, start)
        bags.append(stems[start:end])
        start = end + 1
    return bags


_TEXT_END = "X"
_TEXT_BREAK = f" {_TEXT_END} "


def _words(text: str) -> list[str]:
    """The words (``_WORD`` matches) of ``text``; runs of scripts written without spaces
    (Chinese, Japanese, Thai) as their character bigrams (``scripts.comparable_words``).

    Most news copy is plain ASCII, and for it ``str.translate`` and ``str.split`` find the
    same words twice as fast as the regex.
    """
    if text.isascii():
        return text.translate(_ASCII_NON_WORD).split()
    if has_unspaced(text):
        return comparable_words(text)
    return _WORD.findall(text)


# Each ASCII character that a word cannot hold (white space, punctuation), as a space.
_ASCII_NON_WORD = str.maketrans({c: " " for c in map(chr, range(128)) if not _WORD.match(c)})


def _stems(words: list[str], language: str) -> list[str]:
    """The stem of each of ``words``, or "" for a word that carries no content."""
    lexicon = _lexicon(language)
    try:
        # Once the lexicon is warm, most texts hold only words met before: then this one
        # pass does, with no search of the stems for misses.
        return list(map(lexicon.__getitem__, words))
    except KeyError:
        pass
    # Each new word is stemmed once, however often the text repeats it: in a fresh process
    # (one ``nutgraf summarize`` run) most words of the first articles are new.
    stop, stem = stopwords(language), stemmer(language)
    found = {
        word: "" if word in stop or len(word) < 2 or word.isdigit() else stem(word)
        for word in set(words)
        if word not in lexicon
    }
    if len(lexicon) + len(found) <= _LEXICON_LIMIT:
        lexicon.update(found)
        return list(map(lexicon.__getitem__, words))
    return [found[word] if word in found else lexicon[word] for word in words]


_LEXICON_LIMIT = 500_000


@lru_cache(maxsize=16)
def _lexicon(language: str) -> dict[str, str]:
    """Per-language memo: word -> its stem, or "" for a word that carries no content.

    It starts with the marker ``content_stems_each`` puts between texts, its own stem.
    """
    return {_TEXT_END: _TEXT_END}


def sentence_features(
    sentences: list[SentenceText],
    language: str,
    bags: list[list[str]] | None = None,
) -> np.ndarray:
    """A matrix with one row per sentence and the columns of ``FEATURE_NAMES``.

    ``bags`` are the sentences' ``content_stems`` when the caller has them already. Columns
    that depend on position and length are built for all sentences at once; the rest need
    the words of each sentence.
    """
    count = len(sentences)
    matrix = np.zeros((count, len(FEATURE_NAMES)))
    if count == 0:
        return matrix
    if bags is None:
        bags = [content_stems(s.text, language) for s in sentences]
    index = np.arange(count)
    head = min(count, _POSITIONS)
    matrix[np.arange(head), np.arange(head)] = 1.0
    matrix[:, _COLUMN["position_later"]] = index >= _POSITIONS
    matrix[:, _COLUMN["relative_position"]] = index / count
    matrix[:, _COLUMN["log_position"]] = np.log1p(index)
    matrix[:, _COLUMN["first_in_paragraph"]] = [s.first_in_paragraph for s in sentences]
    n_words = np.array([len(s.words) for s in sentences])
    buckets = np.searchsorted(_LENGTH_BUCKETS, n_words, side="right")
    matrix[index, _COLUMN["length_under_6"] + buckets] = 1.0
    matrix[:, _COLUMN["log_words"]] = np.log1p(n_words)
    matrix[:, _COLUMN["content_ratio"]] = [len(b) for b in bags] / np.maximum(n_words, 1)
    matrix[:, _COLUMN["log_sentences"]] = math.log(count + 1)
    _add_content_columns(matrix, bags)
    _add_surface_columns(matrix, sentences, language)
    return matrix


def _add_content_columns(matrix: np.ndarray, bags: list[list[str]]) -> None:
    """Centrality: how much of what a sentence says the rest of the text says too."""
    uniques = [set(bag) for bag in bags]
    document = Counter(chain.from_iterable(uniques))
    top = max(document.values(), default=1)
    norm = math.sqrt(sum(v * v for v in document.values())) or 1.0
    leads = uniques[:_LEAD]
    lead_words = set().union(*leads)
    columns = []
    for i, unique in enumerate(uniques):
        if not unique:
            columns.append((0.0, 0.0, 0.0, 0.0))
            continue
        # A lead sentence is compared with the rest of the lead, not with itself: counting its
        # own words would only repeat what its position says.
        lead = lead_words if i >= _LEAD else set().union(*leads[:i], *leads[i + 1 :])
        counts = [document[s] for s in unique]
        size = len(unique)
        total = sum(counts)
        columns.append(
            (
                (total - size) / size / top,
                (max(counts) - 1) / top,
                total / (math.sqrt(size) * norm),
                len(unique & lead) / size,
            )
        )
    start = _COLUMN["tf_mean"]
    matrix[:, start : start + 4] = np.asarray(columns, dtype=np.float64)


def _add_surface_columns(matrix: np.ndarray, sentences: list[SentenceText], language: str) -> None:
    """What a reader sees at a glance: names, numbers, quotes, an opening pronoun."""
    anaphora = frozenset(ANAPHORA.get(language, ()))
    connectives = frozenset(_CONNECTIVES.get(language, ()))
    columns = []
    for sentence in sentences:
        text = sentence.text
        words = sentence.words
        quoted = _quoted_length(text)
        first = words[0].lower().strip(_OPENING_PUNCTUATION) if words else ""
        tail = text.rstrip(_CLOSING_PUNCTUATION)
        columns.append(
            (
                sum(map(str.isupper, map(_first_character, words[1:]))) / max(1, len(words) - 1),
                _DIGIT.search(text) is not None,
                text[:1] in _QUOTE_OPENERS,
                quoted / len(text),
                quoted > 0 and text.rstrip(".").endswith(_ATTRIBUTION),
                first in anaphora,
                first in connectives,
                tail.endswith(("?", "？", "؟", "\u037e")),
                tail[-1:] not in ".!?…。！？｡।॥؟۔\u037e",
                "(" in text,
            )
        )
    start = _COLUMN["proper_noun_ratio"]
    matrix[:, start : start + 10] = np.asarray(columns, dtype=np.float64)


_COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}
_QUOTE_OPENERS = "\"“«„'‘"
_OPENING_PUNCTUATION = "\"“«„'‘(,"
_CLOSING_PUNCTUATION = "\"”»’')] 」』）》"
_ATTRIBUTION = ("said", "says", "added", "told")
_first_character = itemgetter(0)
_QUOTED = re.compile(r"[\"“«„][^\"”»“]*[\"”»“]?")


def _quoted_length(text: str) -> int:
    if not ('"' in text or "“" in text or "«" in text or "„" in text):
        return 0
    return sum(map(len, _QUOTED.findall(text)))
