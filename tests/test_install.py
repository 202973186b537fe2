"""What a plain install carries and what a command loads: no evaluation-only package in the
core, and ``nutgraf summarize`` of a small text file without the heavy modules it does not need.

Each check runs in a child process, so what this test session imported already does not count.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EVAL_ONLY = ("rouge_score", "nltk", "absl")
# A short English text file: plain text, whose language the function-word check names.
SMALL = (
    "Storm hits coast\n\n"
    "A strong storm hit the northern coast on Monday, cutting power to thousands of homes. "
    "Officials said repairs would take days. Schools in the region stayed closed while crews "
    "cleared fallen trees from the roads. The weather service expects calmer winds by Wednesday.\n"
)


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_core_dependencies_hold_no_evaluation_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    names = [d.split(">")[0].split("[")[0].strip().lower() for d in project["dependencies"]]
    assert not {"rouge-score", "rouge_score", "nltk", "absl-py"} & set(names)
    assert any(d.startswith("rouge-score") for d in project["optional-dependencies"]["eval"])


def test_no_nutgraf_module_imports_an_evaluation_package() -> None:
    # With rouge_score, nltk and absl made unimportable, every module of the package imports.
    result = _python(
        """
        import importlib, pkgutil, sys
        for name in sys.argv[1:]:
            sys.modules[name] = None
        import nutgraf
        for module in pkgutil.walk_packages(nutgraf.__path__, "nutgraf."):
            if module.name not in ("nutgraf.__main__",):
                importlib.import_module(module.name)
        print(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[1:]))
        """,
        *EVAL_ONLY,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['absl', 'nltk', 'rouge_score']"  # the blocks, unused


def test_eval_without_rouge_score_says_how_to_install_it() -> None:
    data = DATA / "summaries" / "cnn-dev-sample.jsonl"
    result = _python(
        """
        import sys
        sys.modules["rouge_score"] = None  # as in an install without the eval extra
        from nutgraf.cli import main
        main(["eval", sys.argv[1]])
        """,
        str(data),
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Error: nutgraf eval needs rouge-score, which the core install leaves out: "
        "pip install 'nutgraf[eval]'\n"
    )


def test_summarize_a_small_text_file_loads_no_heavy_module(tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text(SMALL, encoding="utf-8")
    heavy = (
        "trafilatura",  # HTML extraction
        "lxml",
        "py3langid",  # the language model: English is named by its function words
        "httpx",  # fetching
        "starlette",  # the site
        "uvicorn",
        "sqlite3",  # the archive
        "nutgraf.store",
        "nutgraf.batch",
        "rouge_score",
    )
    result = _python(
        """
        import sys
        from nutgraf.cli import main
        try:
            main(["summarize", sys.argv[1]])
        except SystemExit as stop:
            assert not stop.code, stop.code
        print("loaded:", *sorted(m for m in sys.argv[2:] if m in sys.modules))
        """,
        str(source),
        *heavy,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Storm hits coast"
    assert lines[1].startswith("- A strong storm hit the northern coast")
    assert lines[-1] == "loaded:"


def test_every_command_is_still_listed_and_runs() -> None:
    # The commands of the lazily imported modules are found by name and listed in --help.
    from click.testing import CliRunner

    from nutgraf.cli import main

    listed = CliRunner().invoke(main, ["--help"])
    assert listed.exit_code == 0, listed.output
    for name in ("ingest", "add-feed", "feeds", "poll", "serve", "stories", "backfill", "worker"):
        assert f"  {name} " in listed.output
    assert CliRunner().invoke(main, ["feeds", "--help"]).exit_code == 0
    unknown = CliRunner().invoke(main, ["no-such-command"])
    assert unknown.exit_code == 2 and "No such command 'no-such-command'" in unknown.output
