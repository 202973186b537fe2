"""The stories package exports what its __all__ lists."""

from __future__ import annotations


def test_package_exports() -> None:
    import nutgraf.stories

    assert sorted(nutgraf.stories.__all__) == nutgraf.stories.__all__
    for name in nutgraf.stories.__all__:
        assert hasattr(nutgraf.stories, name), name
