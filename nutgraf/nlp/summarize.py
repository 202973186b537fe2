"""The extractive summarizer: whole sentences from the text, each traceable to where it stands.

A small learned model (``model.json``, trained by ``scripts/train_model.py`` on CNN stories
and their highlights) scores every sentence from the features in ``features.py``; when the
summary is asked to keep a large share of the article, TextRank centrality
(``centrality.py``) takes over from it. A short summary leans to the opening sentence (more
when it is a paragraph of its own), and one of several sentences to sentences with few words
that carry no content. The summary takes the best sentences, skipping
chrome, near-repeats and sentences whose opening pronoun would point to nobody, and returns
them in document order with their offsets into ``Article.text``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain, repeat
from typing import Any, NamedTuple

import numpy as np

from nutgraf.extract.bounds import MAX_TEXT_CHARS
from nutgraf.ingest.text import parse_text
from nutgraf.nlp.centrality import textrank
from nutgraf.nlp.features import (
    FEATURE_NAMES,
    SentenceText,
    content_stems,
    content_stems_each,
    sentence_features,
)
from nutgraf.nlp.language import detect_language
from nutgraf.nlp.products import product
from nutgraf.nlp.scripts import SOUTHEAST_RUN, count_words, word_units
from nutgraf.nlp.sentences import split_sentences
from nutgraf.records import PARAGRAPH_SEPARATOR, Article, Summary, SummarySentence

WORDS_PER_MINUTE = 230
_MIN_WORDS = 4
_REDUNDANT_OVERLAP = 0.8
HIGHLIGHT_SHARE = 0.25
CONDENSED_SHARE = 0.4
ANAPHORA_LOOKAHEAD = 2  # how far down the ranking to look for a better opening sentence
# Weight of the headline's words in a sentence's score, in standard deviations of the scores.
# Measured on the 1,452 titled articles of stories/multidoc.jsonl against their stories'
# human summaries (3 sentences), ROUGE-1/2: 31.72/10.99 without; with every headline word
# weighing the same, 32.04/11.40 at 1.5; weighted by rarity among the article's sentences,
# 32.11/11.45 at 1.5, 32.16/11.59 at 2.5, 32.06/11.55 at 3, 31.85/11.47 at 5. The CNN data
# carries no headlines, so the model cannot learn it.
TITLE_WEIGHT = 2.5
# Each pick also weighs what the sentence adds to the summary's coverage of the article's key
# words (those in at least COVERAGE_MIN_DF of its sentences, each weighted by the log of how
# many), as a share of the most any one sentence covers, times COVERAGE_WEIGHT in standard
# deviations of the scores. ROUGE-1/2 without it: dev 30.78/11.73, dev2 82.23/76.26, multidoc
# (titled, 3 sentences) 32.21/11.55; at 0.75: 30.80/11.70, 82.25/76.28, 32.17/11.51; at 1:
# 30.82/11.74, 82.23/76.25, 32.09/11.47; at 1.25: 30.81/11.73, 82.18/76.19, 32.04/11.46.
# Counting every repeated word (2 sentences) costs dev2 0.1 at 0.75. So it is no gain in ROUGE;
# what it changes is which of two sentences of near-equal score gets in: the one that says
# what the rest of the article keeps saying. On the seed page, that is "The leaders signed the
# Declaration on Bilateral Relations..." (from 0.75 on) in place of "This renewed momentum...".
COVERAGE_WEIGHT = 1.0
COVERAGE_MIN_DF = 3
# The opening sentence of a news story is the one that most often says what happened: a summary
# of n sentences raises the article's first quotable sentence by LEAD_WEIGHT / n**2 standard
# deviations of the scores (1 at one sentence, a ninth at three). Chosen leave-one-family-out
# on three families whose reference is one sentence (benchmarks.summaries, 400 articles each:
# CNN's first highlight, BBC headlines, AllSides headlines), ROUGE-1 at one sentence without /
# at 0.75 / 1 / 1.25 / 1.5: 25.54 / 25.87 / 26.01 / 25.80 / 25.59 (CNN), 16.76 / 19.52 / 19.90 /
# 20.27 / 20.83 (BBC), 23.26 / 24.18 / 24.61 / 24.73 / 24.83 (AllSides). Each family left out,
# the other two choose 1.5, 1 and 1.5, and the one left out gains (+0.05, +3.14, +1.57); 1 is
# the weight whose smallest gain over the three is the largest. At three sentences and at the
# BBC reference length the scores move by 0.05 at most (full dev sets: 30.82 to 30.81, 82.23 to
# 82.18).
LEAD_WEIGHT = 1.0
# A lede set apart: when the first sentence a summary may quote is a paragraph of its own, the
# writer made it the one that stands alone, and it is raised by LEDE_WEIGHT over the number of
# sentences asked, on top of LEAD_WEIGHT. Chosen leave-one-family-out on rows 300-700 of each
# family of benchmarks.summaries (the report shows rows 0-300) and 400 paragraphed CNN stories
# of train.jsonl.gz (each 17th; their first highlight): ROUGE-1 at one sentence without / at
# 0.5 / 1 / 1.5 / 2: BBC headlines 19.69 / 20.60 / 20.89 / 21.17 / 21.24, AllSides headlines
# 26.85 / 27.18 / 27.32 / 27.34 / 27.34, CNN train first highlight 24.59 / 24.52 / 24.51 /
# 24.56 / 24.60 (dev.jsonl's CNN stories are one paragraph: never set apart, unchanged). Each
# family left out, the other two choose 2 and the one left out gains (+1.55, +0.49, +0.01).
# Times the model's share of the centrality blend, as LENGTH_WEIGHT: without it, BBC at
# reference length (8 sentences, mostly centrality) lost 0.11 ROUGE-1 on all of dev2.jsonl.
LEDE_WEIGHT = 2.0
# Summaries of several sentences prefer sentences that say much in few words: each sentence
# loses LENGTH_WEIGHT standard deviations of the scores per standard deviation, over the
# article, of the log of its count of words that carry no content (stopwords, numbers: the
# words ``content_stems`` drops), times (1 - 1/n) for n sentences asked (nothing at one
# sentence, where which sentence says what happened matters more than its length) and times
# the model's share of the centrality blend (nothing for a condensed article). ROUGE F1 against
# a short reference (a headline, CNN's highlights) pays for every word a sentence adds; counting
# only the empty words keeps a long sentence full of names and facts ("The leaders signed the
# Declaration on Bilateral Relations...", which counting every word loses on the seed page).
# Chosen as LEDE_WEIGHT, with it at 2, ROUGE-1 at three sentences without / at 0.5 / 0.75 / 1
# (Lead-3 in brackets): CNN highlights 30.73 / 31.16 / 31.40 / 31.18 (28.73), CNN train
# highlights 33.87 / 33.95 / 34.27 / 34.01 (31.89), CNN first highlight 18.64 / 19.29 / 19.52
# / 19.66 (17.97), CNN train first highlight 17.47 / 18.31 / 18.42 / 18.69 (16.92), BBC
# headlines 10.16 / 10.47 / 10.51 / 10.61 (10.38), AllSides headlines 16.98 / 17.37 / 17.78 /
# 18.20 (16.59), BBC at reference length 82.08 / 82.09 / 82.09 / 82.10. Each family left out
# (the mean gain of its tasks, the weight whose smallest family gain is the largest), the
# others choose 1, 0.75 and 1 (CNN, BBC, AllSides left out), and the one left out gains
# (+0.71, +0.18, +1.22); 0.75 is where the CNN highlights gain most.
LENGTH_WEIGHT = 0.75
# Sentences of an article the summarizer reads, from its start: one and a half times the most
# of any article in the data (1,890, a Wikipedia page of ../shared/data/extraction-readability;
# news at most 709), so that what it costs per article is bounded (TextRank's matrix is this
# squared: 72 MB at most) whatever the text. A summary quotes from these; the reading time
# counts the whole text.
MAX_SENTENCES = 3_000


def _summarizer_name() -> str:
    """ "nutgraf VERSION/CODE": the package version and the first 12 hex digits of a SHA-256
    of ``model.json`` and the source of every module of ``nutgraf.nlp``, so a retrained model
    or a change in how sentences are split, scored or picked is a new summarizer even at one
    version."""
    from importlib import metadata  # slow to import: only when the name is asked for

    try:
        version = metadata.version("nutgraf")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        version = "unknown"
    digest = hashlib.sha256()
    package = resources.files("nutgraf.nlp")
    for name in sorted(p.name for p in package.iterdir() if p.name.endswith((".py", ".json"))):
        digest.update(name.encode() + b"\0" + package.joinpath(name).read_bytes() + b"\0")
    return f"nutgraf {version}/{digest.hexdigest()[:12]}"


SUMMARIZER: str  # set by __getattr__ on first use


def __getattr__(name: str) -> Any:
    """``SUMMARIZER``, the summarizer this code is: stored with every summary it writes
    (``articles.summarizer``), so that ``nutgraf backfill`` rewrites only the summaries an
    older one wrote. Worked out when first asked for (the archive asks; summarizing a file
    does not), then kept."""
    if name == "SUMMARIZER":
        globals()["SUMMARIZER"] = value = _summarizer_name()
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Lines that belong to the page, not to the story: captions, credits, calls to action.
_CHROME = re.compile(
    r"""^\W*(?:
        (?:photo|image|picture|video|graphic|illustration|caption|credit|source|getty)s?\b\W
      | read\ (?:more|also)\b | see\ also\b | related\b | more\ from\b | click\ here\b
      | watch\b.{0,40}$ | follow\ (?:us|@|\w+\ on\ twitter) | sign\ up\b | subscribe\b
      | listen\ (?:to\ (?:the\ )?(?:full|whole)\b|again\b|live\b)
      | share\ this\b | advertisement\b | (?:updated|published|posted)\W
      | by\ [A-Z][\w.'-]+(?:\ [A-Z][\w.'-]+){0,3}\W*$ | ©|copyright\b
      | czytaj\ (?:też|także|również) | zobacz\ (?:też|także) | lesen\ sie\ auch
      | mehr\ zum\ thema | читайте\ также | смотрите\ также | фото\W | источник\W
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_CLOSERS = "\"'”’»)] 」』）》〉】〕〗〙〛＂＇"
# Marks that finish a sentence: Latin and Cyrillic's, the Devanagari danda, the Arabic question
# mark and full stop, the Greek question mark, the CJK full stop, exclamation and question
# marks. A Greek ";" finishes one after a Greek letter (``_GREEK_QUESTION``); a sentence in a
# script without sentence marks (Thai) is finished where the splitter cut it.
_FINAL = ".!?…।॥؟۔\u037e。！？｡"
_GREEK_QUESTION = re.compile("[\u0370-\u03ff\u1f00-\u1fff];$")
_PUNCTUATION = "\"'“”‘’«»„()[]{}<>.,:;!?…-–—*•|/\\"
# The first words _CHROME can match: a sentence opening otherwise is not tried against it.
_CHROME_OPENERS = frozenset(
    """photo photos image images picture pictures video videos graphic graphics illustration
    illustrations caption captions credit credits source sources getty read see related more
    click watch listen follow sign subscribe share advertisement updated published posted by
    copyright czytaj zobacz lesen mehr читайте смотрите фото источник""".split()
)
_CREDIT_MARKERS = ("contributed to this", "mail to a friend", "rights reserved")
_CONTRIBUTED = re.compile(
    r"contributed to this (?:report|story)|e-?mail to a friend|all rights reserved", re.I
)


