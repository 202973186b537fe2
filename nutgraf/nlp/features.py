"""What the summarizer knows about each sentence: a fixed-length vector of numbers.

Features are language-agnostic (position, length, centrality in the document, overlap with
the title and the lead, proper nouns, quotes, numbers) plus a few per-language word lists
(pronouns that point back, attribution verbs). ``FEATURE_NAMES`` documents every column;
the trained model in ``model.json`` records the names it was trained with, so the two cannot
drift apart silently.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from nutgraf.nlp.language import stemmer, stopwords

_WORD = re.compile(r"\w+", re.UNICODE)
_POSITIONS = 8
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
    "title_overlap",
    "has_title",
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


@dataclass(frozen=True, slots=True)
class SentenceText:
    """A sentence of the body, with where it stands."""

    text: str
    paragraph: int
    first_in_paragraph: bool


def content_stems(text: str, language: str) -> list[str]:
    """The stemmed, lower-cased content words of ``text`` (stopwords and numbers dropped)."""
    stop = stopwords(language)
    stem = stemmer(language)
    return [
        stem(word)
        for word in _WORD.findall(text.lower())
        if word not in stop and len(word) > 1 and not word.isdigit()
    ]


def sentence_features(
    sentences: list[SentenceText], language: str, title: str | None = None
) -> list[list[float]]:
    """One feature row per sentence, columns as in ``FEATURE_NAMES``."""
    count = len(sentences)
    if count == 0:
        return []
    bags = [content_stems(s.text, language) for s in sentences]
    document = Counter(stem for bag in bags for stem in set(bag))
    top = max(document.values(), default=1)
    norm = math.sqrt(sum(v * v for v in document.values())) or 1.0
    lead = set().union(*bags[:3])
    title_stems = set(content_stems(title, language)) if title else set()
    anaphora = frozenset(ANAPHORA.get(language, ()))
    connectives = frozenset(_CONNECTIVES.get(language, ()))
    log_sentences = math.log(count + 1)
    rows = []
    for index, (sentence, bag) in enumerate(zip(sentences, bags, strict=True)):
        rows.append(
            _row(
                index, count, sentence, bag, document, top, norm, lead, title_stems,
                anaphora, connectives, log_sentences,
            )
        )
    return rows


def _row(
    index: int,
    count: int,
    sentence: SentenceText,
    bag: list[str],
    document: Counter[str],
    top: int,
    norm: float,
    lead: set[str],
    title_stems: set[str],
    anaphora: frozenset[str],
    connectives: frozenset[str],
    log_sentences: float,
) -> list[float]:
    text = sentence.text
    words = text.split()
    n_words = len(words)
    unique = set(bag)
    row = [0.0] * _POSITIONS
    if index < _POSITIONS:
        row[index] = 1.0
    row.append(float(index >= _POSITIONS))
    row.append(index / count)
    row.append(math.log(index + 1))
    row.append(float(sentence.first_in_paragraph))
    buckets = [0.0] * (len(_LENGTH_BUCKETS) + 1)
    buckets[_bucket(n_words)] = 1.0
    row.extend(buckets)
    row.append(math.log(n_words + 1))
    row.append(len(bag) / n_words if n_words else 0.0)
    if unique:
        weights = [document[s] - 1 for s in unique]  # how often the rest of the text says it
        row.append(sum(weights) / len(unique) / top)
        row.append(max(weights) / top)
        dot = sum(document[s] for s in unique)
        row.append(dot / (math.sqrt(len(unique)) * norm))
        row.append(len(unique & lead) / len(unique))
        row.append(len(unique & title_stems) / len(unique) if title_stems else 0.0)
    else:
        row.extend((0.0, 0.0, 0.0, 0.0, 0.0))
    row.append(float(bool(title_stems)))
    capitals = sum(1 for w in words[1:] if w[:1].isupper())
    row.append(capitals / max(1, n_words - 1))
    row.append(float(any(c.isdigit() for c in text)))
    row.append(float(text[:1] in "\"“«„'‘"))
    quoted = _quoted_length(text)
    row.append(quoted / len(text))
    row.append(float(quoted > 0 and text.rstrip(".").endswith(("said", "says", "added", "told"))))
    first = words[0].lower().strip("\"“«„'‘(,") if words else ""
    row.append(float(first in anaphora))
    row.append(float(first.rstrip(",") in connectives))
    row.append(float(text.rstrip("\"”»’' ").endswith("?")))
    row.append(float(text.rstrip("\"”»’')] ")[-1:] not in ".!?…"))
    row.append(float("(" in text))
    row.append(log_sentences)
    return row


def _bucket(n_words: int) -> int:
    for i, bound in enumerate(_LENGTH_BUCKETS):
        if n_words < bound:
            return i
    return len(_LENGTH_BUCKETS)


_QUOTED = re.compile(r"[\"“«„][^\"”»“]*[\"”»“]?")


def _quoted_length(text: str) -> int:
    return sum(len(m.group()) for m in _QUOTED.finditer(text))
