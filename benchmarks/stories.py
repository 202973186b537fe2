"""Stories benchmark: clustering quality and speed, and multi-source summaries, on shared data.

    .venv/bin/python -m benchmarks.stories [--data DIR] [--archive N] [--output BENCHMARKS.md]
                                           [--tune]

- Clustering: B-cubed precision, recall and F1 of ``StoryIndex`` and the two baselines of
  ``nutgraf/stories/baselines.py`` on each stream of ``stories/``: ``clusters.jsonl`` whole,
  its "train" roundups (where the settings were chosen) and the rest (val + test, held out),
  ``clusters_leads_2021.jsonl`` and ``clusters_basil.jsonl``, and the two invented samples
  of ``tests/data/stories`` (one of them in eight languages). Articles arrive in file order.
  nutgraf runs with its defaults and with ``day_penalty`` 0.05 (a story is the whole event).
- Across languages, on real articles: the train and held-out streams again, each article
  labelled with one of three languages (by a hash of its id), so that two comparisons in
  three see names and numbers alone, as between two languages.
- Summaries: ROUGE-1/2/Lsum F1 x 100 (rouge-score, Porter stemmer on, Lsum one sentence per
  line; the reference split with nutgraf's splitter) of 3-sentence summaries of the 484
  ``multidoc.jsonl`` stories, against the human neutral summary: nutgraf's multi-source
  summary, the first sentence of each article, nutgraf's single-article summary of the three
  articles joined, and sumy LexRank and summa TextRank on the joined articles (run as
  ``benchmarks/systems.py`` runs them). All stories, and the val + test stories apart.
- Speed: one ``StoryIndex`` fed ``--archive`` articles (default 100,000): every distinct text
  of the shared data (summaries and stories, about 15,000) reused in a shuffled cycle, 150
  articles a day, so copies of a text are months apart. Terms are extracted beforehand (timed
  on their own, then frozen out of the garbage collector); each ``add`` is timed (wall clock)
  and reported as median and p99 over the 1,000 adds before 10k, 50k and 100k articles.
- ``--tune`` prints the grids the defaults were chosen from, on the training data only.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import functools
import gc
import gzip
import hashlib
import json
import random
import resource
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import command, machine, versions, write_section
from benchmarks.systems import Unavailable, load_system
from nutgraf.nlp.sentences import split_sentences
from nutgraf.nlp.summarize import summarize
from nutgraf.records import Article, Block
from nutgraf.stories import cluster as cluster_module
from nutgraf.stories.baselines import (
    TFIDF_THRESHOLD,
    TITLE_MIN_SHARED,
    cluster_by_tfidf,
    cluster_by_title_words,
)
from nutgraf.stories.bcubed import BCubed, score_bcubed
from nutgraf.stories.cluster import (
    ENTITY_TERMS,
    ArticleKey,
    StoryDocument,
    StoryIndex,
    StoryOptions,
)
from nutgraf.stories.summary import SummaryOptions, summarize_story
from nutgraf.stories.terms import extract_terms

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "data" / "stories"
LANGUAGE_LABELS = 3
WHOLE_EVENT = StoryOptions(day_penalty=0.05)
DATA_DIR = REPO.parent / "shared" / "data"
ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")
SENTENCES = 3
PER_DAY = 150
CHECKPOINTS = (10_000, 50_000, 100_000)
SAMPLE = 1_000
SEED = 20240607
PEER_PACKAGES = ("rouge-score", "sumy", "summa")

Gold = dict[ArticleKey, str]
Clusterer = Callable[[list[StoryDocument]], dict[ArticleKey, int]]


@dataclass(frozen=True, slots=True)
class Stream:
    label: str
    documents: list[StoryDocument]
    gold: Gold


@dataclass(frozen=True, slots=True)
class ClusterRow:
    stream: str
    articles: int
    stories: int
    system: str
    score: BCubed
    found: int
    seconds: float


@dataclass(frozen=True, slots=True)
class RougeRow:
    subset: str
    stories: int
    system: str
    rouge: tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class Timing:
    archive: int
    median_us: float
    p99_us: float
    open_stories: int


@dataclass(frozen=True, slots=True)
class Speed:
    texts: int
    terms_ms: float
    timings: tuple[Timing, ...]
    total_s: float
    stories: int
    peak_mib: float


# --- data ---------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_stream(path: Path, label: str, keep: Callable[[str], bool] | None = None) -> Stream:
    """A clusters file as documents in file order (time-sorted), with terms extracted."""
    documents: list[StoryDocument] = []
    gold: Gold = {}
    for row in read_jsonl(path):
        cluster = str(row["cluster"])
        if keep is not None and not keep(cluster):
            continue
        title, text, language = str(row["title"] or ""), str(row["text"]), str(row["lang"])
        documents.append(
            StoryDocument(
                id=str(row["id"]),
                time=str(row["time"]),
                title=title,
                text=text,
                source=str(row["source"]),
                language=language,
                terms=extract_terms(title, text, language),
            )
        )
        gold[str(row["id"])] = cluster
    return Stream(label, documents, gold)


def load_streams(stories: Path) -> list[Stream]:
    main = stories / "clusters.jsonl"
    return [
        load_stream(main, "clusters.jsonl"),
        load_stream(main, "clusters.jsonl, train roundups", lambda c: "-train-" in c),
        load_stream(main, "clusters.jsonl, val + test (held out)", lambda c: "-train-" not in c),
        load_stream(stories / "clusters_leads_2021.jsonl", "clusters_leads_2021.jsonl"),
        load_stream(stories / "clusters_basil.jsonl", "clusters_basil.jsonl"),
        load_stream(SAMPLES / "clusters-sample.jsonl", "invented sample (tests/data)"),
        load_stream(
            SAMPLES / "clusters-multilingual.jsonl", "invented sample, 8 languages (tests/data)"
        ),
    ]


def as_if_in_languages(stream: Stream, labels: int = LANGUAGE_LABELS) -> Stream:
    """The stream with each article labelled one of ``labels`` languages, by a hash of its id
    (its terms stay as they were: only the comparisons change)."""

    def label(key: ArticleKey) -> str:
        return f"x{int(hashlib.sha256(str(key).encode()).hexdigest(), 16) % labels}"

    documents = [dataclasses.replace(d, language=label(d.id)) for d in stream.documents]
    return Stream(f"{stream.label}, as if in {labels} languages", documents, stream.gold)


def to_article(raw: dict[str, str]) -> Article:
    paragraphs = [p for p in raw["text"].split("\n\n") if p.strip()]
    return Article(
        title=raw.get("title") or None,
        blocks=tuple(Block("paragraph", p) for p in paragraphs),
        source=raw.get("source"),
        language="en",
    )


# --- clustering ---------------------------------------------------------------------------------


def run_nutgraf(options: StoryOptions) -> Clusterer:
    def run(documents: list[StoryDocument]) -> dict[ArticleKey, int]:
        index = StoryIndex(options)
        for document in documents:
            index.add(document)
        return {d.id: index.story_of(d.id) for d in documents}

    return run


CLUSTERERS: dict[str, Clusterer] = {
    "nutgraf StoryIndex": run_nutgraf(StoryOptions()),
    f"nutgraf, day_penalty {WHOLE_EVENT.day_penalty:g}": run_nutgraf(WHOLE_EVENT),
    f"title words (>= {TITLE_MIN_SHARED} shared)": lambda docs: cluster_by_title_words(docs),
    f"TF-IDF cosine (>= {TFIDF_THRESHOLD})": lambda docs: cluster_by_tfidf(docs),
}


def measure_clustering(streams: Sequence[Stream]) -> list[ClusterRow]:
    rows = []
    for stream in streams:
        for name, clusterer in CLUSTERERS.items():
            started = time.process_time()
            predicted = clusterer(stream.documents)
            seconds = time.process_time() - started
            score = score_bcubed(predicted, stream.gold)
            rows.append(
                ClusterRow(
                    stream.label,
                    len(stream.documents),
                    len(set(stream.gold.values())),
                    name,
                    score,
                    len(set(predicted.values())),
                    seconds,
                )
            )
            print(
                f"{stream.label} {name}: P {score.precision:.3f} R {score.recall:.3f} "
                f"F1 {score.f1:.3f}",
                file=sys.stderr,
                flush=True,
            )
    return rows


def measure_across_languages(streams: Sequence[Stream]) -> list[tuple[str, BCubed, BCubed]]:
    """nutgraf on each stream as it is and as if in ``LANGUAGE_LABELS`` languages."""
    rows = []
    for stream in streams:
        run = run_nutgraf(StoryOptions())
        alike = score_bcubed(run(stream.documents), stream.gold)
        mixed = as_if_in_languages(stream)
        apart = score_bcubed(run(mixed.documents), mixed.gold)
        print(f"{mixed.label}: {_bcubed(apart)}", file=sys.stderr, flush=True)
        rows.append((stream.label, alike, apart))
    return rows


def count_changes(stream: Stream) -> tuple[int, int]:
    """Merges and splits ``StoryIndex`` made on a stream."""
    index = StoryIndex()
    merges = splits = 0
    for document in stream.documents:
        assignment = index.add(document)
        merges += len(assignment.merged)
        splits += len(assignment.split)
    return merges, splits


# --- summaries ----------------------------------------------------------------------------------

StorySystem = Callable[[list[tuple[str, Article]]], list[str]]


def story_systems() -> dict[str, StorySystem]:
    """nutgraf's multi-source summary, the lead of each article and single-article summarizers
    run on the articles joined (peers skipped, with the reason, when they cannot load)."""

    def joined(story: list[tuple[str, Article]]) -> str:
        return "\n\n".join(article.text for _, article in story)

    systems: dict[str, StorySystem] = {
        "**nutgraf multi-source**": _multi_source,
        "first sentence of each article": lambda story: [
            article.text[start:end]
            for _, article in story
            for start, end in split_sentences(article.text)[:1]
        ][:SENTENCES],
        "nutgraf summarize(), articles joined": lambda story: [
            s.text for s in summarize(joined(story), sentences=SENTENCES).sentences
        ],
    }
    for name in ("lexrank", "summa"):
        try:
            peer = load_system(name)
        except Unavailable as reason:
            print(f"skipping {name}: {reason}", file=sys.stderr)
            continue

        def run(
            story: list[tuple[str, Article]], peer_run: Callable[..., list[str]] = peer.run
        ) -> list[str]:
            text = joined(story)
            return peer_run(text, None, SENTENCES, "")

        systems[f"{peer.label}, articles joined"] = run
    return systems


def reference_lines(reference: str) -> str:
    return "\n".join(reference[start:end] for start, end in split_sentences(reference))


def measure_summaries(
    rows: list[dict[str, object]], systems: dict[str, StorySystem]
) -> list[RougeRow]:
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    stories = [[(str(a["id"]), to_article(a)) for a in row["articles"]] for row in rows]  # type: ignore[attr-defined]
    references = [reference_lines(str(row["reference"])) for row in rows]
    held_out = [i for i, row in enumerate(rows) if row["neus_split"] != "train"]
    results = []
    for name, system in systems.items():
        scores = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # sumy LexRank on tiny texts
            for story, reference in zip(stories, references, strict=True):
                sentences = system(story)
                values = scorer.score(reference, "\n".join(sentences))
                scores.append(tuple(100 * values[k].fmeasure for k in ROUGE_TYPES))
        for subset, picked in (("all", range(len(rows))), ("val + test", held_out)):
            chosen = [scores[i] for i in picked]
            mean = tuple(statistics.fmean(s[k] for s in chosen) for k in range(3))
            results.append(RougeRow(subset, len(chosen), name, (mean[0], mean[1], mean[2])))
        print(f"multidoc {name}: R-1 {results[-2].rouge[0]:.2f}", file=sys.stderr, flush=True)
    return results


# --- speed --------------------------------------------------------------------------------------


def archive_texts(data: Path) -> list[tuple[str, str]]:
    """(title, text) of every distinct article of the shared summaries and stories data."""
    seen: dict[str, str] = {}
    summaries = data / "summaries"
    with gzip.open(summaries / "train.jsonl.gz", "rt", encoding="utf-8") as lines:
        raws = [json.loads(line) for line in lines]
    for name in ("dev.jsonl", "dev2.jsonl"):
        raws += read_jsonl(summaries / name)
    for name in ("clusters.jsonl", "clusters_leads_2021.jsonl", "clusters_basil.jsonl"):
        raws += read_jsonl(data / "stories" / name)
    for story in read_jsonl(data / "stories" / "multidoc.jsonl"):
        raws += story["articles"]  # type: ignore[arg-type]
    for raw in raws:
        seen.setdefault(str(raw["text"]), str(raw.get("title") or ""))
    return [(title, text) for text, title in seen.items()]


def measure_speed(data: Path, archive: int) -> Speed:
    texts = archive_texts(data)
    random.Random(SEED).shuffle(texts)
    started = time.process_time()
    terms = [extract_terms(title, text, "en") for title, text in texts]
    terms_ms = 1000 * (time.process_time() - started) / len(texts)
    print(f"speed: {len(texts):,} texts, terms {terms_ms:.2f} ms each", file=sys.stderr)
    origin = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    step = datetime.timedelta(days=1) / PER_DAY
    index = StoryIndex()
    # The loaded texts and terms are the benchmark's, not the index's: keep them out of the
    # garbage collector's full passes, as a server holding only the index would.
    gc.collect()
    gc.freeze()
    samples: list[float] = []
    timings = []
    started = time.perf_counter()
    for n in range(archive):
        title, _ = texts[n % len(texts)]
        document = StoryDocument(
            id=n, time=(origin + n * step).isoformat(), title=title, terms=terms[n % len(texts)]
        )
        before = time.perf_counter_ns()
        index.add(document)
        after = time.perf_counter_ns()
        if any(point - SAMPLE <= n < point for point in CHECKPOINTS):
            samples.append((after - before) / 1000)
        if n + 1 in CHECKPOINTS:
            ordered = sorted(samples)
            timings.append(
                Timing(
                    n + 1,
                    statistics.median(ordered),
                    ordered[min(len(ordered) - 1, round(0.99 * len(ordered)))],
                    index.open_stories,
                )
            )
            print(f"speed: {timings[-1]}", file=sys.stderr, flush=True)
            samples = []
    total = time.perf_counter() - started
    stories = sum(1 for _ in index.stories())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return Speed(len(texts), terms_ms, tuple(timings), total, stories, peak)


# --- tuning -------------------------------------------------------------------------------------


def tune(data: Path) -> None:
    """The grids behind the defaults, on the training data only."""
    train = load_stream(data / "stories" / "clusters.jsonl", "train", lambda c: "-train-" in c)
    for join in (0.1, 0.15, 0.2, 0.25, 0.3):
        for penalty in (0.0, 0.05, 0.1, 0.15, 0.2):
            options = StoryOptions(join_threshold=join, day_penalty=penalty)
            score = score_bcubed(run_nutgraf(options)(train.documents), train.gold)
            print(f"StoryIndex join {join} day_penalty {penalty}: {_bcubed(score)}", flush=True)
    mixed = as_if_in_languages(train)
    for kept in (0, 10, 20, 30):
        cluster_module.ENTITY_TERMS = kept
        score = score_bcubed(run_nutgraf(StoryOptions())(mixed.documents), mixed.gold)
        print(f"ENTITY_TERMS {kept}, {mixed.label}: {_bcubed(score)}", flush=True)
    cluster_module.ENTITY_TERMS = ENTITY_TERMS
    for window in (1.0, 2.0, 5.0):
        options = StoryOptions(window_days=window)
        score = score_bcubed(run_nutgraf(options)(train.documents), train.gold)
        print(f"StoryIndex window {window} days: {_bcubed(score)}", flush=True)
    for shared in (1, 2, 3, 4):
        score = score_bcubed(cluster_by_title_words(train.documents, min_shared=shared), train.gold)
        print(f"title words >= {shared}: {_bcubed(score)}", flush=True)
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4):
        score = score_bcubed(cluster_by_tfidf(train.documents, threshold=threshold), train.gold)
        print(f"TF-IDF >= {threshold}: {_bcubed(score)}", flush=True)
    rows = [
        r for r in read_jsonl(data / "stories" / "multidoc.jsonl") if r["neus_split"] == "train"
    ]
    grid = [
        *(
            SummaryOptions(support, penalty, 0.5)
            for support in (0.0, 0.5, 1.0, 2.0)
            for penalty in (0.0, 0.5, 1.0, 100.0)
        ),
        SummaryOptions(1.0, 0.5, 0.35),
        SummaryOptions(1.0, 0.5, 0.65),
    ]
    for summary_options in grid:
        system = functools.partial(_multi_source, options=summary_options)
        row = measure_summaries(rows, {"nutgraf": system})[0]
        print(f"{summary_options}: " + " / ".join(f"{v:.2f}" for v in row.rouge), flush=True)


def _multi_source(
    story: list[tuple[str, Article]], options: SummaryOptions | None = None
) -> list[str]:
    return [s.text for s in summarize_story(story, sentences=SENTENCES, options=options).sentences]


def _bcubed(score: BCubed) -> str:
    return f"P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f}"


# --- report -------------------------------------------------------------------------------------


def render(
    clusters: list[ClusterRow],
    across: list[tuple[str, BCubed, BCubed]],
    changes: tuple[int, int],
    rouge: list[RougeRow],
    speed: Speed | None,
    command_line: str,
) -> str:
    options = StoryOptions()
    lines = [
        "## Stories",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        f"Versions: {versions(PEER_PACKAGES)}.",
        "",
        "```",
        command_line,
        "```",
        "",
        "### Clustering: B-cubed precision / recall / F1",
        "",
        f"Articles arrive in time order; every system uses the same {options.window_days:g}-day "
        "window. nutgraf's settings and the baselines' thresholds were chosen on the train "
        "roundups of `clusters.jsonl` (`--tune`); the other rows are held out. CPU seconds for "
        "the whole stream; nutgraf's terms are extracted beforehand (see the speed table), "
        "the baselines stem the texts themselves. `day_penalty` 0.05 makes a story of the "
        "whole event over days, where the default makes one of each day's development (as "
        "AllSides roundups do); the invented samples are labelled the first way.",
        "",
        "| stream | articles | gold stories | system | P | R | F1 | stories found | s |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in clusters:
        lines.append(
            f"| {r.stream} | {r.articles:,} | {r.stories:,} | {r.system} | "
            f"{r.score.precision:.3f} | {r.score.recall:.3f} | {r.score.f1:.3f} | "
            f"{r.found:,} | {r.seconds:.1f} |"
        )
    lines += [
        "",
        f"- On the whole of `clusters.jsonl` nutgraf merged {changes[0]} pairs of stories and "
        f"split {changes[1]} off.",
        "- The invented samples are not held out: they guided the day penalty's setting and "
        "how languages are compared.",
        "",
        "### Clustering across languages",
        "",
        "Between two languages nutgraf compares names and numbers alone (their stems never "
        "meet). Measured on real articles: each article of a stream labelled one of "
        f"{LANGUAGE_LABELS} languages by a hash of its id, so that two comparisons in three "
        "see only names and numbers. B-cubed F1, nutgraf's defaults:",
        "",
        f"| stream | as it is | as if in {LANGUAGE_LABELS} languages |",
        "|---|---:|---:|",
    ]
    for label, alike, apart in across:
        lines.append(f"| {label} | {alike.f1:.3f} | {apart.f1:.3f} |")
    lines += [
        "",
        f"### Multi-source summaries: `multidoc.jsonl`, {SENTENCES} sentences per story",
        "",
        "ROUGE F1 x 100 against the AllSides editors' neutral summary (Google `rouge-score`, "
        "Porter stemmer on; Lsum one sentence per line, the reference split by nutgraf's "
        "splitter). nutgraf's options were chosen on the train stories; val + test are held "
        "out.",
        "",
        "| stories | system | R-1 | R-2 | R-Lsum |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rouge:
        lines.append(
            f"| {row.subset} ({row.stories}) | {row.system} | {row.rouge[0]:.2f} | "
            f"{row.rouge[1]:.2f} | {row.rouge[2]:.2f} |"
        )
    if speed is not None:
        lines += [
            "",
            "### Clustering speed",
            "",
            f"One `StoryIndex`, {speed.timings[-1].archive if speed.timings else 0:,} articles "
            f"({speed.texts:,} distinct texts of the shared data in a shuffled cycle, "
            f"{PER_DAY} a day), terms extracted beforehand ({speed.terms_ms:.2f} ms CPU per "
            f"article, on its own). Wall-clock time per `add` over the {SAMPLE:,} adds before "
            "each size:",
            "",
            "| articles in the index | median us per add | p99 us | open stories |",
            "|---:|---:|---:|---:|",
        ]
        for t in speed.timings:
            lines.append(
                f"| {t.archive:,} | {t.median_us:.0f} | {t.p99_us:.0f} | {t.open_stories:,} |"
            )
        lines += [
            "",
            f"- All {speed.timings[-1].archive if speed.timings else 0:,} adds: "
            f"{speed.total_s:.1f} s, {speed.stories:,} stories; peak memory of the benchmark "
            f"process {speed.peak_mib:.0f} MiB (max RSS, data included).",
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.stories", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", default=str(DATA_DIR), help=f"default: {DATA_DIR}")
    parser.add_argument("--archive", type=int, default=CHECKPOINTS[-1], help="0: no timing")
    parser.add_argument("--output", help="markdown file whose stories section to replace or add")
    parser.add_argument("--tune", action="store_true", help="print the tuning grids and stop")
    args = parser.parse_args(argv)
    data = Path(args.data)
    if not (data / "stories" / "clusters.jsonl").is_file():
        print(f"Error: stories data not found in {data}; pass --data DIR", file=sys.stderr)
        return 1
    if args.tune:
        tune(data)
        return 0
    streams = load_streams(data / "stories")
    clusters = measure_clustering(streams)
    across = measure_across_languages(streams[1:3])
    changes = count_changes(streams[0])
    rows = read_jsonl(data / "stories" / "multidoc.jsonl")
    rouge = measure_summaries(rows, story_systems())
    speed = measure_speed(data, args.archive) if args.archive > 0 else None
    report = render(clusters, across, changes, rouge, speed, command("benchmarks.stories", argv))
    print(report)
    if args.output:
        write_section(Path(args.output), "stories", report)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