@dataclass(frozen=True, slots=True)
class _Model:
    mean: np.ndarray
    scale: np.ndarray
    layers: tuple[tuple[np.ndarray, np.ndarray], ...]

    def score(self, rows: np.ndarray) -> np.ndarray:
        values = (rows - self.mean) / self.scale
        for i, (weights, bias) in enumerate(self.layers):
            values = product(values, weights) + bias
            if i < len(self.layers) - 1:
                np.maximum(values, 0.0, out=values)
        scores: np.ndarray = values.ravel()
        return scores


@lru_cache(maxsize=1)
def load_model() -> _Model:
    """The shipped model; it must have been trained on the features this code computes."""
    raw = json.loads(resources.files("nutgraf.nlp").joinpath("model.json").read_text("utf-8"))
    names = tuple(raw["features"])
    if names != FEATURE_NAMES:
        raise RuntimeError("nutgraf/nlp/model.json does not match the features: retrain it")
    layers = tuple(
        (np.asarray(layer["weights"], dtype=np.float64), np.asarray(layer["bias"]))
        for layer in raw["layers"]
    )
    return _Model(np.asarray(raw["mean"]), np.asarray(raw["scale"]), layers)


class _Candidate(NamedTuple):
    position: int
    sentence: SentenceText
    words: int
    stems: frozenset[str]
    score: float
    anaphoric: bool


