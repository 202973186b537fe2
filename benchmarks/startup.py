"""Start-up, measured: how long one ``nutgraf`` command on a small file takes, from exec to exit.

    .venv/bin/python -m benchmarks.startup [--repeats 10] [--output BENCHMARKS.md]

Each case runs an installed ``nutgraf`` entry point (the one beside this interpreter, or
``--nutgraf PATH``: a plain ``pip install .`` has no editable-install finder to load) in a
fresh process ``--repeats`` times; the table gives the median and the fastest wall time and the
median CPU time (user + system, ``os.wait4``), and ``python -c pass`` is measured the same way
as the floor any command pays. The bar is issue 16's: ``nutgraf summarize`` of a small text
file under 0.3 s wall. The heaviest imports of that command are listed from ``-X importtime``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import command, machine, write_section

BAR_SECONDS = 0.3
PAGE = Path(__file__).resolve().parent.parent / "tests" / "data" / "pages" / "seed-lublin.txt"
ENGLISH = (
    "Storm hits coast\n\n"
    "A strong storm hit the northern coast on Monday, cutting power to thousands of homes. "
    "Officials said repairs would take days. Schools in the region stayed closed while crews "
    "cleared fallen trees from the roads. The weather service expects calmer winds by Wednesday.\n"
)
GERMAN = (
    "Sturm an der Küste\n\n"
    "Ein starker Sturm hat am Montag die Nordküste getroffen und Tausende Haushalte vom Strom "
    "getrennt. Die Behörden rechnen mit tagelangen Reparaturen. Die Schulen der Region blieben "
    "geschlossen, während Helfer umgestürzte Bäume von den Straßen räumten.\n"
)
SPANISH = (
    "Temporal en la costa\n\n"
    "Un fuerte temporal azotó el lunes la costa norte y dejó sin luz a miles de hogares. "
    "Las autoridades dijeron que las reparaciones llevarán días. Las escuelas de la región "
    "siguieron cerradas mientras los equipos retiraban árboles caídos de las carreteras.\n"
)


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    args: tuple[str, ...]  # after the program; "{folder}" is the case's folder
    python: bool = False  # run the interpreter itself, not the nutgraf entry point
    bar: bool = False  # the 0.3 s bar applies


CASES = (
    Case("python -c pass (the floor)", ("-c", "pass"), python=True),
    Case(
        "summarize a small English text file (46 words)",
        ("summarize", "{folder}/storm.txt"),
        bar=True,
    ),
    Case(
        "summarize a small German text file (39 words)",
        ("summarize", "{folder}/sturm.txt"),
        bar=True,
    ),
    Case(
        "summarize a small Spanish text file (41 words; the language model loads)",
        ("summarize", "{folder}/tormenta.txt"),
    ),
    Case("summarize the seed page (a text dump, 861 words)", ("summarize", str(PAGE)), bar=True),
    Case("--help (lists every command: imports every module)", ("--help",)),
)


def run_once(
    argv: list[str], *, output: Path | None = None, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run; its standard output goes to
    ``output`` (discarded when None)."""
    with contextlib.ExitStack() as stack:
        stdout = stack.enter_context(output.open("wb")) if output else subprocess.DEVNULL
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"Error: {' '.join(argv)} exited with {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def heaviest_imports(argv: list[str], top: int) -> list[tuple[str, float]]:
    """The packages (names without a dot) whose import took longest, cumulative ms (each
    includes what it imported), from ``-X importtime``."""
    found = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        check=True,
    )
    totals: dict[str, float] = {}
    for line in found.stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].strip()
        if "." not in name and not name.startswith("_"):
            totals[name] = max(totals.get(name, 0.0), int(parts[1]) / 1000)
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


def _install_kind(program: Path) -> str:
    """Whether ``program``'s venv holds nutgraf as an editable install (``make``'s .venv)."""
    venv = program.parent.parent
    if any(venv.glob("lib/python*/site-packages/__editable__*nutgraf*")):
        return "an editable install (`pip install -e .`, as `make` makes .venv)"
    return "a plain install (`python3 -m venv`, `pip install .`)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--output", default=None)
    parser.add_argument(
        "--nutgraf",
        metavar="PATH",
        default=str(Path(sys.executable).parent / "nutgraf"),
        help="the entry point timed (default: this venv's); e.g. a plain `pip install .` venv's",
    )
    args = parser.parse_args(argv)
    program = Path(args.nutgraf)
    python = program.parent / "python"
    if not program.is_file() or not python.is_file():
        print(f"Error: {program} not found in a venv; install nutgraf there", file=sys.stderr)
        return 1
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "storm.txt").write_text(ENGLISH, encoding="utf-8")
        Path(folder, "sturm.txt").write_text(GERMAN, encoding="utf-8")
        Path(folder, "tormenta.txt").write_text(SPANISH, encoding="utf-8")
        runs = []
        for case in CASES:
            head = [str(python)] if case.python else [str(program)]
            runs.append([*head, *(a.replace("{folder}", folder) for a in case.args)])
            run_once(runs[-1])  # warm the file cache
        # The cases take turns, so a busy spell of the machine hits them all alike.
        samples: list[list[tuple[float, float]]] = [[] for _ in CASES]
        for _ in range(args.repeats):
            for taken, run in zip(samples, runs, strict=True):
                taken.append(run_once(run))
        for case, taken in zip(CASES, samples, strict=True):
            walls, cpus = [s[0] for s in taken], [s[1] for s in taken]
            median = statistics.median(walls)
            met = ("yes" if median < BAR_SECONDS else "no") if case.bar else ""
            rows.append(
                f"| {case.name} | {median:.3f} | {min(walls):.3f} | "
                f"{statistics.median(cpus):.3f} | {met} |"
            )
        imports = heaviest_imports(
            [str(python), "-X", "importtime", str(program), "summarize", f"{folder}/storm.txt"],
            top=8,
        )
    lines = [
        "## Start-up (issue 16)",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}.",
        "",
        "```",
        command("benchmarks.startup", argv),
        "```",
        "",
        f"Each command in a fresh process, {args.repeats} runs after one to warm the file "
        "cache, the commands taking turns; seconds from exec to exit. The bar (issue 16): "
        f"`nutgraf summarize` of a small text file under {BAR_SECONDS} s wall. The machine is "
        "shared: the fastest run shows the command on a machine that is free for a moment, "
        "and the floor (`python -c pass`) shows how busy it was.",
        "",
        f"Timed: the `nutgraf` of {_install_kind(program)}.",
        "",
        "| command | median wall s | fastest wall s | median CPU s | under 0.3 s |",
        "|---|---:|---:|---:|---|",
        *rows,
        "",
        "Heaviest imports of `summarize` on the English file (`-X importtime`, cumulative ms, "
        "each includes what it imports; absent: not imported): "
        + ", ".join(f"{name} {ms:.0f}" for name, ms in imports)
        + ".",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.output:
        write_section(Path(args.output), "startup", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
