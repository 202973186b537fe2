"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

# The team's shared data sits beside the repository: <root>/../shared/data.
SHARED_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared test data directory; the test is skipped where it is not checked out."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not found: {SHARED_DATA.resolve()} (the team's data share)")
    return SHARED_DATA.resolve()