def summarize(
    source: Article | str,
    *,
    sentences: int | None = 3,
    words: int | None = None,
    language: str | None = None,
) -> Summary:
    """Summarize an article (or a plain text) with whole sentences taken from it.

    At most ``sentences`` sentences and, when ``words`` is given, at most that many words
    (a sentence is never cut: when no sentence fits the word budget, the best one is given).
    """
    article, language, units, reading_minutes = _prepare(source, language)
    if not units:
        return Summary((), language, reading_minutes)
    bags = content_stems_each([unit.text for unit in units], language)
    rows = sentence_features(units, language, bags)
    share = _requested_share(len(units), sum(len(unit.words) for unit in units), sentences, words)
    scores = _with_title(_blend(load_model().score(rows), bags, share), bags, article, language)
    anaphoric = rows[:, FEATURE_NAMES.index("opens_with_anaphora")] > 0
    lowered = article.text.lower()
    credits = any(marker in lowered for marker in _CREDIT_MARKERS)
    scores = _with_length(_with_lead(scores, units, share, credits, lede=True), rows, share)
    # Best first, earlier first among equals.
    order = np.lexsort((np.arange(len(units)), -scores))
    eligible = [i for i in order.tolist() if _is_eligible(units[i], credits)]
    if not eligible:
        # No finished sentence anywhere (Chinese or Thai cut by length, a chat log, a list of
        # quotes): any long unit, so an article of 60+ words still gets a summary.
        eligible = [i for i in order.tolist() if len(units[i].words) >= _MIN_WORDS]
    stem_sets = [frozenset(bag) for bag in bags]
    candidates = [
        _Candidate(
            position=i,
            sentence=units[i],
            words=len(units[i].words),
            stems=stem_sets[i],
            score=float(scores[i]),
            anaphoric=bool(anaphoric[i]),
        )
        for i in eligible
    ]
    chosen = _select(candidates, stem_sets, sentences, words)
    chosen.sort(key=lambda c: c.position)
    return Summary(tuple(_record(c.sentence) for c in chosen), language, reading_minutes)


