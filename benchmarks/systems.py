"""The summarizers under test: nutgraf, its peers, and the random floor and oracle ceiling.

Every system is a function `(text, title, n) -> sentences`: up to n sentences taken from the
text. `SYSTEMS` maps a short name to a loader that imports the system's package and returns a
`System`, or raises `Unavailable` saying why it cannot run. Adding a system is one line there.

The oracle alone also sees the reference (`System.summarize_with_reference`).
"""

from __future__ import annotations

import random
import warnings
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from typing import Any, Literal

from benchmarks.nltk_offline import check_sent_tokenize, install_punkt_tab
from nutgraf.evaluate import ngram_f1

SentenceFn = Callable[[str, str | None, int], list[str]]
OracleFn = Callable[[str, str, int], list[str]]
Splitter = Callable[[str], list[str]]
SplitterName = Literal["nutgraf", "punkt"]

SUMY_LANGUAGE = "english"
RANDOM_SEED = 20240521


class Unavailable(Exception):
    """A system cannot run in this environment; the message says why."""


@dataclass(frozen=True, slots=True)
class System:
    """One summarizer. Exactly one of the two functions is set."""

    label: str
    summarize: SentenceFn | None = None
    summarize_with_reference: OracleFn | None = None  # (text, reference, n): the oracle only

    def run(self, text: str, title: str | None, n: int, reference: str) -> list[str]:
        """Summarize one article; only a reference-based system is shown the reference."""
        if self.summarize_with_reference is not None:
            return self.summarize_with_reference(text, reference, n)
        if self.summarize is None:
            raise TypeError(f"system {self.label!r} has no summarize function")
        return self.summarize(text, title, n)


# --- sentence splitting shared by lead, random and oracle -------------------------------------


@cache
def load_splitter(prefer: SplitterName = "nutgraf") -> tuple[Splitter, str]:
    """A sentence splitter and its label suffix ("" for nutgraf's, " (punkt)" for NLTK punkt).

    nutgraf's `split_sentences` unless `prefer` is "punkt" or it is not importable yet.
    """
    if prefer == "punkt":
        return _punkt_split, " (punkt)"
    try:
        from nutgraf.nlp.sentences import split_sentences
    except Exception:  # any failure while the module is being written means "not yet"
        return _punkt_split, " (punkt)"

    def split(text: str) -> list[str]:
        return [text[start:end].strip() for start, end in split_sentences(text)]

    return split, ""


def _punkt_split(text: str) -> list[str]:
    """NLTK punkt sentences, never across a blank line (paragraph break)."""
    tokenizer = _punkt_tokenizer()
    return [
        sentence.strip()
        for paragraph in text.split("\n\n")
        for sentence in tokenizer.tokenize(paragraph)
        if sentence.strip()
    ]


@cache
def _punkt_tokenizer() -> Any:
    install_punkt_tab()
    check_sent_tokenize()
    from nltk.tokenize.punkt import PunktTokenizer

    return PunktTokenizer(SUMY_LANGUAGE)


# --- nutgraf ----------------------------------------------------------------------------------


def load_nutgraf() -> System:
    """`nutgraf.summarize(text, sentences=n)`; it does not use a separate headline."""
    try:
        import nutgraf

        summarize: Callable[..., Any] = nutgraf.summarize
    except Exception as error:  # a broken install: report and skip
        raise Unavailable(f"nutgraf summarizer not available: {error!r}") from error

    def run(text: str, title: str | None, n: int) -> list[str]:
        return [sentence.text for sentence in summarize(text, sentences=n).sentences]

    return System("nutgraf", run)


# --- lead, random, oracle ---------------------------------------------------------------------


def load_lead(splitter: SplitterName = "nutgraf") -> System:
    split, suffix = load_splitter(splitter)

    def lead(text: str, title: str | None, n: int) -> list[str]:
        return split(text)[:n]

    return System(f"lead{suffix}", lead)


def load_random(splitter: SplitterName = "nutgraf") -> System:
    split, suffix = load_splitter(splitter)

    def pick_random(text: str, title: str | None, n: int) -> list[str]:
        sentences = split(text)
        # Seeded by the text, so a row's pick does not depend on --limit or on the other rows.
        rng = random.Random(RANDOM_SEED ^ zlib.crc32(text.encode("utf-8")))
        chosen = sorted(rng.sample(range(len(sentences)), min(n, len(sentences))))
        return [sentences[i] for i in chosen]

    return System(f"random{suffix}", pick_random)


def load_oracle(splitter: SplitterName = "nutgraf") -> System:
    split, suffix = load_splitter(splitter)
    from rouge_score.tokenizers import DefaultTokenizer

    tokenize = DefaultTokenizer(use_stemmer=True).tokenize

    def oracle(text: str, reference: str, n: int) -> list[str]:
        sentences = split(text)
        chosen = greedy_oracle([tokenize(s) for s in sentences], tokenize(reference), n)
        return [sentences[i] for i in chosen]

    return System(f"oracle{suffix}", summarize_with_reference=oracle)


