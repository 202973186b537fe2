"""A named pipe, a device or another file that is not a regular one is refused at once, in one
line, by every command that reads a path (issue 15, point 11); reading one used to hang.

Each call runs with a deadline: on the code before the fix, the call blocks in ``open()``
until the fixture's teardown opens the pipe's other end, so the test fails instead of hanging.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner, Result

from nutgraf.cli import main
from nutgraf.errors import InputError
from nutgraf.evaluate import read_rows
from nutgraf.ingest.sources import read_source

T = TypeVar("T")
DEADLINE = 5.0  # seconds: the refusal takes microseconds; a blocked open never returns
STORY = (
    "The council approved the budget on Tuesday. Schools get twelve percent more money. "
    "Road repairs will wait until next year. The mayor called it a fair compromise.\n"
)
FIFO_REFUSAL = (
    "is a named pipe (FIFO), not a regular file; give a file, or pipe the input into - "
    "(standard input)"
)


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    yield path
    _release(path)


def _release(path: Path) -> None:
    """Let a reader still blocked on the pipe go (it reads end of file); none waits: no-op."""
    try:
        end = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:  # ENXIO: no reader is waiting
        return
    os.close(end)


def within_deadline(call: Callable[[], T]) -> T:
    """``call()``'s result (or its exception), failing the test if it is still running after
    ``DEADLINE`` seconds."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    if thread.is_alive():
        pytest.fail(f"still blocked after {DEADLINE} s: the special file was opened and read")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def invoke(*args: str) -> Result:
    return within_deadline(lambda: CliRunner().invoke(main, list(args)))


def one_error_line(result: Result) -> str:
    """The command failed with status 1 and one ``Error:`` line, no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output
    return errors[0]


def test_read_source_refuses_a_named_pipe_at_once(fifo: Path) -> None:
    with pytest.raises(InputError) as refused:
        within_deadline(lambda: read_source(str(fifo)))
    assert str(refused.value) == f"{fifo} {FIFO_REFUSAL}"


@pytest.mark.parametrize(
    ("device", "kind"), [("/dev/zero", "a character device"), ("/dev/null", "a character device")]
)
def test_read_source_refuses_a_device(device: str, kind: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} is missing here")
    with pytest.raises(InputError, match=f"^{device} is {kind}, not a regular file"):
        within_deadline(lambda: read_source(device))


def test_standard_input_stays_allowed() -> None:
    result = CliRunner().invoke(main, ["summarize", "-"], input=STORY)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("- ")


@pytest.mark.parametrize("command", ["summarize", "extract"])
def test_summarize_and_extract_refuse_a_named_pipe(fifo: Path, command: str) -> None:
    line = one_error_line(invoke(command, str(fifo)))
    assert line == f"Error: {fifo} {FIFO_REFUSAL}"


def test_the_other_sources_go_on_after_a_refused_pipe(fifo: Path, tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    result = invoke("summarize", str(fifo), str(story))
    assert result.exit_code == 1
    assert "Schools get twelve percent more money." in result.output


def test_ingest_refuses_a_named_pipe(
    fifo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUTGRAF_CONFIG", str(tmp_path / "none.toml"))
    result = invoke("ingest", "--db", str(tmp_path / "a.db"), str(fifo))
    assert one_error_line(result) == f"Error: {fifo}: {fifo} {FIFO_REFUSAL}"
    assert result.output.splitlines()[-1] == "0 new, 0 updated, 0 unchanged, 0 duplicates, 1 failed"


def test_ingest_of_a_folder_skips_the_pipe_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUTGRAF_CONFIG", str(tmp_path / "none.toml"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.mkfifo(inbox / "a-pipe.txt")
    (inbox / "b-story.txt").write_text(STORY, encoding="utf-8")
    try:
        result = invoke("ingest", "--db", str(tmp_path / "a.db"), str(inbox))
    finally:
        _release(inbox / "a-pipe.txt")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "1 new, 0 updated, 0 unchanged, 0 duplicates, 0 failed"


def test_eval_refuses_a_named_pipe(fifo: Path) -> None:
    assert one_error_line(invoke("eval", str(fifo))) == f"Error: {fifo} {FIFO_REFUSAL}"


def test_eval_refuses_binary_input_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe binary \xc3\x28 bytes\n")
    line = one_error_line(invoke("eval", str(data)))
    assert line == (
        f"Error: {data}:1: not UTF-8 text (binary data?); expected JSON lines with id, text, "
        "reference"
    )


def test_eval_refuses_a_line_longer_than_any_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nutgraf.evaluate.MAX_ROW_BYTES", 2 * 2**20)
    data = tmp_path / "data.jsonl"
    data.write_bytes(b"x" * (3 * 2**20))  # no newline: read up to the bound, no further
    with pytest.raises(InputError, match=r"data.jsonl:1: a line over 2 MB"):
        read_rows(data)


def test_eval_refuses_json_nested_too_deeply(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    row = {"id": "1", "text": STORY, "reference": "Schools get more money."}
    data.write_text(json.dumps(row) + "\n" + "[" * 100_000 + "\n", encoding="utf-8")
    assert one_error_line(invoke("eval", str(data))) == (
        f"Error: {data}:2: JSON nested too deeply; expected an object"
    )
