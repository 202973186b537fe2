"""Story clustering and multi-source summary quality, against floors below measured values.

Measured by ``python -m benchmarks.stories`` (BENCHMARKS.md, "Stories"): B-cubed F1 0.946 on
the held-out (val + test) stream of clusters.jsonl, 0.912 on clusters_leads_2021.jsonl, 0.966
on clusters_basil.jsonl; multi-source ROUGE-1/2 34.70/14.47 on the 106 val + test stories of
multidoc.jsonl (35.51/14.58 on all 484). Those need ../shared/data and skip without it.

The sample in tests/data/stories always runs: 41 articles about 15 invented events over three
weeks, written for nutgraf (see its README). There B-cubed F1 is 0.947 (precision 0.927,
recall 0.967); the TF-IDF baseline scores 0.912, the title-words baseline 0.714, everything
in one story 0.132 and every article alone 0.536. With ``day_penalty`` 0 (a story is the
whole event, over days) F1 is 0.962, recall 1.0. Two of its hard cases are known misses
(``test_sample_known_misses``): the two towns' rent votes a day apart are merged (in both
settings), and by default the next day's report on the dock strike's effect on shops opens
a story of its own (the day penalty of ``StoryOptions``; see there why it is the default).

The multilingual sample (30 articles, 10 events, 8 languages) always runs too: F1 0.950
(precision 1.0; the French report of the wolves, sharing one rare name with the others,
opens a story: across languages a join needs two), 0.950 with ``day_penalty`` 0.05 too (0.974
and 1.0 before issue 16 asked for strong evidence across languages); the TF-IDF baseline
scores 0.500 and the title-words baseline 0.600.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nutgraf.nlp.sentences import split_sentences
from nutgraf.records import Article, Block
from nutgraf.stories.baselines import cluster_by_tfidf, cluster_by_title_words
from nutgraf.stories.bcubed import score_bcubed
from nutgraf.stories.cluster import StoryDocument, StoryOptions, cluster_documents
from nutgraf.stories.summary import summarize_story

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "stories" / "clusters-sample.jsonl"
SAMPLE_FLOOR_F1 = 0.93
SAMPLE_FLOOR_PRECISION = 0.90


def read_stream(
    path: Path, held_out_only: bool = False
) -> tuple[list[StoryDocument], dict[str, str]]:
    documents, gold = [], {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if held_out_only and "-train-" in row["cluster"]:
                continue
            documents.append(
                StoryDocument(
                    row["id"],
                    row["time"],
                    row["title"] or "",
                    row["text"],
                    row["source"],
                    row["lang"],
                )
            )
            gold[row["id"]] = row["cluster"]
    return documents, gold


MULTILINGUAL = SAMPLE.with_name("clusters-multilingual.jsonl")
MULTILINGUAL_FLOOR_F1 = 0.95


@pytest.mark.parametrize(
    ("sample", "floor"), [(SAMPLE, SAMPLE_FLOOR_F1), (MULTILINGUAL, MULTILINGUAL_FLOOR_F1)]
)
def test_samples_floor_and_beat_both_baselines(sample: Path, floor: float) -> None:
    documents, gold = read_stream(sample)
    score = score_bcubed(cluster_documents(documents), gold)
    assert score.f1 >= floor
    assert score.precision >= SAMPLE_FLOOR_PRECISION
    assert score.f1 > score_bcubed(cluster_by_title_words(documents), gold).f1
    assert score.f1 > score_bcubed(cluster_by_tfidf(documents), gold).f1


def test_sample_floor_rejects_one_story_and_all_alone() -> None:
    documents, gold = read_stream(SAMPLE)
    one_story = {d.id: 0 for d in documents}
    all_alone = {d.id: i for i, d in enumerate(documents)}
    assert score_bcubed(one_story, gold).f1 < SAMPLE_FLOOR_F1
    assert score_bcubed(all_alone, gold).f1 < SAMPLE_FLOOR_F1


def sample_stories(options: StoryOptions | None = None) -> dict[str, set[int]]:
    """Each gold event of the sample and the stories nutgraf put its articles in."""
    documents, gold = read_stream(SAMPLE)
    story = cluster_documents(documents, options)
    found: dict[str, set[int]] = {}
    for article, event in gold.items():
        found.setdefault(event, set()).add(story[article])
    return found


@pytest.mark.parametrize("day_penalty", [None, 0.0])
def test_sample_hard_cases(day_penalty: float | None) -> None:
    found = sample_stories(None if day_penalty is None else StoryOptions(day_penalty=day_penalty))
    # Three reports of the first event, although the index has seen nothing before them.
    assert len(found["nutgraf-rate-rise"]) == 1
    # One event, three very different headlines.
    assert len(found["nutgraf-penhallow-breach"]) == 1
    # Two storms two days apart, and a cup final that mentions the first one.
    assert found["nutgraf-storm-ilse"].isdisjoint(found["nutgraf-storm-joran"])
    assert found["nutgraf-storm-ilse"].isdisjoint(found["nutgraf-cup-final"])
    # Follow-ups more than a week later are new events.
    assert found["nutgraf-dock-strike"].isdisjoint(found["nutgraf-dock-deal"])
    assert found["nutgraf-ebbridge-rent-cap"].isdisjoint(found["nutgraf-ebbridge-lawsuit"])
    # The single-article event stays alone.
    (museum,) = found["nutgraf-marlcombe-museum"]
    others = [stories for event, stories in found.items() if event != "nutgraf-marlcombe-museum"]
    assert all(museum not in stories for stories in others)
    # Next-day reports: the storm's damage joins by default, the shops' worries only
    # without a day penalty (the default's known miss).
    assert len(found["nutgraf-storm-ilse"]) == 1
    if day_penalty == 0.0:
        multi_day = ("dock-strike", "ashcombe-byelection", "ebbridge-lawsuit")
        assert all(len(found[f"nutgraf-{event}"]) == 1 for event in multi_day)


@pytest.mark.xfail(strict=True, reason="known miss; see the module docstring")
@pytest.mark.parametrize("case", ["two council votes", "coverage over two days"])
def test_sample_known_misses(case: str) -> None:
    found = sample_stories()
    if case == "two council votes":
        assert found["nutgraf-ebbridge-rent-cap"].isdisjoint(found["nutgraf-fenwarden-rent-vote"])
    else:
        assert len(found["nutgraf-dock-strike"]) == 1


def test_multilingual_hard_cases() -> None:
    documents, gold = read_stream(MULTILINGUAL)
    story = cluster_documents(documents, StoryOptions(day_penalty=0.05))
    found: dict[str, set[int]] = {}
    for article, event in gold.items():
        found.setdefault(event.removeprefix("nutgraf-ml-"), set()).add(story[article])
    # Every event is one story across its languages, over its days; nothing else joins it.
    # But two reports that share one rare name with the rest: across languages a join needs
    # two (issue 16). The French report of the wolves names only "Harl" and the country (in
    # half the sample); the Portuguese shepherds, the next day, only "Wexmoor".
    apart = {event for event, stories in found.items() if len(stories) > 1}
    assert apart == {"harl-wolves", "wexmoor-fire"}
    assert all(len(found[event]) == 2 for event in apart)
    assert len(set.union(*found.values())) == len(found) + 2
    # The reports of the resignation share no number: names alone join French, Spanish and
    # Italian. The two strikes are a day apart and the second's reports name the first.
    languages = {d.language for d in documents if gold[str(d.id)].endswith("quist-resignation")}
    assert languages == {"fr", "es", "it"}
    assert found["tolland-bus-strike"] != found["halvery-rail-strike"]
    assert found["tolland-bus-strike"] != found["tolland-bus-deal"]


def test_held_out_stream_floor_and_beats_the_tfidf_baseline(shared_data: Path) -> None:
    documents, gold = read_stream(shared_data / "stories" / "clusters.jsonl", held_out_only=True)
    score = score_bcubed(cluster_documents(documents), gold)
    baseline = score_bcubed(cluster_by_tfidf(documents), gold)
    assert score.f1 >= 0.93
    assert score.f1 > baseline.f1


def test_basil_and_leads_floors(shared_data: Path) -> None:
    for name, floor in (("clusters_basil.jsonl", 0.95), ("clusters_leads_2021.jsonl", 0.89)):
        documents, gold = read_stream(shared_data / "stories" / name)
        assert score_bcubed(cluster_documents(documents), gold).f1 >= floor, name


def test_multi_source_summary_rouge_floor(shared_data: Path) -> None:
    pytest.importorskip(
        "rouge_score", reason="the eval extra is not installed (pip install -e '.[dev]')"
    )
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    with (shared_data / "stories" / "multidoc.jsonl").open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    rows = [row for row in rows if row["neus_split"] != "train"]
    totals = [0.0, 0.0]
    for row in rows:
        story = [
            (
                a["id"],
                Article(
                    title=a["title"],
                    blocks=tuple(
                        Block("paragraph", p) for p in a["text"].split("\n\n") if p.strip()
                    ),
                    source=a["source"],
                    language="en",
                ),
            )
            for a in row["articles"]
        ]
        summary = summarize_story(story, sentences=3)
        reference = "\n".join(row["reference"][s:e] for s, e in split_sentences(row["reference"]))
        scores = scorer.score(reference, "\n".join(s.text for s in summary.sentences))
        totals[0] += scores["rouge1"].fmeasure
        totals[1] += scores["rouge2"].fmeasure
    rouge1, rouge2 = (100 * t / len(rows) for t in totals)
    assert rouge1 >= FLOOR_ROUGE1
    assert rouge2 >= FLOOR_ROUGE2


FLOOR_ROUGE1 = 34.0
FLOOR_ROUGE2 = 13.8
