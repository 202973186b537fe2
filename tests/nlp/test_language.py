"""Language identification and word lists."""

from __future__ import annotations

import pytest

from nutgraf.nlp import language
from nutgraf.nlp.language import _by_function_words, detect_language, stemmer, stopwords


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "The president of the country said on Monday that the talks with the union were "
            "going well and that a deal was close, according to his office.",
            "en",
        ),
        (
            "Prezydent Andrzej Duda przyjął w Lublinie prezydenta Litwy. To była wizyta, która "
            "pokazała, że oba kraje współpracują i nie boją się zagrożeń ze wschodu.",
            "pl",
        ),
        (
            "Der Bundeskanzler traf sich am Montag mit dem französischen Präsidenten in Berlin, "
            "um über die Lage in der Ukraine zu sprechen.",
            "de",
        ),
        (
            "Президент Польши Анджей Дуда принял президента Литвы в Люблине. Это был визит, "
            "который показал, что страны работают вместе.",
            "ru",
        ),
        (
            "Президент України провів зустріч з головою уряду. Вони обговорили ситуацію на "
            "фронті та допомогу від партнерів.",
            "uk",
        ),
        (
            "Prezident Andrej Kiska sa v pondelok stretol s predsedom vlády, aby rokovali o "
            "situácii na Ukrajine a o pomoci pre krajinu.",
            "sk",
        ),
    ],
)
def test_detects_languages_of_latin_and_cyrillic_scripts(text: str, code: str) -> None:
    assert detect_language(text) == code


def test_too_little_text_defaults_to_english() -> None:
    assert detect_language("OK!") == "en"


def test_word_lists_come_from_the_packages() -> None:
    assert "the" in stopwords("en") and "и" in stopwords("ru") and "się" in stopwords("pl")
    assert stopwords("xx") == frozenset()
    assert stemmer("en")("running") == "run"
    assert stemmer("xx")("running") == "running"


def test_english_stopwords_are_function_words_not_content_words() -> None:
    words = stopwords("en")
    assert {"the", "of", "and", "which", "wouldn't"} <= words
    assert not {"computer", "date", "early", "end", "fact", "million"} & words


@pytest.mark.parametrize(
    ("code", "function_words", "content_words"),
    [
        ("es", "de que la el en y los del se", "conseguir emplear trabajo"),
        ("pt", "de que o a e do da em não", "apontar bom trabalho"),
        ("it", "di che il la e per non", "comprare buono lavoro"),
        ("fr", "de la le les et des que qui", "bon travail"),
        ("nl", "de het een van en niet", "werk"),
        ("de", "der die und nicht dass", "arbeit"),
        ("fi", "ja on ei", "aika"),
        ("nb", "og i det", "arbeid folk"),
        ("sv", "och att det", "adjö"),
        ("pl", "w i na z się że nie ale przez", "praca"),
    ],
)
def test_other_languages_stop_their_commonest_function_words_only(
    code: str, function_words: str, content_words: str
) -> None:
    """The compact lists of the ``stopwords`` package missed Spanish "de" and "que" and held
    "comprare" (to buy) and "aika" (time): Snowball's lists replace them."""
    words = stopwords(code)
    assert set(function_words.split()) <= words
    assert not set(content_words.split()) & words


@pytest.mark.parametrize("code", ["de", "pl", "ru", "uk", "fr", "es", "it", "cs", "bg"])
def test_every_list_is_made_of_letters(code: str) -> None:
    """A list shipped in a broken encoding (the compact Ukrainian one) falls back to another."""
    words = stopwords(code)
    assert len(words) > 50
    assert all(word.replace("'", "").replace("’", "").replace("-", "").isalpha() for word in words)


def test_a_language_without_a_list_has_no_stopwords() -> None:
    assert stopwords("xx") == frozenset()


# A first-person opening: "I", "a" and "to" are Polish function words too, and the first
# 300 characters hold few of the listed English ones.
ESSAY = (
    "I was finishing my studies when the war began four years ago. I had only two subjects "
    "remaining before I graduated from university with a degree in English literature. Since "
    "I was 10 years old, I have loved English and dreamed of becoming a teacher. I want to "
    "teach the younger ones, especially the girls of my village, who had to leave school when "
    "the fighting reached it. Every morning I walk to the camp where a small tent is our "
    "classroom, and I see in the faces of the children that they want to learn as much as I did."
)


def test_words_english_shares_with_polish_do_not_count_against_english() -> None:
    """Named by its function words, so the language model (0.4 s to load) is not needed."""
    assert _by_function_words(ESSAY) == "en"
    polish = (
        "Prezydent Andrzej Duda przyjął w Lublinie prezydenta Litwy. To była wizyta, która "
        "pokazała, że oba kraje współpracują i nie boją się zagrożeń ze wschodu, a także że "
        "wspólne ćwiczenia wojsk na granicy będą kontynuowane w przyszłym roku przez oba kraje."
    )
    assert _by_function_words(polish) is None
    assert detect_language(polish) == "pl"


def test_a_second_longer_look_before_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first 300 characters hold names and few function words; the next ones tell."""

    def no_model(sample: str) -> str:
        raise AssertionError(f"the language model was asked about {sample[:40]!r}")

    opening = (
        "Lewis Hamilton, Nico Rosberg, Sebastian Vettel, Kimi Raikkonen, Felipe Massa, Valtteri "
        "Bottas, Daniel Ricciardo, Daniil Kvyat, Max Verstappen, Carlos Sainz, Romain Grosjean, "
        "Pastor Maldonado, Nico Hulkenberg, Sergio Perez, Jenson Button, Fernando Alonso. "
    )
    text = opening + ESSAY
    assert len(opening) >= 250
    assert _by_function_words(text[:300]) is None
    monkeypatch.setattr(language, "_classify", no_model)
    assert detect_language(text) == "en"
    assert _by_function_words(text[:1500]) == "en"
