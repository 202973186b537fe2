"""Language identification and per-language word lists, from maintained packages.

py3langid (a bundled model, no download) names the language; stopwordsiso gives its
stopwords; PyStemmer (Snowball) stems where a stemmer exists for it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol

import py3langid
import Stemmer
import stopwordsiso

DEFAULT_LANGUAGE = "en"
_SAMPLE_CHARS = 2000
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)

# ISO 639-1 code -> Snowball algorithm name (PyStemmer).
_SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech",
    "da": "danish", "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "no": "norwegian", "nb": "norwegian", "fa": "persian", "pl": "polish",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish",
    "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}


class StemFunction(Protocol):
    def __call__(self, word: str) -> str: ...


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of ``text``'s language, or ``en`` when there is too little text."""
    sample = text[:_SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < 12:
        return DEFAULT_LANGUAGE
    code, _score = py3langid.classify(sample)
    return str(code)


@lru_cache(maxsize=64)
def stopwords(language: str) -> frozenset[str]:
    """Lower-cased stopwords for ``language`` (empty when stopwords-iso has no list for it)."""
    if language not in stopwordsiso.langs():
        return frozenset()
    return frozenset(w.lower() for w in stopwordsiso.stopwords(language))


@lru_cache(maxsize=64)
def stemmer(language: str) -> StemFunction:
    """A cached stemming function for ``language``; identity when Snowball has none."""
    algorithm = _SNOWBALL.get(language)
    if algorithm is None:
        return _identity
    stem_word = Stemmer.Stemmer(algorithm).stemWord
    return lru_cache(maxsize=200_000)(stem_word)  # type: ignore[no-any-return]


def _identity(word: str) -> str:
    return word
