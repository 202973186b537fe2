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
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import command, machine, write_section

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


def measure(case: Case) -> Outcome:
    """Run ``case`` once in a fresh process and a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="nutgraf-hostile-") as raw:
        folder = Path(raw)
        with case.run(folder) as argv:
            output = folder / "output.txt"
            with output.open("wb") as sink:
                started = time.perf_counter()
                child = subprocess.Popen(
                    argv, stdout=sink, stderr=subprocess.STDOUT, env=environment(folder)
                )
                status, megabytes = _wait(child, started)
                seconds = time.perf_counter() - started
        lines = output.read_text(encoding="utf-8", errors="replace").splitlines()
        errors = sum(1 for line in lines if line.startswith("Error:"))
        return Outcome(case, seconds, megabytes, errors, len(lines), status)


def _wait(child: subprocess.Popen[bytes], started: float) -> tuple[int | None, float]:
    """The child's exit status (None when killed for running too long) and its peak RSS."""
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, usage.ru_maxrss / 1024
        if time.perf_counter() - started > WALL_LIMIT:
            child.kill()
            _, _, usage = os.wait4(child.pid, 0)
            child.returncode = -9
            return None, usage.ru_maxrss / 1024
        time.sleep(0.02)


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


# The cases, grouped by the point of issue 15 they measure; each group's helpers sit above
# the list under the same heading.

CASES: list[Case] = [
    # --- point 3: memory from tiny paragraphs
    # --- point 4: huge feeds
    # --- point 5: teaser fetch amplification
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
            "resident set (os.wait4). The bar is the issue's: the time and memory each attack "
            "may take.\n\n" + table + "\n"
        )
        write_section(args.output, "hostile", section)
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