def lead(source: Article | str, *, sentences: int = 3) -> Summary:
    """The Lead-N baseline: the first ``sentences`` sentences, by the same splitter."""
    _, language, units, reading_minutes = _prepare(source, None)
    return Summary(tuple(_record(unit) for unit in units[:sentences]), language, reading_minutes)


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    """A sentence of an article and what ``summarize`` thinks of it.

    ``score`` is standardized within the article (mean 0, standard deviation 1), so scores of
    different articles can be compared; ``stems`` are its content stems; ``eligible`` says a
    summary may quote it (not page furniture, long enough, finished); ``anaphoric`` that it
    opens with a word pointing back to an earlier sentence.
    """

    sentence: SummarySentence
    score: float
    stems: frozenset[str]
    eligible: bool
    anaphoric: bool


@dataclass(frozen=True, slots=True)
class SentenceScores:
    """An article's language and every one of its sentences, scored, in document order."""

    language: str
    sentences: tuple[ScoredSentence, ...]


def score_sentences(
    source: Article | str, *, sentences: int | None = 3, language: str | None = None
) -> SentenceScores:
    """Every sentence of an article with the score ``summarize`` ranks it by.

    For callers that choose sentences themselves (a summary of many articles): the same
    sentences, model, centrality blend for a summary of ``sentences`` sentences, headline
    weight and lead weight as ``summarize``, before its selection; without its lede and
    length terms (``LEDE_WEIGHT``, ``LENGTH_WEIGHT``), which were chosen on single articles
    (story summaries are tuned on their own: ``nutgraf.stories.summary.SummaryOptions``).
    """
    article, language, units, _ = _prepare(source, language)
    if not units:
        return SentenceScores(language, ())
    bags = content_stems_each([unit.text for unit in units], language)
    rows = sentence_features(units, language, bags)
    share = _requested_share(len(units), sum(len(unit.words) for unit in units), sentences, None)
    scores = _with_title(_blend(load_model().score(rows), bags, share), bags, article, language)
    anaphoric = rows[:, FEATURE_NAMES.index("opens_with_anaphora")] > 0
    lowered = article.text.lower()
    credits = any(marker in lowered for marker in _CREDIT_MARKERS)
    scores = _standardize(_with_lead(scores, units, share, credits))
    return SentenceScores(
        language,
        tuple(
            ScoredSentence(
                _record(unit),
                float(scores[i]),
                frozenset(bags[i]),
                _is_eligible(unit, credits),
                bool(anaphoric[i]),
            )
            for i, unit in enumerate(units)
        ),
    )


