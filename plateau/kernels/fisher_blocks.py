"""Compiled Fisher blocks and a small SPD solver, for natural-gradient learning.

The formulas are those of :mod:`plateau.fisher.averages` and
:func:`plateau.fisher.dense.fisher_from_vectors` (their home and their
derivation); this module codes the same formulas for Numba, on one state at a
time, with the caller's workspace, so that the NGD right-hand side and the
NGD SGD step can build them without Python.  A lockstep test
(tests/test_ngd.py) checks every block against the NumPy reference.

Field vectors a (K, d), rows a_i; Q = a a^T.  For every pair (i, k):
J2 = E[g'_i g'_k], I2 = E[g_i g_k], H = E[g''_i g_k] and, for erf,
A = E[g'''_i g'_k], B = E[g''_i g''_k] (see plateau.fisher.averages).  The
small metric S (P = K d + K L, or K d for a frozen second layer) has the blocks

    S[(i,x),(k,y)] = D_ik (J2_ik delta_xy + M_ik[x,y])
    S[(i,x),(k,m)] = W_im (H_ik a_i[x] + J2_ik a_k[x])
    S[(i,m),(k,n)] = I2_ik delta_mn

with J-rows (i, x) at i d + x and w-rows (i, m) at K d + i L + m.
"""
import math

import numpy as np

from ._jit import jit_nogil
from .integrals import ERF, RELU

_TWO_OVER_PI = 2.0 / math.pi
_TWO_PI = 2.0 * math.pi


@jit_nogil
def pair_averages(act, a, J2, I2, H, A, B):
    """Fill J2, I2, H (K, K) and, for erf, A, B (K, K) from field vectors a (K, d)."""
    K, d = a.shape
    for i in range(K):
        for k in range(K):
            q_ik = 0.0
            for x in range(d):
                q_ik += a[i, x] * a[k, x]
            if act == ERF:
                q_ii = 0.0
                q_kk = 0.0
                for x in range(d):
                    q_ii += a[i, x] * a[i, x]
                    q_kk += a[k, x] * a[k, x]
                delta = (1.0 + q_ii) * (1.0 + q_kk) - q_ik * q_ik
                root = math.sqrt(delta)
                J2[i, k] = _TWO_OVER_PI / root
                c = q_ik / math.sqrt((1.0 + q_ii) * (1.0 + q_kk))
                c = min(1.0, max(-1.0, c))
                I2[i, k] = _TWO_OVER_PI * math.asin(c)
                H[i, k] = -_TWO_OVER_PI * q_ik / ((1.0 + q_ii) * root)
                A[i, k] = -_TWO_OVER_PI * (1.0 + q_kk) / (delta * root)
                B[i, k] = _TWO_OVER_PI * q_ik / (delta * root)
            elif act == RELU:
                ni, nk, cos, sin = _geometry(a, i, k)
                if ni <= 0.0 or nk <= 0.0:
                    theta = 0.5 * math.pi
                else:
                    theta = math.atan2(sin, cos)
                J2[i, k] = (math.pi - theta) / _TWO_PI
                I2[i, k] = ni * nk * (sin + (math.pi - theta) * cos) / _TWO_PI
                H[i, k] = nk * sin / (_TWO_PI * ni) if ni > 0.0 else 0.0
            else:
                J2[i, k] = 1.0
                I2[i, k] = q_ik
                H[i, k] = 0.0


@jit_nogil
def _geometry(a, i, k):
    """|a_i|, |a_k|, cos and sin of their angle (sin from the perpendicular part, symmetrised)."""
    d = a.shape[1]
    ni = 0.0
    nk = 0.0
    for x in range(d):
        ni += a[i, x] * a[i, x]
        nk += a[k, x] * a[k, x]
    ni = math.sqrt(ni)
    nk = math.sqrt(nk)
    if ni <= 0.0 or nk <= 0.0:
        return ni, nk, 0.0, 0.0
    cos = 0.0
    for x in range(d):
        cos += a[i, x] * a[k, x]
    cos = min(1.0, max(-1.0, cos / (ni * nk)))
    s1 = 0.0
    s2 = 0.0
    for x in range(d):
        p1 = a[k, x] / nk - cos * a[i, x] / ni
        p2 = a[i, x] / ni - cos * a[k, x] / nk
        s1 += p1 * p1
        s2 += p2 * p2
    return ni, nk, cos, 0.5 * (math.sqrt(s1) + math.sqrt(s2))


