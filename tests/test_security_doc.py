"""docs/security.md names the test behind each promise: every test it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `tests/x/test_y.py::test_z` or `tests/x/test_y.py`; a bare `test_z` after a named file
# belongs to the file named last before it.
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`(test_\w+)`")


def test_every_test_the_security_doc_names_exists() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    named = 0
    current: Path | None = None
    for match in REFERENCE.finditer(text):
        path, name, bare = match.groups()
        if path:
            current = ROOT / path
            assert current.is_file(), path
        if name or bare:
            assert current is not None, bare
            source = current.read_text(encoding="utf-8")
            assert re.search(rf"^def {name or bare}\(", source, re.M), (current, name or bare)
            named += 1
    assert named >= 30