def _prepare(
    source: Article | str, language: str | None
) -> tuple[Article, str, list[SentenceText], int]:
    """The article, its language, its sentences and its reading time in minutes."""
    article = source if isinstance(source, Article) else parse_text(source)
    language = language or article.language or detect_language(article.text)
    units = _sentences(article)
    if len(units) < MAX_SENTENCES and len(article.text) <= MAX_TEXT_CHARS:
        total_words = sum(len(unit.words) for unit in units)
    else:  # the sentences read are not all the article
        total_words = count_words(article.text)
    return article, language, units, max(1, math.ceil(total_words / WORDS_PER_MINUTE))


def _requested_share(
    count: int, total_words: int, sentences: int | None, words: int | None
) -> float:
    """How much of the article the summary may take, as a share of its sentences or words."""
    shares = []
    if sentences is not None:
        shares.append(sentences / count)
    if words is not None:
        shares.append(words / max(1, total_words))
    return min(shares, default=1.0)


def _blend(learned: np.ndarray, bags: list[list[str]], share: float) -> np.ndarray:
    """Mix the model's scores with TextRank centrality as the summary grows.

    The model learned to pick highlights: three or four sentences, a tenth of a story. A
    summary that keeps a third of the article is a condensed article instead, and what it
    needs is coverage of the whole, which centrality measures. Below ``HIGHLIGHT_SHARE`` the
    model decides alone; from ``CONDENSED_SHARE`` on, centrality does; in between, a mix.
    """
    weight = _centrality_share(share)
    if weight == 0.0 or len(bags) < 2:
        return learned
    central = textrank(bags)
    blended: np.ndarray = (1 - weight) * _standardize(learned) + weight * _standardize(central)
    return blended


def _with_title(
    scores: np.ndarray, bags: list[list[str]], article: Article, language: str
) -> np.ndarray:
    """Raise sentences by the headline words they repeat (Edmundson's title method), each
    word weighted by how few of the article's sentences hold it: a headline word every
    sentence repeats ("Poland" in a story about Poland) tells little about which sentence says
    what the headline says. Scores are unchanged for an article without a headline."""
    title = frozenset(content_stems(article.title, language)) if article.title else frozenset()
    if not title:
        return scores
    held = [title.intersection(bag) for bag in bags]
    counts: dict[str, int] = dict.fromkeys(title, 0)
    for words in held:
        for word in words:
            counts[word] += 1
    weight = {w: math.log((len(bags) + 1) / (n + 0.5)) for w, n in counts.items()}
    total = sum(weight.values()) or 1.0
    echoes = np.fromiter((sum(weight[w] for w in words) for words in held), float, len(bags))
    raised: np.ndarray = _standardize(scores) + TITLE_WEIGHT * echoes / total
    return raised


def _with_lead(
    scores: np.ndarray,
    units: list[SentenceText],
    share: float,
    credits: bool,
    *,
    lede: bool = False,
) -> np.ndarray:
    """Raise the first sentence a summary may quote by ``LEAD_WEIGHT`` over the square of the
    number of sentences asked (``share`` of the article's sentences): a one-sentence summary
    should say what happened, and news says that first. With ``lede``, a first sentence that
    is a paragraph of its own gains ``LEDE_WEIGHT`` over the number asked too, times the
    model's share of the centrality blend (``_blend``: a condensed article wants coverage)."""
    first = next((i for i, unit in enumerate(units) if _is_eligible(unit, credits)), None)
    if first is None:
        return scores
    asked = max(1.0, share * len(units))
    raised: np.ndarray = _standardize(scores)
    raised[first] += LEAD_WEIGHT / asked**2
    if lede and _stands_alone(units, first):
        raised[first] += LEDE_WEIGHT / asked * (1.0 - _centrality_share(share))
    return raised


