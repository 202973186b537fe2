"""``nutgraf summarize`` over many files, as a user runs it, against sumy LexRank (issue 19).

    .venv/bin/python -m benchmarks.summarize_cli [--stories 600] [--repeats 5]
        [--output BENCHMARKS.md]

Writes the first ``--stories`` stories of ``../shared/data/summaries/dev.jsonl`` (CNN) as text
files into a temporary folder, then times, from exec to exit, wall and CPU (user + system of
the process, ``os.wait4``):

- ``nutgraf summarize`` over all the files in one process: the installed entry point beside
  this interpreter (``--nutgraf PATH`` for another), as ``benchmarks/startup.py`` finds it;
- sumy LexRank over the same files in one Python process: a script written as sumy's README
  shows (``PlaintextParser``, ``Tokenizer``, ``Stemmer``, stop words; 3 sentences each), its
  imports and start-up included, printing each file's summary as nutgraf does. NLTK's Punkt
  data comes from ``benchmarks.nltk_offline`` (on ``NLTK_DATA``), written before the timing.

Each is run once to warm the file cache, then ``--repeats`` times, the two taking turns, so a
busy spell of the shared machine hits both alike. The goal (issue 19, part 3): nutgraf at
least 10 times faster. Both outputs are checked to hold one summary per file.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import command, machine, versions, write_section
from benchmarks.startup import run_once

DATA = Path(__file__).resolve().parent.parent / ".." / "shared" / "data" / "summaries"
GOAL = 10.0
SENTENCES = 3

# What a user of sumy would write to summarize many files in one process (sumy's README).
SUMY_SCRIPT = textwrap.dedent(
    f"""\
    import sys

    from sumy.nlp.stemmers import Stemmer
    from sumy.nlp.tokenizers import Tokenizer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = Tokenizer("english")
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as handle:
            document = PlaintextParser.from_string(handle.read(), tokenizer).document
        print(f"==> {{path}} <==")
        for sentence in summarizer(document, {SENTENCES}):
            print(f"- {{sentence}}")
        print()
    """
)


@dataclass(frozen=True, slots=True)
class Run:
    name: str
    argv: list[str]
    env: dict[str, str]


def write_stories(data: Path, folder: Path, count: int) -> list[str]:
    """The first ``count`` stories of dev.jsonl as ``story-NNNN.txt`` files; their paths."""
    paths = []
    with (data / "dev.jsonl").open(encoding="utf-8") as rows:
        for i, line in enumerate(rows):
            if i == count:
                break
            path = folder / f"story-{i:04d}.txt"
            path.write_text(json.loads(line)["text"], encoding="utf-8")
            paths.append(str(path))
    if len(paths) < count:
        raise SystemExit(f"Error: {data / 'dev.jsonl'} holds {len(paths)} stories, not {count}")
    return paths


def count_summaries(output: Path) -> int:
    return output.read_text(encoding="utf-8").count("==> ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--output", default=None)
    parser.add_argument(
        "--nutgraf",
        metavar="PATH",
        default=str(Path(sys.executable).parent / "nutgraf"),
        help="the entry point timed (default: this venv's)",
    )
    args = parser.parse_args(argv)
    program = Path(args.nutgraf)
    if not program.is_file():
        print(f"Error: {program} not found; install nutgraf in this venv", file=sys.stderr)
        return 1
    try:
        from benchmarks.nltk_offline import check_sent_tokenize, install_punkt_tab

        nltk_data = install_punkt_tab().parents[2]  # .../nltk_data/tokenizers/punkt_tab/english
        check_sent_tokenize()
    except (ImportError, RuntimeError) as error:
        print(f"Error: sumy's NLTK data cannot be set up: {error}", file=sys.stderr)
        return 1
    env = {**os.environ, "NLTK_DATA": str(nltk_data)}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        paths = write_stories(args.data, folder, args.stories)
        script = folder / "sumy_lexrank.py"
        script.write_text(SUMY_SCRIPT, encoding="utf-8")
        runs = [
            Run("nutgraf summarize", [str(program), "summarize", *paths], env),
            Run("sumy LexRank", [sys.executable, str(script), *paths], env),
        ]
        outputs = [folder / "nutgraf.out", folder / "sumy.out"]
        for run, output in zip(runs, outputs, strict=True):
            run_once(run.argv, output=output, env=run.env)  # warm the file cache
            found = count_summaries(output)
            if found != args.stories:
                raise SystemExit(f"Error: {run.name} gave {found} summaries, not {args.stories}")
        samples: list[list[tuple[float, float]]] = [[] for _ in runs]
        for _ in range(args.repeats):
            for taken, run, output in zip(samples, runs, outputs, strict=True):
                taken.append(run_once(run.argv, output=output, env=run.env))
    walls = [statistics.median(s[0] for s in taken) for taken in samples]
    fastest = [min(s[0] for s in taken) for taken in samples]
    cpus = [statistics.median(s[1] for s in taken) for taken in samples]
    rows = [
        f"| {run.name} | {wall:.2f} | {best:.2f} | {cpu:.2f} | {1000 * cpu / args.stories:.2f} |"
        for run, wall, best, cpu in zip(runs, walls, fastest, cpus, strict=True)
    ]
    wall_ratio, best_ratio, cpu_ratio = (
        walls[1] / walls[0],
        fastest[1] / fastest[0],
        cpus[1] / cpus[0],
    )
    met = "met" if min(wall_ratio, cpu_ratio) >= GOAL else "not met"
    lines = [
        "## `nutgraf summarize` over 600 files against sumy LexRank (issue 19)",
        "",
        f"Measured {datetime.date.today().isoformat()} on {machine()}; "
        f"{versions(['nutgraf', 'sumy', 'nltk', 'numpy'])}.",
        "",
        "```",
        command("benchmarks.summarize_cli", argv),
        "```",
        "",
        f"The first {args.stories} stories of `dev.jsonl` (CNN) as text files, {SENTENCES} "
        "sentences each, everything in one process per tool, seconds from exec to exit "
        f"(start-up included): {args.repeats} runs after one to warm the file cache, the two "
        "taking turns. nutgraf: the installed `nutgraf summarize FILE...`; sumy: a script "
        "written as sumy's README shows (`PlaintextParser`, `Tokenizer`, `Stemmer`, stop "
        "words, `LexRankSummarizer`), printing each summary as nutgraf does. CPU is user + "
        "system time of the process; the machine is shared, so wall time varies more.",
        "",
        "| system | median wall s | fastest wall s | median CPU s | CPU ms per file |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
        f"sumy LexRank / nutgraf: **{wall_ratio:.1f}x** median wall, {best_ratio:.1f}x fastest "
        f"wall, **{cpu_ratio:.1f}x** CPU. Goal (issue 19): at least {GOAL:.0f}x: {met}.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.output:
        write_section(Path(args.output), "summarize-cli", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
