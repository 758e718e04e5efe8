"""The I4 sums of erf for all pairs of student units at once: the hot loop of large networks.

The eta^2 term of dQ/dalpha needs, for every pair a <= b of the K student units,

    S_ab = sum_cd A_ac A_bd I4(a, b, c, d),     c, d < n = K + M,  A (K, n),

with erf's I4 = (4/pi^2) arcsin(arg) / sqrt(L4) (:mod:`plateau.kernels.erf`): K(K+1)/2 x n(n+1)/2
arcsines (72k at K = M = 16), the whole cost of a large network's right-hand side.  With
s = 1 + diag C, p = C_a., q = C_b. and L4 = s_a s_b - C_ab^2, erf's L0..L2 give

    arg = L0(c, d) N_c N_d,   N_c = 1 / sqrt(L0(c, c) + L4),
    L0(c, d) = L4 C_cd - s_a q_c q_d - s_b p_c p_d + C_ab (p_c q_d + p_d q_c),

so that, with per-(pair, unit) factors G = L4 N, PN = p N, QN = q N, F = C_ab PN - s_a QN and
H = C_ab QN - s_b PN,

    arg(ab; c, d) = C_cd G_c N_d + F_c QN_d + H_c PN_d.

Layout: the pair index is the innermost, contiguous one, ``rows[k, c, ab]``.  For each (c, d),
c <= d, one loop runs over all pairs: fixed length, no branch, no reduction, so LLVM vectorises
it whole (a loop over (c, d) per pair would be triangular, with short rows and a serial sum).
Each pair's terms are still added in the order of that loop (c, then d), each unordered (c, d)
once with weight A_ac A_bd + A_ad A_bc (halved, exactly, for c = d); products and sums are
fused multiply-adds (:mod:`plateau.kernels.fma`).

The arcsine: arg = Sigma'_cd / sqrt((1 + Sigma'_cc)(1 + Sigma'_dd)) with Sigma' the covariance
of the fields c, d given the g' weights of a, b (the Schur complement of I + C_(ab)), so
|arg| <= 1/2 whenever the units' variances are at most 1, as in every run seen in practice
(a unit that has learned its teacher sits at 1/2 exactly, up to rounding).  There
:func:`plateau.kernels.arcsin.asin_half` needs no square root; it stays within 1 ulp up to
|arg| = 1/2 + 1/1024.  A block (c, d) with some |arg| beyond takes the full
:func:`plateau.kernels.arcsin.asin_into` instead, so any state (also unphysical ones, from finite
differences or a root finder) gets an arcsine accurate to a few ulp.

Small networks (fewer than ``VECTOR_FROM_PAIRS`` pairs), where vectors over pairs would be too
short, sum pair by pair with :func:`plateau.kernels.erf.i4_contract`.
"""
import math

import numpy as np

from ._jit import jit_inline, jit_vector
from .arcsin import HALF_UP_TO, asin_half, asin_into
from .erf import i4_contract
from .fma import fma

_FOUR_OVER_PI2 = 4.0 / math.pi ** 2
VECTOR_FROM_PAIRS = 15          # K >= 5

# rows[k]: the per-(unit, pair) factors above, and the weights' factors X_c = A_ac, Y_c = A_bc
_G, _N, _F, _QN, _H, _PN, _X, _Y = range(8)
_SA, _SB, _CAB, _L4 = range(4)     # the pair scalars, scal[k]
_ALL = np.zeros(0, dtype=np.int64)  # accumulate's "only": every (c, d)
_NONE = np.zeros(0)                 # accumulate's "alpha": weights from the rows X, Y


@jit_vector
def i4_sums(C, A, W, V):
    """S (K, K), S_ab = sum_cd A_ac A_bd I4(a, b, c, d), for C (n, n) and A = W [-W^T, V^T] (K, n).

    W (K, L), V (M, L).  With one output (L = 1), A = w alpha^T with alpha = [-w, v]: the
    weights factor, S_ab = w_a w_b sum_cd alpha_c alpha_d I4, and the sum over (c, d) needs
    no factors X, Y (:func:`accumulate`).
    """
    K = A.shape[0]
    S = np.empty((K, K))
    pairs = K * (K + 1) // 2
    if pairs < VECTOR_FROM_PAIRS:
        for a in range(K):
            for b in range(a, K):
                S[a, b] = i4_contract(C, a, b, A[a], A[b])
                S[b, a] = S[a, b]
        return S
    n = C.shape[0]
    outer = W.shape[1] == 1
    scal = pair_scalars(C, K)
    rows = np.empty((6 if outer else 8, n, pairs))
    pair_factors(C, A, scal, rows)
    alpha = np.empty(n if outer else 0)
    if outer:
        for a in range(K):
            alpha[a] = -W[a, 0]
        for m in range(n - K):
            alpha[K + m] = V[m, 0]
    total = np.zeros(pairs)
    accumulate(C, rows, total, _ALL, alpha)
    ab = 0
    for a in range(K):
        for b in range(a, K):
            scale = W[a, 0] * W[b, 0] if outer else 1.0
            S[a, b] = _FOUR_OVER_PI2 * (scale * total[ab]) / math.sqrt(scal[_L4, ab])
            S[b, a] = S[a, b]
            ab += 1
    return S


