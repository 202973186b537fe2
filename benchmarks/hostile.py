"""Hostile input, measured: wall time and peak memory of each attack of issue 15.

    .venv/bin/python -m benchmarks.hostile [--only TEXT] [--output BENCHMARKS.md]

Each case writes its inputs into a folder of its own, starts any loopback server it needs, and
runs one nutgraf command in a fresh process; the table gives the wall time, the peak resident
memory of that process (``os.wait4``'s ``ru_maxrss``, so the figure is the child's own, not a
sum), how many ``Error:`` lines it printed, its exit status and whether it met the bar the
issue sets (20 s and 500 MB unless a case says otherwise). A benchmark, not a test: the tests
check that each bound exists on small inputs; this measures the full-size attacks.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from benchmarks.report import command, machine, write_section
from nutgraf.batch.ingest import PAGE_BUDGET
from nutgraf.store import SQLiteStore

NUTGRAF = [sys.executable, "-m", "nutgraf"]
WALL_LIMIT = 600.0  # a case still running after this is killed and reported as such


@dataclass(frozen=True, slots=True)
class Case:
    """One attack: ``run`` prepares it in an empty folder and yields the command to time."""

    point: int
    name: str
    run: Callable[[Path], AbstractContextManager[list[str]]]
    seconds: float = 20.0
    megabytes: float = 500.0


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    seconds: float
    megabytes: float
    errors: int
    lines: int
    status: int | None  # None: killed at WALL_LIMIT

    @property
    def passed(self) -> bool:
        return (
            self.status is not None
            and self.seconds <= self.case.seconds
            and self.megabytes <= self.case.megabytes
        )


def environment(folder: Path) -> dict[str, str]:
    """The child's environment: no user settings, loopback servers allowed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUTGRAF_")}
    env["NUTGRAF_CONFIG"] = str(folder / "no-nutgraf.toml")
    env["NUTGRAF_ALLOW_NETWORKS"] = "127.0.0.0/8"
    env["NUTGRAF_DB"] = str(folder / "archive.db")
    return env


# Linux keeps a process's peak RSS across exec, and a child made with vfork (as subprocess
# does) counts the peak of the parent it shared memory with: timed directly, every case
# "peaked" at this benchmark's own size. So each command runs under a small launcher, a bare
# interpreter that forks it (its copy of the launcher's few MB is all it inherits), waits for
# it and writes its peak RSS, in KB, to the file named first.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measure(case: Case) -> Outcome:
    """Run ``case`` once in a fresh process and a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="nutgraf-hostile-") as raw:
        folder = Path(raw)
        peak = folder / "peak-kb.txt"
        with case.run(folder) as argv:
            output = folder / "output.txt"
            command = [sys.executable, "-I", "-S", "-c", LAUNCHER, str(peak), *argv]
            with output.open("wb") as sink:
                started = time.perf_counter()
                child = subprocess.Popen(
                    command,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    env=environment(folder),
                    start_new_session=True,  # so a case over the time limit dies whole
                )
                try:
                    status: int | None = child.wait(WALL_LIMIT)
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
                    child.wait()
                    status = None
                seconds = time.perf_counter() - started
        megabytes = int(peak.read_text() or 0) / 1024 if peak.exists() else float("nan")
        lines = output.read_text(encoding="utf-8", errors="replace").splitlines()
        errors = sum(1 for line in lines if line.startswith("Error:"))
        return Outcome(case, seconds, megabytes, errors, len(lines), status)


@contextlib.contextmanager
def argv_only(argv: list[str]) -> Iterator[list[str]]:
    yield argv


# --- point 12: huge search queries

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@contextlib.contextmanager
def huge_query(folder: Path, *, ranked: bool) -> Iterator[list[str]]:
    """A small archive whose articles hold every one-letter word, searched for 50,000 of
    them (99,999 characters: one argument stays under Linux's 128 KiB per argument). Every
    word matches, so without a bound the index intersects 50,000 phrases."""
    letters = " ".join(_LETTERS)
    for n in range(20):
        (folder / f"article-{n}.txt").write_text(
            f"Report {n} from the harbour\n\nThe harbour board met on day {n} and listed "
            f"its berths as {letters}. Every berth was full by the evening.\n",
            encoding="utf-8",
        )
    archive = str(folder / "archive.db")
    subprocess.run(
        [*NUTGRAF, "ingest", "--quiet", "--db", archive, *map(str, folder.glob("*.txt"))],
        check=True,
        capture_output=True,
        env=environment(folder),
    )
    query = " ".join(_LETTERS[n % 26] for n in range(50_000))
    yield [*NUTGRAF, "search", "--db", archive, *(["--ranked"] if ranked else []), query]


# --- point 4: huge feeds


def huge_feed() -> bytes:
    """The issue's feed: a million empty items, 7 MB that gzip to 10 KB."""
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>'
        b"<link>https://huge.example/</link>" + b"<item/>" * 1_000_000 + b"</channel></rss>"
    )
    return gzip.compress(body, 9)


