"""Write the demo's story feeds: the invented stories of tests/data/stories as JSON Feeds, one
per outlet, so that `make run` shows stories told by several outlets, in several languages.

    .venv/bin/python scripts/demo_stories.py

Writes nutgraf/data/demo/lowmere/ (one file per outlet; run again after changing the
samples). The texts are nutgraf's own (see tests/data/stories/README.md).
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "data" / "stories"
OUT = REPO / "nutgraf" / "data" / "demo" / "lowmere"
FILES = ("clusters-sample.jsonl", "clusters-multilingual.jsonl")


def slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def main() -> None:
    outlets: dict[str, list[dict[str, str]]] = defaultdict(list)
    for name in FILES:
        for line in (SAMPLES / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            outlets[row["source"]].append(row)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    for outlet, rows in sorted(outlets.items()):
        site = f"https://{slug(outlet)}.example.com/"
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": outlet,
            "home_page_url": site,
            "language": rows[0]["lang"],
            "items": [
                {
                    "id": row["url"],
                    "url": row["url"],
                    "title": row["title"],
                    "content_text": row["text"],
                    "date_published": row["time"] + "Z",
                    "language": row["lang"],
                }
                for row in sorted(rows, key=lambda r: r["time"], reverse=True)
            ],
        }
        path = OUT / f"{slug(outlet)}.json"
        path.write_text(json.dumps(feed, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(outlets)} feeds to {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