@jit_vector
def pair_scalars(C, K):
    """scal (4, pairs): s_a = 1 + C_aa, s_b, C_ab and L4 = s_a s_b - C_ab^2 of the pairs ab.

    Pairs ab = 0, 1, ... run over a <= b < K row by row (a, then b).
    """
    scal = np.empty((4, K * (K + 1) // 2))
    ab = 0
    for a in range(K):
        for b in range(a, K):
            scal[_SA, ab] = 1.0 + C[a, a]
            scal[_SB, ab] = 1.0 + C[b, b]
            scal[_CAB, ab] = C[a, b]
            scal[_L4, ab] = scal[_SA, ab] * scal[_SB, ab] - C[a, b] * C[a, b]
            ab += 1
    return scal


@jit_vector
def pair_factors(C, A, scal, rows):
    """Fill rows (8, n, pairs) with G, N, F, QN, H, PN, X, Y of every unit c (rows (6, n, pairs):
    without X, Y), for the pair scalars scal (4, pairs) of :func:`pair_scalars`."""
    pq = np.empty((2, rows.shape[2]))
    for c in range(rows.shape[1]):
        unit_factors(C, A, c, scal, pq, rows)


@jit_vector
def unit_factors(C, A, c, scal, pq, rows):
    """rows[:, c, :] of unit c; pq (2, pairs) is work space.

    The pairs' entries C_ac, C_bc (and A_ac, A_bc, the rows X, Y) are first gathered into
    contiguous vectors, so that the arithmetic runs as one vectorised loop over all pairs
    (a loop per a would be triangular: short rows, mostly scalar remainders).
    """
    K = A.shape[0]
    pairs = rows.shape[2]
    first = 0
    for a in range(K):              # the pairs (a, a..K-1) are contiguous
        p = C[c, a]
        for j in range(K - a):
            pq[0, first + j] = p
            pq[1, first + j] = C[c, a + j]
        first += K - a
    if rows.shape[0] > _Y:
        first = 0
        for a in range(K):
            x = A[a, c]
            for j in range(K - a):
                rows[_X, c, first + j] = x
                rows[_Y, c, first + j] = A[a + j, c]
            first += K - a
    c_cc = C[c, c]
    for i in range(pairs):
        p = pq[0, i]
        q = pq[1, i]
        s_a = scal[_SA, i]
        s_b = scal[_SB, i]
        c_ab = scal[_CAB, i]
        lam4 = scal[_L4, i]
        lam0 = lam4 * c_cc - s_a * q * q - s_b * p * p + 2.0 * c_ab * p * q
        norm = 1.0 / math.sqrt(lam0 + lam4)
        pn = p * norm
        qn = q * norm
        rows[_G, c, i] = lam4 * norm
        rows[_N, c, i] = norm
        rows[_F, c, i] = c_ab * pn - s_a * qn
        rows[_QN, c, i] = qn
        rows[_H, c, i] = c_ab * qn - s_b * pn
        rows[_PN, c, i] = pn


@jit_vector
def accumulate(C, rows, total, only, alpha):
    """total[ab] += sum_{c <= d} w (arcsine of arg(ab; c, d)), in the order (c, d) of the loop.

    w = A_ac A_bd + A_ad A_bc, halved for c = d, from rows (8, n, pairs) of :func:`pair_factors`;
    or, if ``alpha`` (n,) is not empty, w = (2 - delta_cd) alpha_c alpha_d, the same for every
    pair (rows (6, n, pairs) suffice).  ``only`` (m,) int: if not empty, only the (c, d) with
    c or d among these units.
    The blocks (c, d) and (c, d + 1) go together when both are summed: one vector loop over
    the pairs computes both blocks' arguments (and whether any is beyond asin_half's range),
    loading the factors of c once; a second adds both blocks' terms, (c, d)'s first, so each
    pair's sum keeps the order of a loop over single blocks (the same numbers, ~7 % faster).
    A block with an argument beyond asin_half's range (rare) is summed alone, with the full
    arcsine.  Arguments and sums are separate loops: one loop with both would need more
    registers than the CPU has (measured 20 % slower).  (One function, no helper for a block:
    the work arrays are its own, so LLVM knows that they overlap nothing else.)
    """
    n = rows.shape[1]
    pairs = rows.shape[2]
    weighted = alpha.size == 0
    arg = np.empty(pairs)
    arg_next = np.empty(pairs)
    angle = np.empty(pairs)
    for c in range(n):
        d = c
        while d < n:
            if only.size and not _touches(only, c, d):
                d += 1
                continue
            half = 0.5 if d == c else 1.0
            shared = 0.0 if weighted else 2.0 * half * alpha[c] * alpha[d]
            c_cd = C[c, d]
            if d + 1 < n and (only.size == 0 or _touches(only, c, d + 1)):
                e = d + 1                 # the next block, (c, e), never diagonal
                shared_next = 0.0 if weighted else 2.0 * alpha[c] * alpha[e]
                c_ce = C[c, e]
                big = False
                for i in range(pairs):
                    g = rows[_G, c, i]
                    f = rows[_F, c, i]
                    h = rows[_H, c, i]
                    x = fma(c_cd * g, rows[_N, d, i], fma(f, rows[_QN, d, i], h * rows[_PN, d, i]))
                    x_next = fma(c_ce * g, rows[_N, e, i], fma(f, rows[_QN, e, i], h * rows[_PN, e, i]))
                    arg[i] = x
                    arg_next[i] = x_next
                    big |= (abs(x) > HALF_UP_TO) | (abs(x_next) > HALF_UP_TO)
                if not big:
                    if weighted:
                        for i in range(pairs):
                            x_c = rows[_X, c, i]
                            y_c = rows[_Y, c, i]
                            weight = half * fma(x_c, rows[_Y, d, i], rows[_X, d, i] * y_c)
                            weight_next = fma(x_c, rows[_Y, e, i], rows[_X, e, i] * y_c)
                            total[i] = fma(weight_next, asin_half(arg_next[i]),
                                           fma(weight, asin_half(arg[i]), total[i]))
                    else:
                        for i in range(pairs):
                            total[i] = fma(shared_next, asin_half(arg_next[i]),
                                           fma(shared, asin_half(arg[i]), total[i]))
                    d += 2
                    continue
            big = False                   # the block (c, d) alone
            for i in range(pairs):
                x = fma(c_cd * rows[_G, c, i], rows[_N, d, i],
                        fma(rows[_F, c, i], rows[_QN, d, i], rows[_H, c, i] * rows[_PN, d, i]))
                arg[i] = x
                big |= abs(x) > HALF_UP_TO
            if big:                       # rare: the full arcsine for this block
                asin_into(arg, angle, pairs)
            if big and not weighted:
                for i in range(pairs):
                    total[i] = fma(shared, angle[i], total[i])
            elif big:
                for i in range(pairs):
                    weight = half * fma(rows[_X, c, i], rows[_Y, d, i], rows[_X, d, i] * rows[_Y, c, i])
                    total[i] = fma(weight, angle[i], total[i])
            elif not weighted:
                for i in range(pairs):
                    total[i] = fma(shared, asin_half(arg[i]), total[i])
            else:
                for i in range(pairs):
                    weight = half * fma(rows[_X, c, i], rows[_Y, d, i], rows[_X, d, i] * rows[_Y, c, i])
                    total[i] = fma(weight, asin_half(arg[i]), total[i])
            d += 1


@jit_inline
def _touches(units, c, d):
    for u in units:
        if u == c or u == d:
            return True
    return False


@jit_vector
def i4_sums_change(C, A, scal, rows, C_up, A_up, C_dn, A_dn, units, full):
    """S(C_up, A_up) - S(C_dn, A_dn) (K, K) of :func:`i4_sums`, summing only terms that change.

    For the pairs not flagged in ``full`` (K, K) bool, both states may differ from (C, A)
    only in what the factors of the units in ``units`` (m,) int read (rows[:, c] reads C_ca,
    C_cb, C_cc, A_ac and A_bc) and in the C_cd with c or d in ``units``; a flagged pair may
    differ in anything.  ``scal`` and ``rows`` are :func:`pair_scalars` and
    :func:`pair_factors` of (C, A); rows is left as it was.  A pair not flagged changes only
    in the (c, d) with c or d among the units (its other factors, and its scale
    1 / sqrt(L4), are those of (C, A)); a flagged pair is summed whole, both ways
    (:func:`plateau.kernels.erf.i4_contract`).  The finite differences of the fixed-point
    analysis change one coordinate at a time: one or two units, so n to 2n of the n(n+1)/2
    blocks (c, d).
    """
    K = A.shape[0]
    pairs = scal.shape[1]
    pq = np.empty((2, pairs))
    up = np.zeros(pairs)
    down = np.zeros(pairs)
    for u in units:
        unit_factors(C_up, A_up, u, scal, pq, rows)
    accumulate(C_up, rows, up, units, _NONE)
    for u in units:
        unit_factors(C_dn, A_dn, u, scal, pq, rows)
    accumulate(C_dn, rows, down, units, _NONE)
    for u in units:
        unit_factors(C, A, u, scal, pq, rows)
    out = np.empty((K, K))
    ab = 0
    for a in range(K):
        for b in range(a, K):
            if full[a, b]:
                change = i4_contract(C_up, a, b, A_up[a], A_up[b]) - i4_contract(C_dn, a, b, A_dn[a], A_dn[b])
            else:
                change = _FOUR_OVER_PI2 * (up[ab] - down[ab]) / math.sqrt(scal[_L4, ab])
            out[a, b] = change
            out[b, a] = change
            ab += 1
    return out
