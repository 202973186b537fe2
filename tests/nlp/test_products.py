"""Blocked products equal numpy's own."""

from __future__ import annotations

import numpy as np
import pytest

from nutgraf.nlp.products import product


@pytest.mark.parametrize(("rows", "inner", "columns"), [(3, 4, 5), (40, 37, 240), (500, 300, 500)])
def test_a_blocked_matrix_product_equals_matmul(rows: int, inner: int, columns: int) -> None:
    rng = np.random.default_rng(rows)
    left, right = rng.normal(size=(rows, inner)), rng.normal(size=(inner, columns))
    np.testing.assert_allclose(product(left, right), left @ right, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [1, 90, 400])
def test_a_blocked_vector_product_equals_matmul(size: int) -> None:
    rng = np.random.default_rng(size)
    left, right = rng.normal(size=(size, size)), rng.normal(size=size)
    np.testing.assert_allclose(product(left, right), left @ right, rtol=1e-12, atol=1e-12)
