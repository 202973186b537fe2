"""The summarizer: whole sentences, in order, traceable, without chrome or repeats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nutgraf import Article, Block, extract, summarize
from nutgraf.evaluate import evaluate, read_rows

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = DATA / "pages" / "seed-lublin.txt"

STORY = (
    "The city council approved a new budget on Tuesday after a long debate. "
    "The plan raises spending on schools by 12 percent and cuts road repairs. "
    "Mayor Ana Silva said the vote showed the council cared about children. "
    "Opponents said the road cuts would hurt small businesses in the north. "
    "The budget takes effect in January and runs for two years. "
    "He added that a review would follow in the spring. "
    "Residents can read the full plan on the city website."
)


def test_sentences_come_verbatim_with_offsets_into_the_article_text() -> None:
    article = extract(SEED.read_text(encoding="utf-8"))
    summary = summarize(article, sentences=4)
    assert len(summary.sentences) == 4
    for sentence in summary.sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text
        assert sentence.text in article.paragraphs[sentence.paragraph]
    starts = [s.start for s in summary.sentences]
    assert starts == sorted(starts), "a summary keeps document order"


def test_seed_page_summary_has_no_chrome_and_names_who_what_and_where() -> None:
    article = extract(SEED.read_text(encoding="utf-8"))
    summary = summarize(article)
    text = " ".join(s.text for s in summary.sentences)
    chrome = ["No time to read", "Get a summary", "Read Also", "Source:", "Previous Article"]
    assert not any(line in text for line in chrome)
    assert not any(h in text for h in article.related)
    for name in ("Duda", "Nausėda", "Lublin", "Declaration on Bilateral Relations"):
        assert name in text
    assert summary.language == "en"
    assert summary.reading_minutes == 4


def test_sentence_count_and_word_budget_are_respected_without_cutting() -> None:
    for count in (1, 2, 3, 5):
        assert len(summarize(STORY, sentences=count).sentences) == count
    summary = summarize(STORY, sentences=None, words=30)
    assert 0 < sum(len(s.text.split()) for s in summary.sentences) <= 30
    assert all(s.text.endswith(".") for s in summary.sentences)


def test_word_budget_smaller_than_any_sentence_still_gives_the_best_sentence() -> None:
    summary = summarize(STORY, words=3)
    assert len(summary.sentences) == 1


def test_summaries_are_deterministic() -> None:
    assert summarize(STORY) == summarize(STORY)


def test_near_repeats_are_not_both_chosen() -> None:
    repeated = STORY + " The city council approved a new budget on Tuesday after a long debate."
    texts = [s.text for s in summarize(repeated, sentences=4).sentences]
    assert len(set(texts)) == len(texts)
    assert sum("approved a new budget" in t for t in texts) <= 1


def test_captions_bylines_and_read_more_lines_never_enter_a_summary() -> None:
    blocks = [
        "By John Smith, Staff Reporter",
        "Photo: Reuters/Jane Doe",
        STORY,
        "Read more: Council approves budget for the harbour district next year.",
        "CNN's Maria Lopez contributed to this report.",
    ]
    article = Article(blocks=tuple(Block("paragraph", b) for b in blocks))
    texts = " ".join(s.text for s in summarize(article, sentences=6).sentences)
    for junk in ("John Smith", "Reuters", "Read more", "contributed to this report"):
        assert junk not in texts


def test_the_summary_does_not_open_with_a_dangling_pronoun() -> None:
    text = (
        "Storms swept across the region on Monday, closing schools and roads. "
        "They left thousands of homes without power for a second night. "
        "Power companies said crews from three states were on their way to help. "
        "Officials expect the clean-up to take at least a week."
    )
    first = summarize(text, sentences=2).sentences[0].text
    assert not first.startswith("They ")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Prezydent Andrzej Duda przyjął w Lublinie prezydenta Litwy. Obaj przywódcy "
            "podpisali deklarację o stosunkach dwustronnych. Rozmowy dotyczyły też "
            "bezpieczeństwa regionu i pomocy dla Ukrainy. Wizyta potrwa dwa dni.",
            "pl",
        ),
        (
            "Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen. Es soll die "
            "Mieten in großen Städten begrenzen. Die Opposition kritisierte den Entwurf "
            "scharf. Das Gesetz tritt im Januar in Kraft.",
            "de",
        ),
        (
            "Президент Польши принял в Люблине президента Литвы. Лидеры подписали "
            "декларацию о двусторонних отношениях. Они обсудили безопасность региона и "
            "помощь Украине. Визит продлится два дня.",
            "ru",
        ),
    ],
)
def test_other_languages_get_a_summary_in_their_language(text: str, language: str) -> None:
    summary = summarize(text, sentences=2)
    assert summary.language == language
    assert len(summary.sentences) == 2
    assert all(s.text in text for s in summary.sentences)


def test_empty_article_gives_an_empty_summary() -> None:
    assert summarize(Article()).sentences == ()


def test_quality_floor_on_the_shipped_cnn_sample() -> None:
    """40 CNN validation stories shipped in tests/: measured 33.6 / 14.5 / 29.7.

    Too few stories to compare with Lead-3 reliably; the full-set test below does that.
    """
    report = evaluate(read_rows(DATA / "summaries" / "cnn-dev-sample.jsonl"))
    assert report.rouge1 > 33.0
    assert report.rouge2 > 14.0
    assert report.rouge_lsum > 29.3


def test_quality_floor_on_the_shipped_bbc_sample() -> None:
    """40 BBC articles at reference length: measured 82.4 / 76.7 / 82.1."""
    report = evaluate(
        read_rows(DATA / "summaries" / "bbc-dev2-sample.jsonl"), reference_length=True
    )
    assert report.rouge1 > 81.8
    assert report.rouge2 > 76.0


def test_quality_floors_on_the_full_dev_sets(shared_data: Path) -> None:
    """The issue's bar: ROUGE-1 at least Lead-3 + 1.5 on dev.jsonl, R-2 and R-Lsum above it."""
    rows = read_rows(shared_data / "summaries" / "dev.jsonl")
    ours, lead = evaluate(rows), evaluate(rows, lead=True)
    assert ours.rouge1 >= lead.rouge1 + 1.5
    assert ours.rouge2 > lead.rouge2
    assert ours.rouge_lsum > lead.rouge_lsum
    assert ours.rouge1 > 30.8  # measured 31.28 (Lead-3 28.87)
    bbc = evaluate(read_rows(shared_data / "summaries" / "dev2.jsonl"), reference_length=True)
    assert bbc.rouge1 > 81.8  # measured 82.20 (summa TextRank, the best peer: 82.03)


