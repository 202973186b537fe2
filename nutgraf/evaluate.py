"""Measure the summarizer against human summaries with Google's rouge-score.

ROUGE-1, ROUGE-2 and ROUGE-Lsum F1 x 100, Porter stemming on, Lsum over newline-separated
sentences on both sides: the setting the CNN/DailyMail literature reports.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from nutgraf.errors import InputError, NutgrafError
from nutgraf.extract import extract
from nutgraf.ingest.sources import MAX_INPUT_BYTES, open_regular
from nutgraf.nlp.summarize import lead as lead_summary
from nutgraf.nlp.summarize import summarize
from nutgraf.records import Summary

METRICS = ("rouge1", "rouge2", "rougeLsum")
# The longest line read: an article at the input limit, every character written as a
# six-byte \uXXXX escape. A longer line (a binary file has no newlines) is refused unread.
MAX_ROW_BYTES = 6 * MAX_INPUT_BYTES


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    text: str
    reference: str


@dataclass(frozen=True, slots=True)
class Report:
    articles: int
    rouge1: float
    rouge2: float
    rouge_lsum: float
    articles_per_second: float
    predictions: tuple[dict[str, Any], ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "rouge1": round(self.rouge1, 2),
            "rouge2": round(self.rouge2, 2),
            "rougeLsum": round(self.rouge_lsum, 2),
            "articles_per_second": round(self.articles_per_second, 1),
        }


def read_rows(path: Path) -> list[Row]:
    """Rows ``{"id", "text", "reference"}`` of a JSON-lines file (other keys are ignored).

    Raises:
        InputError: the path is not a regular file (a named pipe or a device would hang the
            read), or a line is not UTF-8, not a JSON object with text and reference, or over
            ``MAX_ROW_BYTES`` (one line naming the file and line).
    """
    rows = []
    with open_regular(str(path)) as handle:
        for number, raw in enumerate(iter(partial(handle.readline, MAX_ROW_BYTES + 1), b""), 1):
            where = f"{path}:{number}"
            if len(raw) > MAX_ROW_BYTES:
                raise InputError(
                    f"{where}: a line over {MAX_ROW_BYTES // 2**20} MB; expected one JSON "
                    "object (id, text, reference) a line"
                )
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(
                    f"{where}: not UTF-8 text (binary data?); expected JSON lines with id, "
                    "text, reference"
                ) from None
            if line.strip():
                rows.append(_row(line, where))
    if not rows:
        raise InputError(f"{path} holds no rows; expected JSON lines with id, text, reference")
    return rows


def _row(line: str, where: str) -> Row:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: not valid JSON ({error.msg})") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested too deeply; expected an object") from None
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected a JSON object with id, text, reference")
    missing = [k for k in ("text", "reference") if not isinstance(raw.get(k), str)]
    if missing:
        raise InputError(f"{where}: missing or non-text field(s): {', '.join(missing)}")
    return Row(str(raw.get("id", where)), raw["text"], raw["reference"])


def evaluate(
    rows: Sequence[Row],
    *,
    sentences: int = 3,
    reference_length: bool = False,
    lead: bool = False,
) -> Report:
    """Summarize every row and score it; speed counts extraction and summarizing only.

    With ``lead`` the Lead-N baseline (the first sentences) is scored instead, split the same
    way. Speed is the steady state: one untimed call first loads the model.

    Raises:
        NutgrafError: rouge-score (the ``eval`` extra) is not installed.
    """
    rouge_scorer = _rouge_scorer()
    system = lead_summary if lead else summarize
    if rows:
        _summarize_row(rows[0], 1, system)

    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = dict.fromkeys(METRICS, 0.0)
    predictions = []
    elapsed = 0.0
    for row in rows:
        count = _reference_lines(row.reference) if reference_length else sentences
        started = time.perf_counter()
        summary = _summarize_row(row, count, system)
        elapsed += time.perf_counter() - started
        predictions.append({"id": row.id, "summary": summary})
        scores = scorer.score(row.reference, "\n".join(summary))
        for metric in METRICS:
            totals[metric] += scores[metric].fmeasure
    n = len(rows)
    return Report(
        articles=n,
        rouge1=100 * totals["rouge1"] / n,
        rouge2=100 * totals["rouge2"] / n,
        rouge_lsum=100 * totals["rougeLsum"] / n,
        articles_per_second=n / elapsed if elapsed else 0.0,
        predictions=tuple(predictions),
    )


def _rouge_scorer() -> Any:
    """rouge-score's scorer module, which only evaluation needs (not in the core install)."""
    try:
        from rouge_score import rouge_scorer
    except ImportError:
        raise NutgrafError(
            "nutgraf eval needs rouge-score, which the core install leaves out: "
            "pip install 'nutgraf[eval]'"
        ) from None
    return rouge_scorer


def _summarize_row(row: Row, count: int, system: Callable[..., Summary]) -> list[str]:
    try:
        return [s.text for s in system(extract(row.text), sentences=count).sentences]
    except NutgrafError:
        return []  # an empty article scores zero rather than vanishing from the mean


def ngram_f1(candidate: Counter[tuple[str, ...]], reference: Counter[tuple[str, ...]]) -> float:
    """ROUGE-N F1 from n-gram counts, clipped as rouge-score clips them."""
    overlap = sum((candidate & reference).values())
    if not overlap:
        return 0.0
    precision = overlap / sum(candidate.values())
    recall = overlap / sum(reference.values())
    return 2 * precision * recall / (precision + recall)


def _reference_lines(reference: str) -> int:
    return max(1, sum(1 for line in reference.splitlines() if line.strip()))
