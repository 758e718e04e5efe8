"""The contractions of the right-hand side for every student unit, and every pair of them, at once.

    i3_sums(act, C, A)        D (K, n),  D[a] = i3_contract(act, C, a, A[a])
    i4_sums(act, C, A, W, V)  S (K, K),  S_ab = i4_contract(act, C, a, b, A[a], A[b])
                                         = sum_cd A_ac A_bd I4(a, b, c, d),  A = W [-W^T, V^T]

for C (n, n) the fields' covariance, A (K, n), W (K, L), V (M, L).  erf computes them in one
go, vectorised over the units (:func:`plateau.kernels.erf.i3_sums`) and over the pairs of
units (:mod:`plateau.kernels.erf_pairs`, for the literal code ERF | WIDE of the entry points
of large erf networks; see :data:`plateau.kernels.integrals.WIDE`); relu, linear and small erf
networks loop over the contractions of :mod:`plateau.kernels.integrals`.  Dispatch on ``act``
as there: a literal code compiles only its activation.
"""
import numpy as np
from numba.extending import overload

from ._jit import COMPILED_ONLY, jit_inline
from . import erf, erf_pairs
from .integrals import ERF, LINEAR, RELU, i3_contract, i4_contract, is_wide, literal_code


def _i3s(act, C, A):
    raise NotImplementedError   # compiled only (overloaded below)


def _i4s(act, C, A, W, V):
    raise NotImplementedError


@jit_inline
def _i3_sums_rowwise(act, C, A):
    K, n = A.shape
    out = np.empty((K, n))
    for a in range(K):
        row = i3_contract(act, C, a, A[a])
        for b in range(n):
            out[a, b] = row[b]
    return out


@jit_inline
def _i4_sums_pairwise(act, C, A):
    K = A.shape[0]
    S = np.empty((K, K))
    for a in range(K):
        for b in range(a, K):
            S[a, b] = i4_contract(act, C, a, b, A[a], A[b])
            S[b, a] = S[a, b]
    return S


@overload(_i3s, prefer_literal=True, jit_options=COMPILED_ONLY)
def _ov_i3s(act, C, A):
    code = literal_code(act)
    if code == ERF:
        return lambda act, C, A: erf.i3_sums(C, A)
    if code in (RELU, LINEAR):
        return lambda act, C, A: _i3_sums_rowwise(act, C, A)

    def any_activation(act, C, A):
        if act == ERF:
            return erf.i3_sums(C, A)
        return _i3_sums_rowwise(act, C, A)
    return any_activation


@overload(_i4s, prefer_literal=True, jit_options=COMPILED_ONLY)
def _ov_i4s(act, C, A, W, V):
    if is_wide(act):
        return lambda act, C, A, W, V: erf_pairs.i4_sums(C, A, W, V)
    if literal_code(act) is not None:   # (erf: what erf_pairs.i4_sums does below VECTOR_FROM_PAIRS pairs)
        return lambda act, C, A, W, V: _i4_sums_pairwise(act, C, A)

    def any_activation(act, C, A, W, V):
        if act == ERF:
            return erf_pairs.i4_sums(C, A, W, V)
        return _i4_sums_pairwise(act, C, A)
    return any_activation


@jit_inline
def i3_sums(act, C, A):
    """D (K, n), D[a] = i3_contract(a, A[a]) for every row of A (K, n)."""
    return _i3s(act, C, A)


@jit_inline
def i4_sums(act, C, A, W, V):
    """S (K, K), S_ab = sum_cd A_ac A_bd I4(a, b, c, d) for A = W [-W^T, V^T] (K, n), W (K, L),
    V (M, L): i4_contract of rows a, b."""
    return _i4s(act, C, A, W, V)