def test_a_headline_raises_the_sentences_that_echo_it() -> None:
    body = (
        "The council met on Tuesday evening in the town hall to discuss the budget. "
        "Members then voted on a plan to repair the old stone bridge over the canal. "
        "Residents complained about the noise from the new railway depot near the river. "
        "The meeting ended shortly after ten o'clock with thanks to the staff."
    )

    def second_pick(title: str | None) -> str:
        article = Article(title=title, blocks=(Block("paragraph", body),))
        return summarize(article, sentences=2).sentences[1].text

    assert second_pick(None).startswith("Members then voted")
    assert second_pick("Railway depot noise angers residents").startswith("Residents complained")


def test_summaries_of_several_sentences_prefer_the_ones_with_fewer_empty_words() -> None:
    """``LENGTH_WEIGHT``: of two sentences the model scores alike, a summary of three ranks
    first the one that says as much in fewer words without content; one sentence is left
    alone (which one says what happened matters more there)."""
    from nutgraf.nlp.features import SentenceText, sentence_features
    from nutgraf.nlp.summarize import _with_length

    texts = [
        "Rebels seized the airport in Goma on Sunday.",
        "It was on Sunday that the rebels were said to have seized the airport that is in Goma.",
        "Aid agencies moved staff out of the city.",
        "The United Nations called for talks.",
        "Prices of food rose in the markets.",
        "Schools closed for the week.",
        "Banks opened late on Monday.",
        "Flights to the east were cancelled.",
        "Families crossed the border into Rwanda.",
        "The army sent more troops north.",
        "Doctors treated the wounded at the main hospital.",
        "Roads out of the city were blocked.",
    ]  # 12 sentences: three are a quarter, where the model still decides alone
    units = [SentenceText(t, 0, i == 0, tuple(t.split())) for i, t in enumerate(texts)]
    rows = sentence_features(units, "en")
    scores = np.zeros(len(units))
    three = _with_length(scores, rows, 3 / len(units))
    assert three[0] > three[1]
    assert np.array_equal(_with_length(scores, rows, 1 / len(units)), scores)
