"""What an article says, as weighted terms for story clustering: a pure function of its text.

Three kinds of term, weighted so that what names an event counts more than what names a
topic:

- headline words (content stems, ``TITLE_WEIGHT`` each);
- names and numbers of the body: capitalised words that are not stopwords (and not only
  where a sentence begins), and numbers of two digits or more (``NAME_WEIGHT`` each, tf
  dampened with a logarithm). A name is keyed by its
  first ``NAME_PREFIX`` letters, lower-cased and without accents ("@trump" for Trump, Trumpa,
  Trumps), so that the same person or place matches across inflections and across languages
  written in the same script: that, and shared numbers, is all that links a Polish and an
  English article about one event (their stems come from different stemmers and rarely meet;
  ``StoryIndex`` compares only these between languages). German capitalises every noun,
  so its "names" hold nouns too: they dilute its articles' names without matching anything;
- body words (content stems, weight 1, tf dampened), the words of the lead
  (``LEAD_WORDS``) counted ``LEAD_WEIGHT`` times: what a story is about is said first.

The weights are raw; ``StoryIndex`` multiplies them by inverse document frequencies that it
learns as articles arrive.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from nutgraf.nlp.features import content_stems
from nutgraf.nlp.language import stopwords

# Weights, checked on the training stream of clusters.jsonl (articles of the NeuS "train"
# roundups): see StoryOptions in cluster.py for the numbers.
TITLE_WEIGHT = 3.0
NAME_WEIGHT = 1.5
LEAD_WEIGHT = 2.0
LEAD_WORDS = 80
NAME_PREFIX = 5
NAME_MARK = "@"
NUMBER_MARK = "#"

_TOKEN = re.compile(r"\w+", re.UNICODE)
_OPENING = frozenset(" \t\"'“”„«»‘’([–—-")
_SENTENCE_END = frozenset(".!?:\n")


@dataclass(frozen=True, slots=True)
class DocumentTerms:
    """An article's terms and their raw weights (before inverse document frequency)."""

    weights: tuple[tuple[str, float], ...]


def extract_terms(title: str, text: str, language: str) -> DocumentTerms:
    """The weighted terms of an article: headline stems, names and numbers, body stems.

    Args:
        title: the headline ("" when there is none).
        text: the body.
        language: ISO 639-1 code; chooses the stemmer and the stopwords.

    Returns:
        The terms, heaviest first (ties in alphabetical order), so equal input gives equal
        output.
    """
    weights: dict[str, float] = {}
    for stem in set(content_stems(title, language)):
        weights[stem] = TITLE_WEIGHT
    body = Counter(content_stems(text, language))
    lead_words = " ".join(text.split()[:LEAD_WORDS])
    lead = Counter(content_stems(lead_words, language))
    for stem, count in body.items():
        weights[stem] = (
            weights.get(stem, 0.0) + 1.0 + math.log(count + (LEAD_WEIGHT - 1.0) * lead.get(stem, 0))
        )
    for name, count in _names(text, language).items():
        weights[name] = weights.get(name, 0.0) + NAME_WEIGHT * (1.0 + math.log(count))
    ordered = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
    return DocumentTerms(tuple(ordered))


def _names(text: str, language: str) -> Counter[str]:
    """Names (capitalised non-stopwords, by prefix) and numbers of two digits or more.

    A word capitalised only where a sentence begins is not taken for a name: "Crews",
    "Selon", "Dopiero" say nothing about the event, and in another language they match
    nothing. A name is capitalised inside a sentence too, somewhere in the text.
    """
    stop = stopwords(language)
    found: Counter[str] = Counter()
    named: set[str] = set()
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.isdigit():
            if len(token) >= 2:
                found[NUMBER_MARK + token] += 1
        elif token[0].isupper() and len(token) >= 3 and token.lower() not in stop:
            name = NAME_MARK + _fold(token)[:NAME_PREFIX]
            found[name] += 1
            if not _starts_sentence(text, match.start()):
                named.add(name)
    return Counter({t: n for t, n in found.items() if t[0] == NUMBER_MARK or t in named})


def _starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens the text, a paragraph or a sentence (quotes,
    brackets and dashes before it aside)."""
    i = start - 1
    while i >= 0 and text[i] in _OPENING:
        i -= 1
    return i < 0 or text[i] == "\n" or (text[i] in _SENTENCE_END and i < start - 1)


def _fold(word: str) -> str:
    """Lower case without accents: "Nausėda" -> "nauseda"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
