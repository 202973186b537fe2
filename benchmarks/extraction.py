"""Extraction benchmark: token F1 and speed of nutgraf and its peers on the shared dev pages.

    .venv/bin/python -m benchmarks.extraction [--limit N] [--systems a,b] [--data DIR ...]
                                              [--output BENCHMARKS.md]

Every system extracts the article body of every page of each family in one run, one process
pinned to one core, each page passed through every system in turn, and each family gets its own
table. The families are the `ground-truth.jsonl` of each data folder (by default
`extraction/`, 131 pages, and `extraction-readability/`, Mozilla Readability's test pages),
with a folder's pages marked `synthetic: true` (hand-made unit-test fixtures) scored as a
family of their own, apart from its real pages. The score is
token F1 as in ../shared/PEERS.md: per page, the precision and recall of the lower-cased `\\w+`
tokens (as multisets) of the extracted text against the ground-truth body, then the mean precision
and mean recall over the pages, and F1 from those two means. The mean of the per-page F1 is shown
beside it. Speed is the CPU time (`time.process_time`) of the extraction call alone: median ms per
page. A call that raises scores 0 on that page and is counted as a failure. The peers are run as
PEERS.md describes them (trafilatura without its metadata header, jusText with the stoplist of the
page's detected language).

With `--output FILE` the report replaces the part of FILE between `<!-- extraction:start -->` and
`<!-- extraction:end -->` (or is appended), leaving the rest of the file as it was.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import gzip
import json
import os
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from benchmarks.report import command, machine, versions, write_section

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
DATA_DIRS = (SHARED_DATA / "extraction", SHARED_DATA / "extraction-readability")
GROUND_TRUTH = "ground-truth.jsonl"
PEER_PACKAGES = (
    "trafilatura",
    "readability-lxml",
    "html-text",
    "newspaper4k",
    "boilerpy3",
    "goose3",
    "justext",
    "lxml",
)
_TOKEN = re.compile(r"\w+")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
# py3langid codes to jusText stoplist names; other languages (ja, zh...) use English.
_JUSTEXT_LANGUAGES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "ru": "Russian", "uk": "Ukrainian", "pl": "Polish",
    "cs": "Czech", "sk": "Slovak", "sv": "Swedish", "da": "Danish", "nb": "Norwegian_Bokmal",
    "no": "Norwegian_Bokmal", "fi": "Finnish", "hu": "Hungarian", "ro": "Romanian",
    "el": "Greek", "tr": "Turkish", "ar": "Arabic", "he": "Hebrew", "fa": "Persian",
    "hi": "Hindi", "id": "Indonesian", "ms": "Malay", "vi": "Vietnamese", "ko": "Korean",
    "bg": "Bulgarian", "hr": "Croatian", "sr": "Serbian", "sl": "Slovenian", "ca": "Catalan",
}  # fmt: skip

ExtractFn = Callable[[bytes, str | None], str]  # (HTML bytes, url if known) -> body text


class Unavailable(Exception):
    """A system cannot run in this environment; the message says why."""


@dataclass(frozen=True, slots=True)
class System:
    label: str
    extract: ExtractFn


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str | None
    html: bytes
    body: str


@dataclass(frozen=True, slots=True)
class Family:
    """The pages of one family, scored in a table of their own."""

    name: str  # e.g. "extraction-readability (synthetic)"
    pages: tuple[Page, ...]


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)


@dataclass(frozen=True, slots=True)
class Result:
    """One system over every page."""

    system: str
    label: str
    pages: int
    precision: float  # mean over pages
    recall: float  # mean over pages
    mean_page_f1: float
    median_ms: float
    failures: int = 0
    first_failure: str = ""

    @property
    def f1(self) -> float:
        """F1 of the mean precision and mean recall (PEERS.md, the ScrapingHub benchmark)."""
        return _f1(self.precision, self.recall)


# --- the metric -------------------------------------------------------------------------------


def tokens(text: str) -> Counter[str]:
    """The lower-cased `\\w+` tokens of a text, as a multiset."""
    return Counter(_TOKEN.findall(text.lower()))


def score_page(predicted: str, expected: str) -> Score:
    """Token precision and recall of one extracted text; an empty side scores 0."""
    got, want = tokens(predicted), tokens(expected)
    common = sum((got & want).values())
    if not common:
        return Score(0.0, 0.0)
    return Score(common / sum(got.values()), common / sum(want.values()))


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# --- the systems ------------------------------------------------------------------------------


def _decoded(html: bytes) -> str:
    """The page as text for the peers that want a str (the dev pages are UTF-8)."""
    return html.decode("utf-8", errors="replace")


def load_nutgraf() -> System:
    try:
        from nutgraf.extract import extract
    except ImportError as error:
        raise Unavailable(f"nutgraf cannot be imported: {error}") from error

    def run(html: bytes, url: str | None) -> str:
        return extract(html, url=url, name="page.html").text

    return System("nutgraf", run)


def load_trafilatura() -> System:
    try:
        import trafilatura
    except ImportError as error:
        raise Unavailable(f"trafilatura is not installed: {error}") from error

    def run(html: bytes, url: str | None) -> str:
        text = trafilatura.extract(
            _decoded(html), url=url, include_comments=False, with_metadata=True
        )
        # with_metadata puts a front-matter header (title, url, tags...) before the text.
        return _FRONT_MATTER.sub("", text or "", count=1)

    return System(f"trafilatura {_version('trafilatura')}", run)


def load_readability() -> System:
    try:
        import html_text
        from readability import Document
    except ImportError as error:
        raise Unavailable(f"readability-lxml or html-text is not installed: {error}") from error

    def run(html: bytes, url: str | None) -> str:
        summary = Document(_decoded(html), url=url).summary(html_partial=True)
        text: str = html_text.extract_text(summary)
        return text

    return System(f"readability-lxml {_version('readability-lxml')}", run)


def load_newspaper() -> System:
    try:
        from benchmarks.nltk_offline import install_punkt_tab

        install_punkt_tab()
        from newspaper import Article
        from newspaper.configuration import Configuration
    except (ImportError, RuntimeError) as error:
        raise Unavailable(f"newspaper4k cannot run: {error}") from error

    config = Configuration()
    config.fetch_images = False

    def run(html: bytes, url: str | None) -> str:
        article = Article(url or "", config=config)
        article.download(input_html=_decoded(html))
        article.parse()
        text: str = article.text
        return text

    return System(f"newspaper4k {_version('newspaper4k')}", run)


def load_boilerpy3() -> System:
    try:
        from boilerpy3 import extractors
    except ImportError as error:
        raise Unavailable(f"boilerpy3 is not installed: {error}") from error

    extractor = extractors.ArticleExtractor(raise_on_failure=True)

    def run(html: bytes, url: str | None) -> str:
        text: str = extractor.get_content(_decoded(html))
        return text

    return System(f"boilerpy3 {_version('boilerpy3')}", run)


def load_goose3() -> System:
    try:
        from goose3 import Goose
    except ImportError as error:
        raise Unavailable(f"goose3 is not installed: {error}") from error

    goose = Goose({"enable_image_fetching": False})

    def run(html: bytes, url: str | None) -> str:
        text: str = goose.extract(url=url, raw_html=_decoded(html)).cleaned_text
        return text

    return System(f"goose3 {_version('goose3')}", run)


def load_justext() -> System:
    try:
        import justext
    except ImportError as error:
        raise Unavailable(f"justext is not installed: {error}") from error

    try:
        import html_text
        import py3langid
    except ImportError as error:
        raise Unavailable(f"html-text or py3langid is not installed: {error}") from error

    stoplists = {
        code: justext.get_stoplist(name)
        for code, name in _JUSTEXT_LANGUAGES.items()
        if name in justext.get_stoplists()
    }

    def run(html: bytes, url: str | None) -> str:
        # jusText needs the page's language: detected from the whole page's text.
        language = py3langid.classify(html_text.extract_text(_decoded(html)))[0]
        stoplist = stoplists.get(language, stoplists["en"])
        paragraphs = justext.justext(html, stoplist)
        return "\n\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    return System(f"justext {_version('justext')}", run)


def load_whole_page() -> System:
    try:
        import html_text
    except ImportError as error:
        raise Unavailable(f"html-text is not installed: {error}") from error

    def run(html: bytes, url: str | None) -> str:
        text: str = html_text.extract_text(_decoded(html))
        return text

    return System("whole-page text (html-text)", run)


SYSTEMS: dict[str, Callable[[], System]] = {
    "nutgraf": load_nutgraf,
    "trafilatura": load_trafilatura,
    "readability": load_readability,
    "newspaper4k": load_newspaper,
    "boilerpy3": load_boilerpy3,
    "goose3": load_goose3,
    "justext": load_justext,
    "whole-page": load_whole_page,
}

WARM_UP_HTML = (
    b"<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    + b"<p>This page is extracted once before timing, so one-off setup is not timed.</p>" * 5
    + b"</article></body></html>"
)


def load_system(name: str) -> System:
    """Load a system and run it once, untimed (newspaper4k tries `nltk.download` at first use)."""
    system = SYSTEMS[name]()
    try:
        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            system.extract(WARM_UP_HTML, "https://example.org/warm-up")
    except Exception as error:
        raise Unavailable(f"{system.label} fails on a warm-up page: {error!r}") from error
    return system


def load_systems(names: Iterable[str]) -> dict[str, System]:
    """Load the named systems, skipping (with the reason) those that cannot run here."""
    systems: dict[str, System] = {}
    for name in names:
        try:
            systems[name] = load_system(name)
        except Unavailable as reason:
            print(f"skipping {name}: {reason}", file=sys.stderr)
    return systems


# --- running ----------------------------------------------------------------------------------


def load_families(folder: Path, limit: int | None = None) -> list[Family]:
    """A folder's pages: its real pages, then (if any) its synthetic ones as a second family.

    ``limit`` keeps the first N pages of each family.
    """
    real: list[Page] = []
    synthetic: list[Page] = []
    with (folder / GROUND_TRUTH).open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            raw = json.loads(line)
            kept = synthetic if raw.get("synthetic") else real
            if limit is not None and len(kept) >= limit:
                continue
            html = gzip.decompress((folder / raw["html_file"]).read_bytes())
            kept.append(Page(id=raw["id"], url=raw.get("url"), html=html, body=raw["body"]))
    families = [Family(folder.name, tuple(real))] if real else []
    if synthetic:
        families.append(Family(f"{folder.name} (synthetic)", tuple(synthetic)))
    return families


@dataclass(slots=True)
class Run:
    """One system's outputs on every page."""

    texts: list[str]
    seconds: list[float]  # CPU seconds per call
    failures: list[str]  # "" or "<page id>: <error>"

    def slice(self, start: int, end: int) -> Run:
        """The outputs on pages ``start`` to ``end`` (one family's)."""
        return Run(self.texts[start:end], self.seconds[start:end], self.failures[start:end])


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


