"""An article of 60+ words with no finished sentence still gets a summary (issue 16)."""

from __future__ import annotations

from pathlib import Path

from nutgraf.nlp.summarize import summarize
from nutgraf.records import Article, Block

# A real chat quote from the ibash.org.ru feed (../shared/data/feeds/ibash-windows-1251.xml,
# quote #17223): Russian lines with no sentence mark anywhere.
CHAT = (Path(__file__).parents[1] / "data" / "ibash-17223.txt").read_text(encoding="utf-8")


def test_a_text_without_sentence_marks_is_summarized_from_its_units() -> None:
    article = Article(title="Цитата #17223", blocks=(Block("paragraph", CHAT.strip()),))
    assert len(article.text.split()) >= 60
    summary = summarize(article)
    assert summary.sentences
    for sentence in summary.sentences:
        assert article.text[sentence.start : sentence.end] == sentence.text
