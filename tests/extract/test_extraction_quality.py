"""Quality gate: nutgraf's article bodies on the shared dev pages of both families, in token F1.

The metric is the one of ../shared/PEERS.md and `benchmarks/extraction.py`: per page, the
precision and recall of the lower-cased `\\w+` tokens of ``extract(...).text`` against the
ground-truth body; F1 of the mean precision and mean recall. Measured 2026-11-24: precision
0.975, recall 0.969, F1 0.972 (mean per-page F1 0.967); readability-lxml, the best peer, 0.968.
On the 94 real pages of `extraction-readability/`, measured 2026-12-08: F1 0.962 (page F1
0.961); readability-lxml 0.959, trafilatura 0.958. On its 36 synthetic fixtures: F1 0.969
(page F1 0.962); readability-lxml 0.997, trafilatura 0.924.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from nutgraf.errors import InputError
from nutgraf.extract import extract

F1_FLOOR = 0.965
PAGE_F1_FLOOR = 0.96  # mean of the per-page F1
READABILITY_F1_FLOOR = 0.96
READABILITY_PAGE_F1_FLOOR = 0.955
SYNTHETIC_F1_FLOOR = 0.96
SYNTHETIC_PAGE_F1_FLOOR = 0.95
_TOKEN = re.compile(r"\w+")


def _precision_recall(predicted: str, expected: str) -> tuple[float, float]:
    got = Counter(_TOKEN.findall(predicted.lower()))
    want = Counter(_TOKEN.findall(expected.lower()))
    common = sum((got & want).values())
    if not common:
        return 0.0, 0.0
    return common / sum(got.values()), common / sum(want.values())


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _scores(folder: Path, rows: list[dict[str, Any]]) -> tuple[float, float, str]:
    """F1 of the mean precision and recall, the mean per-page F1, and a summary for failures."""
    scores: dict[str, tuple[float, float]] = {}
    for row in rows:
        html = gzip.decompress((folder / row["html_file"]).read_bytes())
        try:
            text = extract(html, url=row["url"], name="page.html").text
        except InputError:  # no article text found: the page scores 0
            text = ""
        scores[row["id"][:8]] = _precision_recall(text, row["body"])
    precision = sum(p for p, _ in scores.values()) / len(scores)
    recall = sum(r for _, r in scores.values()) / len(scores)
    page_f1 = sum(_f1(p, r) for p, r in scores.values()) / len(scores)
    worst = sorted(scores, key=lambda key: _f1(*scores[key]))[:5]
    summary = (
        f"precision {precision:.3f}, recall {recall:.3f}, F1 {_f1(precision, recall):.3f}, "
        f"page F1 {page_f1:.3f}; worst pages: "
        + ", ".join(f"{key} {_f1(*scores[key]):.2f}" for key in worst)
    )
    return _f1(precision, recall), page_f1, summary


def _rows(folder: Path) -> list[dict[str, Any]]:
    lines = (folder / "ground-truth.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_dev_pages_token_f1(shared_data: Path) -> None:
    folder = shared_data / "extraction"
    rows = _rows(folder)
    assert len(rows) == 131
    f1, page_f1, summary = _scores(folder, rows)
    assert f1 >= F1_FLOOR, summary
    assert page_f1 >= PAGE_F1_FLOOR, summary


def test_readability_pages_token_f1(shared_data: Path) -> None:
    """Mozilla Readability's 94 real test pages (its synthetic fixtures left out)."""
    folder = shared_data / "extraction-readability"
    rows = [row for row in _rows(folder) if not row["synthetic"]]
    assert len(rows) == 94
    f1, page_f1, summary = _scores(folder, rows)
    assert f1 >= READABILITY_F1_FLOOR, summary
    assert page_f1 >= READABILITY_PAGE_F1_FLOOR, summary


def test_readability_synthetic_pages_token_f1(shared_data: Path) -> None:
    """Mozilla Readability's 36 hand-made fixtures: hidden nodes, repeated paragraphs,
    share buttons, pages of headings and pictures."""
    folder = shared_data / "extraction-readability"
    rows = [row for row in _rows(folder) if row["synthetic"]]
    assert len(rows) == 36
    f1, page_f1, summary = _scores(folder, rows)
    assert f1 >= SYNTHETIC_F1_FLOOR, summary
    assert page_f1 >= SYNTHETIC_PAGE_F1_FLOOR, summary
