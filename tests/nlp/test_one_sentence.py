"""The one-sentence summary says what happened: quality gates against one-sentence references.

Families as in ``benchmarks.summaries``: CNN's first highlight (the newsroom's own one-line
summary) and headlines used as the reference (BBC, AllSides); a headline used as the reference
is never shown to the summarizer.
"""

from __future__ import annotations

import json
from pathlib import Path

from nutgraf import summarize
from nutgraf.evaluate import Row, evaluate, read_rows

DATA = Path(__file__).resolve().parents[1] / "data" / "summaries"


def first_highlight(rows: list[Row]) -> list[Row]:
    return [Row(r.id, r.text, r.reference.strip().split("\n")[0]) for r in rows]


def headlines(path: Path) -> list[Row]:
    """Rows whose reference is the headline (multidoc: its articles, the test split left out)."""
    rows = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            raw = json.loads(line)
            if raw.get("neus_split") == "test":
                continue
            for item in raw.get("articles", [raw]):
                if item.get("title") and item["title"].strip():
                    rows.append(Row(item["id"], item["text"], " ".join(item["title"].split())))
    return rows


def test_one_sentence_floor_on_the_shipped_cnn_sample() -> None:
    """40 CNN stories against their first highlight: measured 30.39 (Lead-1 24.39)."""
    rows = first_highlight(read_rows(DATA / "cnn-dev-sample.jsonl"))
    assert evaluate(rows, sentences=1).rouge1 > 29.5


def test_one_sentence_floor_on_the_shipped_bbc_sample() -> None:
    """40 BBC articles against their headline: measured 23.75 (Lead-1 23.42; 22.34 before the
    lede weight)."""
    rows = headlines(DATA / "bbc-dev2-sample.jsonl")
    assert evaluate(rows, sentences=1).rouge1 > 23.2


def test_one_sentence_floors_on_the_full_families(shared_data: Path) -> None:
    """Measured at one sentence: CNN first highlight 25.65 (Lead-1 21.99), BBC headlines 21.52
    (Lead-1 21.62, still above nutgraf; 20.13 before the lede weight), AllSides headlines 26.71
    (Lead-1 25.74)."""
    cnn = first_highlight(read_rows(shared_data / "summaries" / "dev.jsonl"))
    cnn_ours = evaluate(cnn, sentences=1).rouge1
    assert cnn_ours > 25.0
    assert cnn_ours > evaluate(cnn, sentences=1, lead=True).rouge1 + 3.0
    assert evaluate(headlines(shared_data / "summaries" / "dev2.jsonl"), sentences=1).rouge1 > 21.0
    allsides = headlines(shared_data / "stories" / "multidoc.jsonl")
    allsides_ours = evaluate(allsides, sentences=1).rouge1
    assert allsides_ours > 26.3
    assert allsides_ours > evaluate(allsides, sentences=1, lead=True).rouge1


def test_one_sentence_is_the_one_that_says_what_happened() -> None:
    """Before the lead weight, the model picked a detail ("The plan raises spending...")."""
    story = (
        "The city council approved a new budget on Tuesday after a long debate. "
        "The plan raises spending on schools by 12 percent and cuts road repairs. "
        "Mayor Ana Silva said the vote showed the council cared about children. "
        "Opponents said the road cuts would hurt small businesses in the north. "
        "The budget takes effect in January and runs for two years."
    )
    (picked,) = summarize(story, sentences=1).sentences
    assert picked.text.startswith("The city council approved a new budget")


def test_one_sentence_of_a_bbc_article_is_its_news_not_its_background() -> None:
    """Headline "radcliffe eyes hard line on drugs"; the model alone picked the second sentence
    ("the marathon world record holder believes more needs to be done...")."""
    rows = {r.id: r for r in read_rows(DATA / "bbc-dev2-sample.jsonl")}
    (one,) = summarize(rows["bbc-sport-574"].text, sentences=1).sentences
    assert one.text.startswith("paula radcliffe has called for all athletes")


def test_a_lede_set_apart_is_the_one_sentence_summary() -> None:
    """A first sentence that is a paragraph of its own (``LEDE_WEIGHT``): before it, the model
    picked a detail from the second paragraph ("in a filing to us regulators...", "the sale, at
    guernsey's auction house...")."""
    rows = {r.id: r for r in read_rows(DATA / "bbc-dev2-sample.jsonl")}
    (airline,) = summarize(rows["bbc-business-2114"].text, sentences=1).sentences
    assert airline.text.startswith("shares in continental airlines have tumbled")
    (auction,) = summarize(rows["bbc-entertainment-1576"].text, sentences=1).sentences
    assert auction.text.startswith("a saxophone belonging to legendary jazz musician")


def test_a_call_to_listen_set_apart_is_not_the_lede() -> None:
    """ "listen to the full interview on sport on five..." opens this article as a paragraph of
    its own: page furniture, not what happened."""
    rows = {r.id: r for r in read_rows(DATA / "bbc-dev2-sample.jsonl")}
    for count in (1, 3):
        texts = [s.text for s in summarize(rows["bbc-sport-848"].text, sentences=count).sentences]
        assert texts
        assert not any(text.startswith("listen to") for text in texts)