@contextlib.contextmanager
def huge_feed_file(folder: Path) -> Iterator[list[str]]:
    (folder / "huge.xml.gz").write_bytes(huge_feed())
    yield [*NUTGRAF, "ingest", str(folder / "huge.xml.gz")]


@contextlib.contextmanager
def huge_feed_served(folder: Path, *, polls: int) -> Iterator[list[str]]:
    """The feed on a loopback server (the gzip bytes as the body, as a .gz file is served).
    ``polls`` 0 times ``add-feed``; otherwise ``add-feed`` and ``polls - 1`` polls run first,
    and the poll after them is timed: the feed costs as much at every poll."""
    with loopback_site({"/huge.xml.gz": (huge_feed(), "application/rss+xml", 0.0)}) as base:
        url = f"{base}/huge.xml.gz"
        if not polls:
            yield [*NUTGRAF, "add-feed", url]
            return
        before = [[*NUTGRAF, "add-feed", url]] + [[*NUTGRAF, "poll", "--once"]] * (polls - 1)
        for argv in before:
            subprocess.run(argv, capture_output=True, env=environment(folder), check=False)
            make_due(folder / "archive.db")
        yield [*NUTGRAF, "poll", "--once"]


def make_due(archive: Path) -> None:
    """Every feed of the archive due now, as if its interval had passed."""
    with contextlib.closing(sqlite3.connect(archive)) as db, db:
        db.execute("UPDATE feeds SET next_check = '2000-01-01T00:00:00Z'")


# --- point 5: teaser fetch amplification

# A served page: its body, its content type, and the seconds between two of its bytes (0: at
# once).
Served = tuple[bytes, str, float]