def _stands_alone(units: list[SentenceText], i: int) -> bool:
    """Whether sentence ``i`` is the whole of its paragraph."""
    paragraph = units[i].paragraph
    before = i > 0 and units[i - 1].paragraph == paragraph
    after = i + 1 < len(units) and units[i + 1].paragraph == paragraph
    return not (before or after)


def _with_length(scores: np.ndarray, rows: np.ndarray, share: float) -> np.ndarray:
    """Lower sentences wordy for what they say in a summary of several (``LENGTH_WEIGHT``): by
    the standardized log of their count of words without content (from their ``rows`` of
    features: words, and the share of them that are content words), times (1 - 1/n) for n
    sentences asked and times the model's share of the centrality blend (``_blend``)."""
    asked = max(1.0, share * len(rows))
    weight = LENGTH_WEIGHT * (1.0 - 1.0 / asked) * (1.0 - _centrality_share(share))
    if weight <= 0.0 or len(rows) < 2:
        return scores
    words = np.expm1(rows[:, _LOG_WORDS])
    empty = words - rows[:, _CONTENT_RATIO] * np.maximum(words, 1.0)
    lowered: np.ndarray = scores - weight * _standardize(np.log1p(np.maximum(empty, 0.0)))
    return lowered


_LOG_WORDS = FEATURE_NAMES.index("log_words")
_CONTENT_RATIO = FEATURE_NAMES.index("content_ratio")  # content words / max(1, words)


def _centrality_share(share: float) -> float:
    """How much of a sentence's score is TextRank's for a summary of ``share`` of the article
    (``_blend``): 0 up to ``HIGHLIGHT_SHARE``, 1 from ``CONDENSED_SHARE`` on."""
    return min(1.0, max(0.0, (share - HIGHLIGHT_SHARE) / (CONDENSED_SHARE - HIGHLIGHT_SHARE)))


def _standardize(values: np.ndarray) -> np.ndarray:
    centred: np.ndarray = values - values.mean()
    # The standard deviation by a dot product: numpy's std() of an article's few dozen
    # scores costs three times as much (called two or three times an article).
    spread = math.sqrt(float(centred.dot(centred)) / len(centred)) if len(centred) else 0.0
    return centred / spread if spread > 0 else centred


def _sentences(article: Article) -> list[SentenceText]:
    """The sentences of the body, with offsets into ``article.text``: the first
    ``MAX_SENTENCES``, in its first ``MAX_TEXT_CHARS`` characters (all of an extracted
    article's; an ``Article`` made otherwise may hold more)."""
    units: list[SentenceText] = []
    offset = 0
    for p, paragraph in enumerate(article.paragraphs):
        if len(units) == MAX_SENTENCES or offset >= MAX_TEXT_CHARS:
            break
        spans = split_sentences(
            paragraph[: MAX_TEXT_CHARS - offset], limit=MAX_SENTENCES - len(units)
        )
        for k, (start, end) in enumerate(spans):
            text = paragraph[start:end]
            units.append(
                SentenceText(text, p, k == 0, word_units(text), offset + start, offset + end)
            )
        offset += len(paragraph) + len(PARAGRAPH_SEPARATOR)
    return units


def _record(unit: SentenceText) -> SummarySentence:
    return SummarySentence(unit.text, unit.paragraph, unit.start, unit.end)


def _is_eligible(unit: SentenceText, credits: bool = True) -> bool:
    """A sentence a summary may quote: long enough, finished, and not page furniture.

    A line without a full stop at its end is a heading, a caption or a byline, not prose.
    ``credits`` says whether the article holds a "contributed to this report" line at all.
    """
    text = unit.text
    if len(unit.words) < _MIN_WORDS:
        return False
    if not _is_finished(text.rstrip(_CLOSERS)):
        return False
    opener = unit.words[0].strip(_PUNCTUATION).lower()
    if (opener in _CHROME_OPENERS or not opener) and _CHROME.match(text):
        return False
    return not (credits and _CONTRIBUTED.search(text))