def extract_all(pages: Sequence[Page], systems: dict[str, System]) -> dict[str, Run]:
    """Every system on every page, one page at a time through all systems.

    Interleaving spreads changes in machine load over all systems; each call is timed in CPU
    time with the garbage collector off (collected between pages, untimed), as in
    `benchmarks.summaries`. A failing call yields an empty text and the run goes on.
    """
    runs = {name: Run([], [], []) for name in systems}
    gc.collect()
    gc.freeze()
    with one_core(), warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")
        for done, page in enumerate(pages, 1):
            for name, system in systems.items():
                error = ""
                gc.disable()
                start = time.process_time()
                try:
                    text = system.extract(page.html, page.url)
                except Exception as exc:
                    text, error = "", f"{page.id[:12]}: {exc!r}"[:200]
                runs[name].seconds.append(time.process_time() - start)
                gc.enable()
                runs[name].texts.append(text)
                runs[name].failures.append(error)
            gc.collect()
            if done % 25 == 0 or done == len(pages):
                print(f"{done}/{len(pages)} pages", file=sys.stderr, flush=True)
    gc.unfreeze()
    return runs


def aggregate(name: str, label: str, pages: Sequence[Page], run: Run) -> Result:
    scores = [score_page(text, page.body) for text, page in zip(run.texts, pages, strict=True)]
    errors = [failure for failure in run.failures if failure]
    count = len(scores)
    return Result(
        system=name,
        label=label,
        pages=count,
        precision=sum(s.precision for s in scores) / count,
        recall=sum(s.recall for s in scores) / count,
        mean_page_f1=sum(s.f1 for s in scores) / count,
        median_ms=1000 * statistics.median(run.seconds),
        failures=len(errors),
        first_failure=errors[0] if errors else "",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    folders = [Path(data) for data in args.data] if args.data else list(DATA_DIRS)
    for folder in folders:
        if not (folder / GROUND_TRUTH).is_file():
            print(f"Error: {GROUND_TRUTH} not found in {folder}; pass --data DIR", file=sys.stderr)
            return 1
    names = args.systems.split(",") if args.systems else list(SYSTEMS)
    unknown = [name for name in names if name not in SYSTEMS]
    if unknown:
        print(
            f"Error: unknown system {', '.join(unknown)}; known: {', '.join(SYSTEMS)}",
            file=sys.stderr,
        )
        return 1
    families = [family for folder in folders for family in load_families(folder, args.limit)]
    systems = load_systems(names)
    # One run over every page of every family, then one table per family.
    runs = extract_all([page for family in families for page in family.pages], systems)
    tables: list[tuple[Family, list[Result]]] = []
    start = 0
    for family in families:
        end = start + len(family.pages)
        results = [
            aggregate(name, systems[name].label, family.pages, runs[name].slice(start, end))
            for name in systems
        ]
        tables.append((family, results))
        start = end
    report = render_report(tables, command("benchmarks.extraction", argv))
    print(report)
    if args.output:
        write_section(Path(args.output), "extraction", report)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.extraction", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--limit", type=int, help="only the first N pages of each family")
    parser.add_argument(
        "--systems", help=f"comma-separated systems (default: all of {','.join(SYSTEMS)})"
    )
    parser.add_argument(
        "--data",
        action="append",
        help="an extraction data directory, once per family folder (default: "
        + ", ".join(str(folder) for folder in DATA_DIRS)
        + ")",
    )
    parser.add_argument("--output", help="markdown file whose extraction section to replace or add")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    return args


