"""Matrix products too small to be worth BLAS threads.

OpenBLAS (numpy's BLAS) hands a matrix product to every core once m*n*k passes 262,144, and
a matrix-vector product once m*n passes 9,216. For the few dozen sentences of an article,
waking those threads costs more than the product itself (a summary of a CNN story took
3.1 ms instead of 1.5 ms on 2 cores) and burns CPU time the caller never asked for. Cutting
the left operand into blocks of rows keeps every call under the threshold, on the calling
thread, with the same result.
"""

from __future__ import annotations

import numpy as np

_MATRIX_WORK = 200_000  # m*n*k per call, under OpenBLAS's 262,144
_VECTOR_WORK = 8_000  # m*n per call, under OpenBLAS's 9,216


def product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left @ right`` for a 2-D ``left`` and a 1-D or 2-D ``right``, on one thread."""
    rows, inner = left.shape
    if right.ndim == 1:
        block = max(1, _VECTOR_WORK // max(1, inner))
    else:
        block = max(1, _MATRIX_WORK // max(1, inner * right.shape[1]))
    if rows <= block:
        result: np.ndarray = left @ right
        return result
    return np.concatenate([left[i : i + block] @ right for i in range(0, rows, block)])