def _is_finished(text: str) -> bool:
    """Whether ``text`` (its closing quotes stripped) ends as a sentence does."""
    last = text[-1:]
    if last in _FINAL:
        return bool(last)
    if last == ";":
        return _GREEK_QUESTION.search(text) is not None
    return SOUTHEAST_RUN.match(last) is not None


def _select(
    ranked: list[_Candidate],
    stem_sets: list[frozenset[str]],
    max_sentences: int | None,
    max_words: int | None,
) -> list[_Candidate]:
    """Greedy, one sentence at a time: the best score plus coverage gain (``COVERAGE_WEIGHT``),
    skipping repeats and what overflows the word budget. ``ranked`` come best first."""
    if not ranked:
        return []
    weights = _key_words(stem_sets)
    base = _standardize(np.array([c.score for c in ranked])).tolist()
    top = max(_weight(c.stems, weights) for c in ranked) or 1.0
    bonus = COVERAGE_WEIGHT / top
    covered: set[str] = set()
    chosen: list[_Candidate] = []
    used_words = 0
    left = list(range(len(ranked)))
    # How many of ``chosen`` each candidate is known not to repeat: each pair is compared
    # once, not once a pick (a summary of a thousand sentences compared 32 M pairs).
    checked = [0] * len(ranked)
    while left and (max_sentences is None or len(chosen) < max_sentences):
        best, best_value = -1, -math.inf
        out: set[int] = set()  # candidates that can never be picked: over budget, or repeats
        for i in left:
            # A gain is at most the top one, and ``left`` runs best score first: no candidate
            # from here on can beat the best so far.
            if base[i] + COVERAGE_WEIGHT <= best_value:
                break
            candidate = ranked[i]
            if max_words is not None and used_words + candidate.words > max_words:
                out.add(i)
                continue
            if any(_redundant(candidate, c) for c in chosen[checked[i] :]):
                out.add(i)
                continue
            checked[i] = len(chosen)
            value = base[i] + bonus * _weight(candidate.stems - covered, weights)
            if value > best_value:
                best, best_value = i, value
        if best >= 0:
            chosen.append(ranked[best])
            covered.update(ranked[best].stems)
            used_words += ranked[best].words
            out.add(best)
        if out:
            left = [i for i in left if i not in out]
        if best < 0:
            break
    if not chosen:
        chosen.append(ranked[0])
    return _fix_opening(chosen, ranked, max_words)


def _key_words(stem_sets: list[frozenset[str]]) -> dict[str, float]:
    """The words at least ``COVERAGE_MIN_DF`` sentences hold, weighted by the log of how many
    (``stem_sets``: each sentence's content stems, once each)."""
    counts = Counter(chain.from_iterable(stem_sets))  # one count, not an update a sentence
    return {w: math.log(n) for w, n in counts.items() if n >= COVERAGE_MIN_DF}


def _weight(words: frozenset[str] | set[str], weights: dict[str, float]) -> float:
    # A word without a weight adds 0.0, which leaves the sum as it was, in one C loop.
    return sum(map(weights.get, words, _ZEROS))


_ZEROS = repeat(0.0)


def _redundant(a: _Candidate, b: _Candidate) -> bool:
    if not a.stems or not b.stems:
        return a.sentence.text == b.sentence.text
    if a.stems.isdisjoint(b.stems):  # most pairs, and no set is built for them
        return False
    return len(a.stems & b.stems) / min(len(a.stems), len(b.stems)) > _REDUNDANT_OVERLAP


def _fix_opening(
    chosen: list[_Candidate], ranked: list[_Candidate], max_words: int | None
) -> list[_Candidate]:
    """Do not open with "He said..." when one of the next best sentences could open instead."""
    if not chosen:
        return chosen
    opening = min(chosen, key=lambda c: c.position)
    if not opening.anaphoric or opening.position == 0:
        return chosen
    rest = [c for c in chosen if c is not opening]
    budget = None if max_words is None else max_words - sum(c.words for c in rest)
    alternatives = [c for c in ranked if c not in chosen][:ANAPHORA_LOOKAHEAD]
    for candidate in alternatives:
        if budget is not None and candidate.words > budget:
            continue
        if any(_redundant(candidate, c) for c in rest):
            continue
        replaced = [*rest, candidate]
        if not min(replaced, key=lambda c: c.position).anaphoric:
            return replaced
    return chosen