def greedy_oracle(sentences: Sequence[list[str]], reference: list[str], n: int) -> list[int]:
    """Indices (in document order) of up to n sentences chosen greedily for ROUGE-1 + ROUGE-2 F1.

    The standard greedy oracle (SummaRuNNer; `greedy_selection` in BertSum's `data_builder.py`):
    add the sentence that raises ROUGE-1 F1 + ROUGE-2 F1 the most, stop when none raises it.
    The score is rouge-score's own (clipped n-gram counts over the selected sentences joined in
    document order, stemmed tokens), not BertSum's n-gram sets, which score ~0.4 R-1 lower here.
    """
    ref1, ref2 = Counter(_ngrams(reference, 1)), Counter(_ngrams(reference, 2))
    selected: list[int] = []
    best = 0.0
    for _ in range(n):
        best_index = -1
        for i in range(len(sentences)):
            if i in selected:
                continue
            tokens = [token for j in sorted([*selected, i]) for token in sentences[j]]
            score = ngram_f1(Counter(_ngrams(tokens, 1)), ref1) + ngram_f1(
                Counter(_ngrams(tokens, 2)), ref2
            )
            if score > best:
                best, best_index = score, i
        if best_index < 0:
            break
        selected.append(best_index)
    return sorted(selected)


def _ngrams(tokens: Sequence[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


# --- sumy -------------------------------------------------------------------------------------


def load_sumy(label: str, module: str, class_name: str) -> System:
    """A sumy summarizer set up as sumy's README does: tokenizer, stemmer and stop words."""
    try:
        import importlib

        install_punkt_tab()
        check_sent_tokenize()
        from sumy.nlp.stemmers import Stemmer
        from sumy.nlp.tokenizers import Tokenizer
        from sumy.parsers.plaintext import PlaintextParser
        from sumy.utils import get_stop_words

        summarizer_class = getattr(
            importlib.import_module(f"sumy.summarizers.{module}"), class_name
        )
    except (ImportError, RuntimeError) as error:
        raise Unavailable(f"sumy cannot run: {error}") from error

    tokenizer = Tokenizer(SUMY_LANGUAGE)
    summarizer = summarizer_class(Stemmer(SUMY_LANGUAGE))
    summarizer.stop_words = get_stop_words(SUMY_LANGUAGE)

    def summarize(text: str, title: str | None, n: int) -> list[str]:
        document = PlaintextParser.from_string(text, tokenizer).document
        return [str(sentence) for sentence in summarizer(document, n)]

    return System(f"sumy {label}", summarize)


# --- summa ------------------------------------------------------------------------------------


def load_summa() -> System:
    try:
        from summa import summarizer
    except ImportError as error:
        raise Unavailable(f"summa is not installed: {error}") from error

    def summarize(text: str, title: str | None, n: int) -> list[str]:
        # summa has no sentence count: score every sentence (ratio=1), keep the n best in
        # document order. Python's sort is stable, so ties go to the earlier sentence.
        scored: list[tuple[str, float]] = summarizer.summarize(
            text, ratio=1.0, split=True, scores=True
        )
        best = sorted(range(len(scored)), key=lambda i: -scored[i][1])[:n]
        return [scored[i][0] for i in sorted(best)]

    return System("summa TextRank", summarize)


# --- newspaper4k ------------------------------------------------------------------------------


def load_newspaper() -> System:
    try:
        install_punkt_tab()
        check_sent_tokenize()
        from newspaper import Article
        from newspaper.configuration import Configuration
    except (ImportError, RuntimeError) as error:
        raise Unavailable(f"newspaper4k cannot run: {error}") from error

    config = Configuration()

    def summarize(text: str, title: str | None, n: int) -> list[str]:
        article = Article("https://example.org/article", config=config)
        article.html = "<html></html>"  # marks it downloaded; nlp() reads only text and title
        article.is_parsed = True
        # A single space turns the title feature off: nlp() returns nothing without a title.
        article.title = title or " "
        article.text = text
        article.config.max_summary_sent = n
        article.nlp()
        return [line for line in article.summary.split("\n") if line]

    return System("newspaper4k nlp()", summarize)


# --- the registry -----------------------------------------------------------------------------

SYSTEMS: dict[str, Callable[[], System]] = {
    "nutgraf": load_nutgraf,
    "lead": load_lead,
    "lead-punkt": partial(load_lead, "punkt"),
    "lexrank": partial(load_sumy, "LexRank", "lex_rank", "LexRankSummarizer"),
    "textrank": partial(load_sumy, "TextRank", "text_rank", "TextRankSummarizer"),
    "lsa": partial(load_sumy, "LSA", "lsa", "LsaSummarizer"),
    "luhn": partial(load_sumy, "Luhn", "luhn", "LuhnSummarizer"),
    "kl": partial(load_sumy, "KL-Sum", "kl", "KLSummarizer"),
    "sumbasic": partial(load_sumy, "SumBasic", "sum_basic", "SumBasicSummarizer"),
    "summa": load_summa,
    "newspaper4k": load_newspaper,
    "random": load_random,
    "random-punkt": partial(load_random, "punkt"),
    "oracle": load_oracle,
    "oracle-punkt": partial(load_oracle, "punkt"),
}


WARM_UP_TEXT = "This is a warm-up text for the tokenizers. It has two sentences, both long enough."


def load_system(name: str) -> System:
    """Load a system by its registry name and run it once, so one-off setup is not timed.

    newspaper4k, for one, attempts an `nltk.download` on its first call.
    """
    system = SYSTEMS[name]()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # sumy LexRank: 0/0 on tiny texts
            system.run(WARM_UP_TEXT, None, 1, WARM_UP_TEXT)
    except Exception as error:
        raise Unavailable(f"{system.label} failed on a warm-up text: {error!r}") from error
    return system
