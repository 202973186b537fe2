"""Train the sentence scorer shipped as ``nutgraf/nlp/model.json``.

    make model        # or: .venv/bin/python scripts/train_model.py

Reads ``../shared/data/summaries/train.jsonl.gz`` (6,891 CNN stories with their highlights),
never ``dev.jsonl`` or ``dev2.jsonl`` (those measure the result). Each sentence is labelled
with how much of the highlights it covers (mean of its ROUGE-1 and ROUGE-2 F1 against them,
as Google's rouge-score tokenizes and stems), and a small neural network (one hidden layer,
scikit-learn) learns to predict that label from ``nutgraf.nlp.features``. Half of the stories
are flattened to one paragraph so the model also fits one-line texts. Everything is seeded:
the same data gives the same file.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from rouge_score import tokenize
from rouge_score.rouge_scorer import _create_ngrams  # the scorer's own n-gram counting
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nutgraf.evaluate import ngram_f1  # noqa: E402
from nutgraf.nlp.features import FEATURE_NAMES, sentence_features  # noqa: E402
from nutgraf.nlp.summarize import _is_eligible, _sentences  # noqa: E402
from nutgraf.records import Article, Block  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "summaries" / "train.jsonl.gz"
MODEL_PATH = ROOT / "nutgraf" / "nlp" / "model.json"
MODEL_VERSION = 1
SEED = 20261123
HIDDEN = 48
MEMBERS = 5


class Labeller:
    """ROUGE-1/2 F1 of a sentence against a reference, with rouge-score's tokens and stems."""

    def __init__(self) -> None:
        from nltk.stem import porter

        self._stemmer = porter.PorterStemmer()
        self._cache: dict[str, str] = {}

    def tokens(self, text: str) -> list[str]:
        words = tokenize.tokenize(text, None)
        out = []
        for w in words:
            stem = self._cache.get(w)
            if stem is None:
                stem = self._stemmer.stem(w) if len(w) > 3 else w
                self._cache[w] = stem
            out.append(stem)
        return out

    def label(self, sentence: str, highlights: list[list[str]]) -> float:
        """How well the sentence could stand for one highlight: the best line's ROUGE-1/2."""
        tokens = self.tokens(sentence)
        one, two = _create_ngrams(tokens, 1), _create_ngrams(tokens, 2)
        return max(
            (ngram_f1(one, _create_ngrams(line, 1)) + ngram_f1(two, _create_ngrams(line, 2))) / 2
            for line in highlights
        )


def build_article(text: str, flatten: bool) -> Article:
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    if flatten:
        paragraphs = [" ".join(paragraphs)]
    return Article(blocks=tuple(Block("paragraph", " ".join(p.split())) for p in paragraphs))


def load_examples(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = random.Random(SEED)
    labeller = Labeller()
    rows: list[list[float]] = []
    labels: list[float] = []
    groups: list[int] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            story = json.loads(line)
            article = build_article(story["text"], flatten=rng.random() < 0.5)
            units = _sentences(article)
            if not units:
                continue
            features = sentence_features(units, "en")
            highlights = [labeller.tokens(h) for h in story["reference"].split("\n") if h.strip()]
            for unit, feature_row in zip(units, features, strict=True):
                if not _is_eligible(unit):
                    continue
                rows.append(feature_row)
                labels.append(labeller.label(unit.text, highlights))
                groups.append(number)
    return np.asarray(rows), np.asarray(labels), np.asarray(groups)


def train(x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    """Fit ``MEMBERS`` networks from different seeds and merge them into one.

    One network's picks swing with its seed (half a ROUGE point on dev.jsonl); the mean of
    several is steadier. The mean of one-hidden-layer networks is itself such a network, its
    hidden units side by side and its output weights divided by their number, so the shipped
    file and the code that runs it stay those of a single network.
    """
    scaler = StandardScaler().fit(x)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    scaled = (x - scaler.mean_) / scale
    networks = [
        MLPRegressor(
            hidden_layer_sizes=(HIDDEN,),
            alpha=1e-3,
            learning_rate_init=1e-3,
            max_iter=60,
            early_stopping=True,
            random_state=SEED + member,
        ).fit(scaled, y)
        for member in range(MEMBERS)
    ]
    hidden_weights = np.hstack([n.coefs_[0] for n in networks])
    hidden_bias = np.concatenate([n.intercepts_[0] for n in networks])
    output_weights = np.vstack([n.coefs_[1] for n in networks]) / MEMBERS
    output_bias = np.mean([n.intercepts_[1] for n in networks], axis=0)
    layers = [
        {"weights": np.round(w, 6).tolist(), "bias": np.round(b, 6).tolist()}
        for w, b in ((hidden_weights, hidden_bias), (output_weights, output_bias))
    ]
    return {
        "version": MODEL_VERSION,
        "trained_on": "CNN stories with highlights (train.jsonl.gz), label mean ROUGE-1/2 F1",
        "features": list(FEATURE_NAMES),
        "mean": np.round(scaler.mean_, 6).tolist(),
        "scale": np.round(scale, 6).tolist(),
        "layers": layers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"Error: {args.data} not found; pass --data PATH/train.jsonl.gz")
    started = time.perf_counter()
    x, y, _groups = load_examples(args.data)
    print(f"{len(y):,} sentences labelled in {time.perf_counter() - started:.0f} s")
    model = train(x, y)
    args.output.write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    size = args.output.stat().st_size
    print(f"wrote {args.output} ({size / 1024:.0f} KiB) in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