@contextlib.contextmanager
def loopback_site(pages: dict[str, Served], address: str = "127.0.0.1") -> Iterator[str]:
    """A loopback HTTP server (port 0) for ``pages``; yields its base URL. A dripping page
    sends a byte every so often until the client hangs up."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind, drip = pages.get(self.path, (b"", "text/plain", 0.0))
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                if not drip:
                    self.wfile.write(body)
                    return
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(drip)
            except OSError:
                pass  # the client gave up on it

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer((address, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://{address}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def rss(title: str, link: str, items: list[str]) -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{link}</link>{''.join(items)}</channel></rss>"
    ).encode()


_STORY = " ".join(
    f"Sentence {n} of the council's report says the harbour bridge reopens in the spring."
    for n in range(60)
)


@contextlib.contextmanager
def dripping_teasers(folder: Path, *, hosts: int) -> Iterator[list[str]]:
    """A feed of 20 teasers whose pages drip a byte a second, on one loopback host or spread
    over ``hosts``, and an ordinary feed; both feeds are served by the first host (so they
    share its turns with the pages) and due: ``poll --once``. The ordinary feed must be
    stored, or the case is void."""
    page = b"<html><body><article><p>" + _STORY.encode() * 4 + b"</p></article></body></html>"
    served: list[dict[str, Served]] = [{} for _ in range(hosts)]
    with contextlib.ExitStack() as stack:
        bases = [
            stack.enter_context(loopback_site(pages, f"127.0.0.{10 + n}"))
            for n, pages in enumerate(served)
        ]
        teasers = []
        for n in range(20):
            served[n % hosts][f"/story-{n}"] = (page, "text/html", 1.0)
            teasers.append(
                f"<item><title>Teaser {n}</title><link>{bases[n % hosts]}/story-{n}</link>"
                f"<guid>t{n}</guid><description>The first words of story {n}.</description>"
                "</item>"
            )
        ordinary = (
            "<item><title>Harbour bridge</title><link>https://ok.example/bridge</link>"
            f"<guid>ok</guid><description>{_STORY}</description></item>"
        )
        site = bases[0]
        served[0]["/teasers.xml"] = (rss("Teasers", site, teasers), "application/rss+xml", 0.0)
        served[0]["/ordinary.xml"] = (rss("Ordinary", site, [ordinary]), "application/rss+xml", 0)
        archive = folder / "archive.db"
        with SQLiteStore(archive) as store:
            for path in ("/teasers.xml", "/ordinary.xml"):
                store.add_feed(f"{site}{path}", now="2000-01-01T00:00:00Z")
        yield [*NUTGRAF, "poll", "--once"]
        with SQLiteStore(archive) as store:
            if not store.search("bridge", limit=1):
                raise RuntimeError("point 5: the ordinary feed of the poll was not stored")


# --- point 3: memory from tiny paragraphs

_TEXT_CHARS = 3_600_000  # the text page of one-letter lines
_PARAGRAPHS = 500_000  # the feed entry of <p>a</p>


def _filled(unit: Callable[[int], str], size: int = _TEXT_CHARS) -> str:
    """``unit(0) + unit(1) + ...`` up to ``size`` characters."""
    parts, total = [], 0
    while total < size:
        parts.append(unit(len(parts)))
        total += len(parts[-1])
    return "".join(parts)


def _letter(n: int) -> str:
    return _LETTERS[n % 26]


def _words(n: int) -> str:
    """One to three two-letter words."""
    return " ".join(_letter(n * 7 + k) + _letter(n + k * 3) for k in range(1 + n % 3))


def _feed(body: str, *, escaped: bool = False) -> str:
    """An RSS feed of one entry whose content:encoded (or escaped description) is ``body``."""
    if escaped:
        html = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        field = f"<description>{html}</description>"
    else:
        field = f"<content:encoded><![CDATA[{body}]]></content:encoded>"
    return (
        '<?xml version="1.0"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Tiny</title>'
        "<link>https://tiny.example/</link><description>Tiny paragraphs</description><item>"
        "<title>Tiny</title><link>https://tiny.example/a</link><guid>tiny-1</guid>"
        f"{field}</item></channel></rss>"
    )


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>Tiny</title></head><body>{body}</body></html>"


def _tiny_paragraphs() -> str:
    return "<p>a</p>" * _PARAGRAPHS


def _tiny_sentences() -> str:
    return "<p>" + _filled(lambda n: _letter(n).upper() + ". ") + "</p>"


def _tiny_items() -> str:
    """400,000 list items: 4 MB, under the 5 MB page limit."""
    return "<ul>" + "".join(f"<li>{_letter(n)}</li>" for n in range(400_000)) + "</ul>"


def _tiny_headings() -> str:
    return "".join(f"<h2>{_letter(n)}</h2><p>b</p>" for n in range(200_000))


# (what it is, its file name, its content): each is read by ingest and by summarize.
TINY_INPUTS: list[tuple[str, str, Callable[[], str]]] = [
    ("text page of one-letter lines, 3.6 MB", "letters.txt", lambda: "a\n" * 1_800_000),
    ("text page of 'a.' lines, 3.6 MB", "letters-dot.txt", lambda: "a.\n" * 1_200_000),
    (
        "text page of one-letter lines a to z",
        "alphabet.txt",
        lambda: _filled(lambda n: _letter(n) + "\n"),
    ),
    ("text page of lines of 1-3 words", "words.txt", lambda: _filled(lambda n: _words(n) + "\n")),
    (
        "text page of one-letter paragraphs between blank lines",
        "paragraphs.txt",
        lambda: _filled(lambda n: _letter(n) + "\n\n"),
    ),
    (
        "text of one paragraph of one-letter sentences",
        "sentences.txt",
        lambda: "Tiny sentences\n\n" + _filled(lambda n: _letter(n).upper() + ". "),
    ),
    (
        "feed entry of 500,000 <p>a</p> (content:encoded)",
        "paragraphs.rss",
        lambda: _feed(_tiny_paragraphs()),
    ),
    (
        "feed entry of 500,000 <p>a</p> (escaped description)",
        "escaped.rss",
        lambda: _feed(_tiny_paragraphs(), escaped=True),
    ),
    (
        "feed entry of one-letter sentences in one paragraph",
        "sentences.rss",
        lambda: _feed(_tiny_sentences()),
    ),
    ("feed entry of 400,000 one-letter list items", "items.rss", lambda: _feed(_tiny_items())),
    ("feed entry of 200,000 one-letter headings", "headings.rss", lambda: _feed(_tiny_headings())),
    ("HTML page of 500,000 <p>a</p>", "paragraphs.html", lambda: _page(_tiny_paragraphs())),
    (
        "HTML page of one-letter sentences in one paragraph",
        "sentences.html",
        lambda: _page(_tiny_sentences()),
    ),
    ("HTML page of 400,000 one-letter list items", "items.html", lambda: _page(_tiny_items())),
    ("HTML page of 200,000 one-letter headings", "headings.html", lambda: _page(_tiny_headings())),
]


@contextlib.contextmanager
def tiny_input(
    folder: Path, name: str, content: Callable[[], str], verb: str
) -> Iterator[list[str]]:
    """``content`` written to ``name``, read by ``nutgraf ingest`` or ``nutgraf summarize``."""
    path = folder / name
    path.write_text(content(), encoding="utf-8")
    archive = ["--db", str(folder / "archive.db")] if verb == "ingest" else []
    yield [*NUTGRAF, verb, *archive, str(path)]


def tiny_paragraph_cases() -> list[Case]:
    """Each input of TINY_INPUTS through ingest, then summarize."""
    return [
        Case(3, f"{what}: {verb} FILE", partial(tiny_input, name=name, content=content, verb=verb))
        for what, name, content in TINY_INPUTS
        for verb in ("ingest", "summarize")
    ]


# The cases, grouped by the point of issue 15 they measure; each group's helpers sit above
# the list under the same heading.

CASES: list[Case] = [
    # --- point 3: memory from tiny paragraphs
    *tiny_paragraph_cases(),
    # --- point 4: huge feeds
    Case(4, "gzip feed of 1,000,000 empty items (10 KB): ingest FILE", huge_feed_file),
    Case(
        4,
        "the same feed on loopback: add-feed URL",
        lambda folder: huge_feed_served(folder, polls=0),
    ),
    Case(
        4,
        "the same feed on loopback: its second poll --once (after add-feed and a first poll)",
        lambda folder: huge_feed_served(folder, polls=2),
    ),
    # --- point 5: teaser fetch amplification
    Case(
        5,
        "20 teasers whose pages drip a byte a second, one host, and an ordinary feed on that "
        "host: poll --once",
        lambda folder: dripping_teasers(folder, hosts=1),
        seconds=PAGE_BUDGET + 10,
    ),
    Case(
        5,
        "20 teasers whose pages drip a byte a second, on 20 hosts, and an ordinary feed: "
        "poll --once",
        lambda folder: dripping_teasers(folder, hosts=20),
        seconds=PAGE_BUDGET + 10,
    ),
    # --- point 12: huge search queries
    Case(
        12,
        "search for 50,000 one-letter words, every one matching: newest first",
        lambda folder: huge_query(folder, ranked=False),
    ),
    Case(
        12,
        "search for 50,000 one-letter words, every one matching: --ranked",
        lambda folder: huge_query(folder, ranked=True),
    ),
]


# What the same attacks cost before the fixes, as issue 15's review and the fixes' commits
# measured them (the text pages ran out of a 6 GB address-space cap; unbounded, 13 GB).
BEFORE = """For comparison, before the fixes of issue 15: the 3.6 MB text page of one-letter \
lines took 80 s and 13 GB (95 s and a MemoryError under a 6 GB cap); a feed entry of 500,000 \
`<p>a</p>` 36 s and 1.8 GB through `ingest`, and `summarize` did not end in 100 s; the HTML page \
of 500,000 `<p>a</p>` 98 s and 3.4 GB; the 10 KB gzip feed of a million empty items 140 to 267 s, \
630 MB, a million `Error:` lines and a million failure rows, at every poll; twenty dripping \
teasers held their poll for 331 s; a 50,000-word search 7.5 s and 513 MB newest first, and \
`--ranked` did not end in 120 s.
"""


def render(outcomes: list[Outcome]) -> str:
    rows = [
        "| point | case | wall s | peak MB | Error: lines | lines | exit | bar | met |",
        "|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for o in outcomes:
        status = "killed" if o.status is None else str(o.status)
        rows.append(
            f"| {o.case.point} | {o.case.name} | {o.seconds:.2f} | {o.megabytes:.0f} | "
            f"{o.errors} | {o.lines} | {status} | {o.case.seconds:g} s, "
            f"{o.case.megabytes:g} MB | {'yes' if o.passed else '**no**'} |"
        )
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run the cases whose name holds this text")
    parser.add_argument("--output", type=Path, help="write the section into this file")
    args = parser.parse_args(argv)
    chosen = [case for case in CASES if args.only.lower() in case.name.lower()]
    outcomes = []
    for case in chosen:
        outcome = measure(case)
        outcomes.append(outcome)
        print(
            f"point {case.point}: {case.name}: {outcome.seconds:.2f} s, "
            f"{outcome.megabytes:.0f} MB, {outcome.errors} Error: lines, exit {outcome.status}"
            f"{'' if outcome.passed else '  <-- over the bar'}",
            flush=True,
        )
    table = render(outcomes)
    if args.output is not None and not args.only:
        section = (
            "## Hostile input (issue 15)\n\n"
            f"Machine: {machine()}. Command: `{command('benchmarks.hostile', argv)}`. Each case "
            "is one nutgraf command in a fresh process; peak MB is that process's maximum "
            "resident set (os.wait4, read by a small launcher that forks it, so the figure is "
            "the command's own). The bar is the issue's: the time and memory each attack may "
            "take.\n\n" + table + "\n" + BEFORE
        )
        write_section(args.output, "hostile", section)
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
