"""Gaussian averages for g(x) = erf(x / sqrt 2), g'(x) = sqrt(2/pi) exp(-x^2/2).

All functions take the covariance matrix ``C`` (n x n) of the jointly Gaussian
fields u and integer indices into it; indices may repeat.  The closed forms are
those of Saad & Solla (1995), written in terms of C:

    I2(a,b)     = E[g(u_a) g(u_b)]
                = (2/pi) arcsin( C_ab / sqrt((1 + C_aa)(1 + C_bb)) )
    I3(a,b,c)   = E[g'(u_a) u_b g(u_c)]
                = (2/pi) (C_bc (1 + C_aa) - C_ab C_ac) / ((1 + C_aa) sqrt(L3)),
                  L3 = (1 + C_aa)(1 + C_cc) - C_ac^2
    I4(a,b,c,d) = E[g'(u_a) g'(u_b) g(u_c) g(u_d)]
                = (4/pi^2) arcsin( L0 / sqrt(L1 L2) ) / sqrt(L4)
    J2(a,b)     = E[g'(u_a) g'(u_b)] = (2/pi) / sqrt((1 + C_aa)(1 + C_bb) - C_ab^2)

with L4 = (1 + C_aa)(1 + C_bb) - C_ab^2 and

    L0 = L4 C_cd - C_bc C_bd (1 + C_aa) - C_ac C_ad (1 + C_bb)
         + C_ab C_ac C_bd + C_ab C_ad C_bc
    L1 = L4 (1 + C_cc) - C_bc^2 (1 + C_aa) - C_ac^2 (1 + C_bb) + 2 C_ab C_ac C_bc
    L2 = L4 (1 + C_dd) - C_bd^2 (1 + C_aa) - C_ad^2 (1 + C_bb) + 2 C_ab C_ad C_bd

The contractions :func:`i3_contract` and :func:`i4_contract` give the sums the
ODE needs with the square roots hoisted out of the inner loops.
"""
import math

import numpy as np

from ._jit import jit, jit_vector
from .arcsin import asin_into

_TWO_OVER_PI = 2.0 / math.pi
_FOUR_OVER_PI2 = 4.0 / math.pi ** 2


@jit
def _safe_arcsin(x):
    # Rounding can push a correlation a hair outside [-1, 1] (e.g. student equal to teacher).
    if x > 1.0:
        return 0.5 * math.pi
    if x < -1.0:
        return -0.5 * math.pi
    return math.asin(x)


@jit
def i2(C, a, b):
    return _TWO_OVER_PI * _safe_arcsin(C[a, b] / math.sqrt((1.0 + C[a, a]) * (1.0 + C[b, b])))


@jit
def i3(C, a, b, c):
    one_aa = 1.0 + C[a, a]
    lam3 = one_aa * (1.0 + C[c, c]) - C[a, c] * C[a, c]
    return _TWO_OVER_PI * (C[b, c] * one_aa - C[a, b] * C[a, c]) / (one_aa * math.sqrt(lam3))


@jit
def i4(C, a, b, c, d):
    one_aa = 1.0 + C[a, a]
    one_bb = 1.0 + C[b, b]
    lam4 = one_aa * one_bb - C[a, b] * C[a, b]
    lam0 = (lam4 * C[c, d] - C[b, c] * C[b, d] * one_aa - C[a, c] * C[a, d] * one_bb
            + C[a, b] * C[a, c] * C[b, d] + C[a, b] * C[a, d] * C[b, c])
    lam1 = (lam4 * (1.0 + C[c, c]) - C[b, c] * C[b, c] * one_aa - C[a, c] * C[a, c] * one_bb
            + 2.0 * C[a, b] * C[a, c] * C[b, c])
    lam2 = (lam4 * (1.0 + C[d, d]) - C[b, d] * C[b, d] * one_aa - C[a, d] * C[a, d] * one_bb
            + 2.0 * C[a, b] * C[a, d] * C[b, d])
    return _FOUR_OVER_PI2 * _safe_arcsin(lam0 / math.sqrt(lam1 * lam2)) / math.sqrt(lam4)


@jit
def j2(C, a, b):
    return _TWO_OVER_PI / math.sqrt((1.0 + C[a, a]) * (1.0 + C[b, b]) - C[a, b] * C[a, b])


@jit
def i3_contract(C, a, x):
    """out[b] = sum_c x_c I3(a, b, c), shape (n,), with one square root per c.

    With s_a = 1 + C_aa and r_c = 1 / sqrt(s_a (1 + C_cc) - C_ac^2),
    out = (2/pi) [C z - C_a. (C_a. . z) / s_a] where z_c = x_c r_c.
    """
    n = C.shape[0]
    s_a = 1.0 + C[a, a]
    z = np.empty(n)
    for c in range(n):
        z[c] = x[c] / math.sqrt(s_a * (1.0 + C[c, c]) - C[a, c] * C[a, c])
    cz = 0.0
    for c in range(n):
        cz += C[a, c] * z[c]
    out = np.empty(n)
    for b in range(n):
        s = 0.0
        for c in range(n):
            s += C[b, c] * z[c]
        out[b] = _TWO_OVER_PI * (s - C[a, b] * cz / s_a)
    return out