@jit_nogil
def _relu_m(a, i, k, x, y):
    """M_ik[x, y] for ReLU: (1/2pi) [sin (e_i e_k^T + e_k e_i^T) - cos (sin e_i e_i^T + p p^T / sin)]."""
    ni, nk, cos, sin = _geometry(a, i, k)
    if ni <= 0.0 or nk <= 0.0:
        return 0.0
    eix, eiy = a[i, x] / ni, a[i, y] / ni
    ekx, eky = a[k, x] / nk, a[k, y] / nk
    value = sin * (eix * eky + ekx * eiy) - cos * sin * eix * eiy
    if sin > 0.0:
        value -= cos * (ekx - cos * eix) * (eky - cos * eiy) / sin
    return value / _TWO_PI


@jit_nogil
def small_fisher(act, a, W, D, trained, J2, I2, H, A, B, S):
    """Fill S (P, P) with the small metric of the module docstring; needs pair_averages done."""
    K, d = a.shape
    L = W.shape[1]
    for i in range(K):
        for k in range(K):
            for x in range(d):
                for y in range(d):
                    if act == ERF:
                        m = (A[i, k] * a[i, x] * a[i, y] + A[k, i] * a[k, x] * a[k, y]
                             + B[i, k] * (a[i, x] * a[k, y] + a[k, x] * a[i, y]))
                    elif act == RELU:
                        m = _relu_m(a, i, k, x, y)
                    else:
                        m = 0.0
                    if x == y:
                        m += J2[i, k]
                    S[i * d + x, k * d + y] = D[i, k] * m
    if not trained:
        return
    base = K * d
    for i in range(K):
        for k in range(K):
            for x in range(d):
                vec = H[i, k] * a[i, x] + J2[i, k] * a[k, x]
                for m in range(L):
                    S[i * d + x, base + k * L + m] = W[i, m] * vec
                    S[base + k * L + m, i * d + x] = W[i, m] * vec
            for m in range(L):
                for n in range(L):
                    S[base + i * L + m, base + k * L + n] = I2[i, k] if m == n else 0.0


@jit_nogil
def damped_cholesky(S, eps, F):
    """F = lower Cholesky factor of S + eps I (S symmetric, read from its lower triangle).

    Returns False when a pivot is not positive beyond rounding (1e-13 of the largest
    diagonal entry): the damped metric is singular and the NGD direction undefined.
    """
    n = S.shape[0]
    scale = 0.0
    for i in range(n):
        scale = max(scale, abs(S[i, i] + eps))
    tiny = 1e-13 * scale
    for j in range(n):
        s = S[j, j] + eps
        for p in range(j):
            s -= F[j, p] * F[j, p]
        if not s > tiny:
            return False
        root = math.sqrt(s)
        F[j, j] = root
        for i in range(j + 1, n):
            t = S[i, j]
            for p in range(j):
                t -= F[i, p] * F[j, p]
            F[i, j] = t / root
    return True


@jit_nogil
def cholesky_solve(F, b):
    """Solve F F^T x = b in place of b (F lower triangular from damped_cholesky)."""
    n = F.shape[0]
    for i in range(n):
        s = b[i]
        for p in range(i):
            s -= F[i, p] * b[p]
        b[i] = s / F[i, i]
    for i in range(n - 1, -1, -1):
        s = b[i]
        for p in range(i + 1, n):
            s -= F[p, i] * b[p]
        b[i] = s / F[i, i]


@jit_nogil
def new_workspace(K, d, L, trained):
    """Pair-average arrays (5 of K x K) and S, F (P x P) for one state."""
    P = K * d + (K * L if trained else 0)
    return (np.empty((K, K)), np.empty((K, K)), np.empty((K, K)), np.empty((K, K)), np.empty((K, K)),
            np.zeros((P, P)), np.zeros((P, P)))
