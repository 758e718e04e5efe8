"""Small matrix products as plain loops, so that no kernel needs BLAS.

Numba compiles ``A @ B`` to a BLAS call, which makes the first kernel call of
every process import SciPy (its BLAS wrappers, 0.3 s); at the sizes of the
order parameters (K, M, L up to a few dozen) the loops are as fast.
"""
import math

import numpy as np

from ._jit import jit


@jit
def matmul(A, B):
    """A B for A (m, k), B (k, n) -> (m, n)."""
    m, k = A.shape
    n = B.shape[1]
    out = np.zeros((m, n))
    for i in range(m):
        for p in range(k):
            a = A[i, p]
            for j in range(n):
                out[i, j] += a * B[p, j]
    return out


@jit
def matmul_t(A, B):
    """A B^T for A (m, k), B (n, k) -> (m, n)."""
    m, k = A.shape
    n = B.shape[0]
    out = np.empty((m, n))
    for i in range(m):
        for j in range(n):
            s = 0.0
            for p in range(k):
                s += A[i, p] * B[j, p]
            out[i, j] = s
    return out


@jit
def all_finite(x):
    """True when every entry of the array x (any shape) is finite.

    A loop rather than ``np.all(np.isfinite(x))``: compiled code that uses NumPy's
    reductions refers to ``numba.np.arraymath``, which every process would then
    have to import (with SciPy) before it can load that code from the cache.
    """
    for v in x.flat:
        if not math.isfinite(v):
            return False
    return True