@jit_vector
def i3_sums(C, A):
    """D (K, n), D[a] = i3_contract(C, a, A[a]) for every row of A (K, n), the same numbers.

    All rows at once: the products C z of the K rows are one loop over a inside the
    loops over b and c (vectorised over the rows, each row's sum still in the order of c),
    two rows b of C per pass (one load of z for both, twice the independent sums).
    """
    K, n = A.shape
    one_c = np.empty(n)              # 1 + C_cc, contiguous
    for c in range(n):
        one_c[c] = 1.0 + C[c, c]
    Z = np.empty((n, K))             # z of row a in column a
    z_a = np.empty(n)
    for a in range(K):
        s_a = one_c[a]
        for c in range(n):           # contiguous and branch-free: vectorised
            z_a[c] = A[a, c] / math.sqrt(s_a * one_c[c] - C[a, c] * C[a, c])
        for c in range(n):
            Z[c, a] = z_a[c]
    S = np.zeros((n, K))             # S[b, a] = (C z_a)_b
    for b in range(0, n - 1, 2):
        for c in range(n):
            c_bc = C[b, c]
            c_b1c = C[b + 1, c]
            for a in range(K):
                z = Z[c, a]
                S[b, a] += c_bc * z
                S[b + 1, a] += c_b1c * z
    if n % 2:
        b = n - 1
        for c in range(n):
            c_bc = C[b, c]
            for a in range(K):
                S[b, a] += c_bc * Z[c, a]
    out = np.empty((K, n))
    for a in range(K):
        s_a = one_c[a]
        cz = 0.0
        for c in range(n):
            cz += C[a, c] * Z[c, a]
        for b in range(n):
            out[a, b] = _TWO_OVER_PI * (S[b, a] - C[a, b] * cz / s_a)
    return out


@jit_vector
def i4_contract(C, a, b, x, y):
    """sum_cd x_c y_d I4(a, b, c, d) with one arcsine per unordered pair (c, d).

    For fixed (a, b), with p_c = C_ac, q_c = C_bc, L0(c, d) above is
    L4 C_cd - (1 + C_aa) q_c q_d - (1 + C_bb) p_c p_d + C_ab (p_c q_d + p_d q_c),
    and L1 = L0(c, c) + L4, L2 = L0(d, d) + L4.  The arcsine arguments of all
    pairs go into one buffer, mapped by the vectorised :func:`asin_into` (the
    pairs are summed in the same order as one loop over c <= d would).  Small
    networks (K + M <= 8), where the buffers cost more than they save, take
    :func:`i4_contract_scalar`.
    """
    n = C.shape[0]
    if n <= SCALAR_UP_TO:
        return i4_contract_scalar(C, a, b, x, y)
    s_a = 1.0 + C[a, a]
    s_b = 1.0 + C[b, b]
    c_ab = C[a, b]
    lam4 = s_a * s_b - c_ab * c_ab
    norm = _i4_norms(C, a, b, s_a, s_b, c_ab, lam4)
    pairs = n * (n + 1) // 2
    arg = np.empty(pairs)
    weight = np.empty(pairs)
    k = 0
    for c in range(n):
        p_c = C[a, c]
        q_c = C[b, c]
        sa_qc = s_a * q_c
        sb_pc = s_b * p_c
        scale = norm[c]
        x_c = x[c]
        y_c = y[c]
        weight[k] = x_c * y_c
        arg[k] = (lam4 * C[c, c] - sa_qc * C[b, c] - sb_pc * C[a, c] + c_ab * (p_c * C[b, c] + C[a, c] * q_c)) \
            * scale * norm[c]
        k += 1
        for d in range(c + 1, n):   # no branch in here: LLVM vectorises it
            weight[k] = x_c * y[d] + x[d] * y_c
            lam0 = lam4 * C[c, d] - sa_qc * C[b, d] - sb_pc * C[a, d] + c_ab * (p_c * C[b, d] + C[a, d] * q_c)
            arg[k] = lam0 * scale * norm[d]
            k += 1
    angle = np.empty(pairs)           # a separate buffer: in place, LLVM would not vectorise
    asin_into(arg, angle, pairs)
    total = 0.0
    for k in range(pairs):
        total += weight[k] * angle[k]
    return _FOUR_OVER_PI2 * total / math.sqrt(lam4)


#: Up to this many fields (K + M), :func:`i4_contract` sums with the scalar loop.
SCALAR_UP_TO = 8


@jit_vector
def i4_contract_scalar(C, a, b, x, y):
    """:func:`i4_contract` summed pair by pair with the C library's arcsine, the same numbers
    for K + M <= SCALAR_UP_TO (any size works: the entries of small networks compile only this)."""
    s_a = 1.0 + C[a, a]
    s_b = 1.0 + C[b, b]
    c_ab = C[a, b]
    lam4 = s_a * s_b - c_ab * c_ab
    norm = _i4_norms(C, a, b, s_a, s_b, c_ab, lam4)
    return _FOUR_OVER_PI2 * _i4_pairs_scalar(C, a, b, x, y, s_a, s_b, c_ab, lam4, norm) / math.sqrt(lam4)


@jit_vector
def _i4_norms(C, a, b, s_a, s_b, c_ab, lam4):
    """N_c = 1 / sqrt(L0(c, c) + L4) (n,)."""
    n = C.shape[0]
    norm = np.empty(n)
    for c in range(n):
        lam0 = (lam4 * C[c, c] - s_a * C[b, c] * C[b, c] - s_b * C[a, c] * C[a, c]
                + 2.0 * c_ab * C[a, c] * C[b, c])
        norm[c] = 1.0 / math.sqrt(lam0 + lam4)
    return norm


@jit
def _i4_pairs_scalar(C, a, b, x, y, s_a, s_b, c_ab, lam4, norm):
    n = C.shape[0]
    total = 0.0
    for c in range(n):
        for d in range(c, n):
            weight = x[c] * y[d]
            if d != c:
                weight += x[d] * y[c]
            lam0 = (lam4 * C[c, d] - s_a * C[b, c] * C[b, d] - s_b * C[a, c] * C[a, d]
                    + c_ab * (C[a, c] * C[b, d] + C[a, d] * C[b, c]))
            total += weight * _safe_arcsin(lam0 * norm[c] * norm[d])
    return total
