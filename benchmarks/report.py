"""Writing a benchmark's section into BENCHMARKS.md, and naming the machine it ran on."""

from __future__ import annotations

import os
import platform
import shlex
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path


def machine() -> str:
    """CPU model, cores, kernel and Python: enough to compare two runs."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            cpu = next(
                line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    uname = platform.uname()
    return (
        f"{cpu} ({uname.machine}), {os.cpu_count()} cores, {uname.system} {uname.release}, "
        f"Python {platform.python_version()}"
    )


def write_section(path: Path, name: str, section: str) -> None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->`` in ``path``,
    or append the section; the rest of the file is kept."""
    start_marker, end_marker = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start_marker}\n{section}{end_marker}\n"
    if not path.exists():
        path.write_text(f"# Benchmarks\n\n{block}", encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    start, end = text.find(start_marker), text.find(end_marker)
    if start >= 0 and end > start:
        text = text[:start] + block.rstrip("\n") + text[end + len(end_marker) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block if text.strip() else block
    path.write_text(text, encoding="utf-8")


def versions(packages: Iterable[str]) -> str:
    """ "name version" of each installed package, comma-separated; missing ones left out."""
    found = []
    for package in packages:
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def command(module: str, argv: Sequence[str] | None) -> str:
    """The command line that produced this run, with the interpreter relative to the cwd."""
    python = Path(sys.executable)
    try:
        shown = str(python.relative_to(Path.cwd()))
    except ValueError:
        shown = str(python)
    args = list(sys.argv[1:] if argv is None else argv)
    return shlex.join([shown, "-m", module, *args])