# --- the report -------------------------------------------------------------------------------


def render_report(tables: Sequence[tuple[Family, list[Result]]], command_line: str) -> str:
    lines = [
        "## Extraction",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        f"Versions: {versions(PEER_PACKAGES)}.",
        "",
        "```",
        command_line,
        "```",
        "",
        "Every system on every page of every family, in one run; one table per family "
        "(`ground-truth.jsonl` of each data folder; a folder's pages marked `synthetic` are "
        "hand-made fixtures, scored apart from its real pages). Token F1 as in PEERS.md: per "
        "page, precision and recall of the lower-cased `\\w+` tokens of the extracted text "
        "against the ground-truth body (as multisets); mean precision and mean recall over the "
        "pages, and F1 of those means. `page F1`: the mean of the per-page F1. nutgraf is scored "
        "on `extract(...).text` (paragraphs; subheadings left out). Speed: CPU time of the "
        "extraction call alone (one process on one core; each page goes through every system in "
        "turn), median ms per page. A failed call scores 0 on its page. trafilatura is scored "
        "without the front-matter header that `with_metadata=True` puts before its text; jusText "
        "gets the stoplist of the page's language (py3langid on the whole page's text; English "
        "where jusText has none).",
    ]
    for family, results in tables:
        lines += ["", *_family_table(family, results)]
    return "\n".join(lines) + "\n"


def _family_table(family: Family, results: list[Result]) -> list[str]:
    lines = [
        f"### `{family.name}` ({len(family.pages)} pages)",
        "",
        "| system | precision | recall | F1 | page F1 | median ms | failed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(results, key=lambda result: -result.f1):
        label = f"**{r.label}**" if r.system == "nutgraf" else r.label
        lines.append(
            f"| {label} | {r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} | {r.mean_page_f1:.3f} "
            f"| {r.median_ms:.1f} | {r.failures} |"
        )
    notes = [
        f"- {r.label} failed on {r.failures} pages, e.g. {r.first_failure}"
        for r in results
        if r.failures
    ]
    if notes:
        lines += ["", *notes]
    return lines


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
