"""The command line: the contract other tools read, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nutgraf.cli import main

DATA = Path(__file__).resolve().parent / "data"
SEED = DATA / "pages" / "seed-lublin.txt"
EXPECTED = json.loads((DATA / "pages" / "seed-lublin.expected.json").read_text("utf-8"))
STORY = (
    "The council approved the budget on Tuesday. Schools get twelve percent more money. "
    "Road repairs will wait until next year. The mayor called it a fair compromise.\n"
)


def run(*args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real entry point in a child process, as a user would."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    completed = subprocess.run(
        [sys.executable, "-m", "nutgraf", *args], input=data, capture_output=True, check=False
    )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8"),
        completed.stderr.decode("utf-8"),
    )


def test_extract_json_reproduces_the_seed_page_labels() -> None:
    result = CliRunner().invoke(main, ["extract", "--json", str(SEED)])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["title"] == EXPECTED["title"]
    assert got["source"] == EXPECTED["source"]
    assert got["byline"] is None and got["published"] is None
    assert got["subheadings"] == EXPECTED["subheadings"]
    assert got["paragraphs"] == EXPECTED["body_paragraphs"]
    assert got["related"] == EXPECTED["related_headlines"]
    assert got["previous"] == EXPECTED["previous_article"]
    assert got["next"] == EXPECTED["next_article"]
    assert got["language"] == "en"
    assert got["text"] == "\n\n".join(EXPECTED["body_paragraphs"])
    for key in ("title", "source", "byline", "published", "language", "subheadings"):
        assert key in got
    for key in ("paragraphs", "related", "previous", "next", "text"):
        assert key in got


def test_summarize_json_keys_and_offsets(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    result = CliRunner().invoke(main, ["summarize", "--json", str(SEED), str(story)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 2
    seed = lines[0]
    assert {"title", "source", "language", "reading_minutes", "summary"} <= seed.keys()
    assert seed["source"] == "wPolityce"
    assert len(seed["summary"]) == 3
    text = "\n\n".join(EXPECTED["body_paragraphs"])
    for item in seed["summary"]:
        assert set(item) == {"text", "paragraph", "start", "end"}
        assert text[item["start"] : item["end"]] == item["text"]


def test_summarize_prints_bullets_and_honours_sentences_and_words() -> None:
    result = CliRunner().invoke(main, ["summarize", "--sentences", "2", str(SEED)])
    assert result.exit_code == 0
    bullets = [line for line in result.output.splitlines() if line.startswith("- ")]
    assert len(bullets) == 2
    result = CliRunner().invoke(main, ["summarize", "--words", "40", "--json", str(SEED)])
    words = sum(len(s["text"].split()) for s in json.loads(result.output)["summary"])
    assert 0 < words <= 40


def test_stdin_is_read_with_a_dash() -> None:
    result = run("summarize", "--sentences", "1", "-", stdin=STORY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("- ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"   \n\t\n  ", "no text"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary"),
        (bytes(range(128, 256)) * 8, "not valid UTF-8"),
    ],
    ids=["missing", "empty", "whitespace", "binary", "undecodable"],
)
def test_bad_input_gets_one_line_error_and_exit_1(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    result = run("summarize", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert message in lines[0]


def test_too_large_input_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"All work and no play. " * 300_000)  # 6.6 MB
    result = run("extract", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "limit" in result.stderr


def test_a_bad_source_does_not_stop_the_others(tmp_path: Path) -> None:
    result = run("summarize", "--json", str(tmp_path / "missing.txt"), str(SEED))
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr.count("Error: ") == 1


def test_eval_prints_scores_and_writes_predictions(tmp_path: Path) -> None:
    pytest.importorskip(
        "rouge_score", reason="the eval extra is not installed (pip install -e '.[dev]')"
    )
    data = DATA / "summaries" / "cnn-dev-sample.jsonl"
    output = tmp_path / "preds.jsonl"
    result = CliRunner().invoke(main, ["eval", str(data), "--json", "--output", str(output)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert set(report) == {"articles", "rouge1", "rouge2", "rougeLsum", "articles_per_second"}
    assert report["articles"] == 40
    assert 25 < report["rouge1"] < 60
    predictions = [json.loads(line) for line in output.read_text("utf-8").splitlines()]
    assert len(predictions) == 40
    assert set(predictions[0]) == {"id", "summary"}
    assert all(len(p["summary"]) == 3 for p in predictions)
    plain = CliRunner().invoke(main, ["eval", str(data), "--sentences", "2"])
    assert "ROUGE-1" in plain.output and "ROUGE-Lsum" in plain.output


def test_eval_rejects_a_malformed_data_file(tmp_path: Path) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "a", "text": "x", "reference": "y"}\nnot json\n', encoding="utf-8")
    result = run("eval", str(data))
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: {data}:2: not valid JSON (Expecting value)"


def test_no_source_reads_standard_input_and_empty_input_is_an_error() -> None:
    assert run("summarize", "--sentences", "1", stdin=STORY).stdout.startswith("- ")
    result = run("summarize", stdin=b"")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1


def test_summarize_of_many_files_prints_one_block_each(tmp_path: Path) -> None:
    """Each file's block is written at once: its name, its title,
    its sentences, then a blank line."""
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(
        "Storm hits\n\nA strong storm hit the northern coast on Monday, cutting power.\n",
        encoding="utf-8",
    )
    second.write_text("Officials said repairs would take several more days.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["summarize", str(first), str(second)])
    assert result.exit_code == 0
    assert result.output == (
        f"==> {first} <==\nStorm hits\n"
        "- A strong storm hit the northern coast on Monday, cutting power.\n\n"
        f"==> {second} <==\n- Officials said repairs would take several more days.\n\n"
    )
