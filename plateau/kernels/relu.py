"""Gaussian averages for g(x) = max(0, x) (ReLU), g'(x) = Theta(x) (unit step).

Same signatures as :mod:`plateau.kernels.erf`: ``C`` is the covariance of the
jointly Gaussian zero-mean fields u, the indices may repeat.  Write
cos th_ab = C_ab / sqrt(C_aa C_bb), th_ab in [0, pi].  Then

    I2(a,b)   = E[g(u_a) g(u_b)]
              = sqrt(C_aa C_bb) (sin th_ab + (pi - th_ab) cos th_ab) / (2 pi)
    I3(a,b,c) = E[g'(u_a) u_b g(u_c)]
              = C_ab sqrt(C_aa C_cc - C_ac^2) / (2 pi C_aa) + C_bc (pi - th_ac) / (2 pi)
    J2(a,b)   = E[g'(u_a) g'(u_b)] = (pi - th_ab) / (2 pi)

(I2 is the arc-cosine kernel; I3 follows from Stein's lemma
E[u_b f(u)] = sum_j C_bj E[d_j f(u)] applied to f = Theta(u_a) g(u_c)).

I4(a,b,c,d) = E[Theta(u_a) Theta(u_b) g(u_c) g(u_d)] = E[u_c u_d 1{u_a, u_b, u_c, u_d > 0}]
has no closed form.  With v_k = u_k / sqrt(C_kk) and R the correlation matrix,
I4 = sqrt(C_cc C_dd) F with F = E[v_c v_d 1{v_k > 0, k in S}], S the set of
constraint fields, reduced exactly or up to O(rounding) first:

* fields with correlation +1 (or repeated indices) are one constraint, since
  Theta(x) Theta(lambda x) = Theta(x) for lambda > 0; correlation -1 makes the
  event empty, so I4 = 0;
* three constraint fields spanning a plane (n_x v_x + n_y v_y + n_z v_z = 0)
  either exclude each other (all n of one sign: I4 = 0) or one of them is a
  positive combination of the other two, and its constraint is dropped;
* likewise four fields spanning a 3-dim space: all n of one sign gives I4 = 0,
  a single n of the other sign drops that field; two against two stays 4-dim.

"Nearly" means a conditional variance below 1e-9 (in units of the variances): the
exact answer differs from the reduced one by O(that variance) for planes and
O(variance^(3/2)) for 3-dim spaces, and by O(sqrt(1 - |R_ij|)) for merged pairs,
which are merged only for 1 - |R_ij| < 1e-14.

Stein's lemma, applied once to v_c and once to v_d, gives for m = |S| constraints

    F = R_cd P_m(S) + (1/2pi) sum_{j in S} R_cj sum_{l in S, l != j}
            (R_dl - R_dj R_lj) / sqrt(1 - R_lj^2) * P_{m-2}(S - {j,l} | v_j = v_l = 0)

with P_k the orthant probability of k fields: P_0 = 1, P_1 = 1/2,
P_2 = 1/4 + asin(rho)/(2pi), P_3 = 1/8 + (asin r_12 + asin r_13 + asin r_23)/(4pi)
(partial correlations for the conditional ones).  The 4-dim P_4 comes from
Plackett's identity dP/dR_ij = phi_2(0, 0; R_ij) P_2(rest | v_i = v_j = 0) along
the path that switches on the correlations of one field w with the other three
(T = S - {w}): R_iw(t) = t R_iw, t in [0, 1].  At t = 0, P_4 = P_3(T)/2, and with
t R_iw = sin(theta)

    P_4 = P_3(T)/2 + sum_{i in T} [ asin(R_iw)/(8pi)
            + 1/(4pi^2) int_0^{asin R_iw} asin(rho_kl.iw(theta)) dtheta ],

{k, l} = T - {i}; w is the field whose removal leaves the best-conditioned T.
The integrand is analytic except near theta = asin R_iw when R is (nearly)
singular, where it behaves like sqrt(asin R_iw - theta + delta).  It is integrated
in tau = tan(theta/2) (rational in tau, no trigonometry per node) with
tau = tau_max (1 - s^2) and a 30-node Gauss-Legendre rule graded geometrically
towards s = 0.  The conditional asin's of the Stein sum all use one determinant
of R (see _asin_pcorr), so that their rounding errors cancel when R is singular.

Accuracy, in units of sqrt(C_cc C_dd): quadrature error below 1e-9 for any R,
singular or not (~1e-11 for well-conditioned R); merging a pair with
1 - |R_ij| just below 1e-14 costs up to ~2e-8.

A field with zero variance is taken as Theta(0) = 1/2 and gives g(0) = 0.
"""
import math

import numpy as np

from ._jit import jit

_PI = math.pi
_INV_2PI = 1.0 / (2.0 * math.pi)
_INV_4PI = 1.0 / (4.0 * math.pi)
_INV_8PI = 1.0 / (8.0 * math.pi)
_INV_4PI2 = 1.0 / (4.0 * math.pi ** 2)

# |R_ij| within this of 1 counts as identical (+1) or opposite (-1) fields.  The
# error of merging is O(sqrt(1 - |R_ij|)), ~2e-8 at the threshold; just above it the
# unmerged formulas lose only O(1e-16 / sqrt(1 - |R_ij|)) to rounding.
_MERGE_TOL = 1e-14
# Three (four) constraint fields count as linearly dependent when every one of them has
# a conditional variance given the other two (three) below this.  Dropping the redundant
# constraint costs O(variance); keeping it costs O(1e-16 / variance) in rounding.
_PLANE_TOL = 1e-9


def _graded_rule(order, ratio, levels):
    """Nodes u and weights W with int_0^1 f(u) du ~ sum_n W_n f(u_n), for f singular at u = 1.

    u = 1 - s^2 maps a sqrt(1 - u) endpoint behaviour to an analytic one in s; s in
    [0, 1] is split at ratio**k, k = 1..levels, and each piece gets `order`-point
    Gauss-Legendre, which resolves near-singularities at any distance > ratio**levels.
    """
    x, w = np.polynomial.legendre.leggauss(order)
    edges = np.concatenate(([0.0], ratio ** np.arange(levels, -1, -1, dtype=np.float64)))
    s = np.concatenate([0.5 * (hi + lo) + 0.5 * (hi - lo) * x for lo, hi in zip(edges[:-1], edges[1:])])
    ws = np.concatenate([0.5 * (hi - lo) * w for lo, hi in zip(edges[:-1], edges[1:])])
    return 1.0 - s * s, 2.0 * s * ws


_U, _UW = _graded_rule(10, 0.1, 2)


@jit
def _angle(cab, caa, cbb):
    """The angle th_ab in [0, pi] between fields a and b; pi/2 if either has zero variance."""
    det = caa * cbb - cab * cab
    if caa <= 0.0 or cbb <= 0.0:
        return 0.5 * _PI
    return math.atan2(math.sqrt(det) if det > 0.0 else 0.0, cab)


@jit
def i2(C, a, b):
    caa = C[a, a]
    cbb = C[b, b]
    cab = C[a, b]
    if caa <= 0.0 or cbb <= 0.0:
        return 0.0
    det = caa * cbb - cab * cab
    sq = math.sqrt(det) if det > 0.0 else 0.0
    return (sq + (_PI - math.atan2(sq, cab)) * cab) * _INV_2PI


@jit
def i3(C, a, b, c):
    caa = C[a, a]
    ccc = C[c, c]
    if ccc <= 0.0:
        return 0.0
    if caa <= 0.0:
        # u_a = 0: Theta(0) = 1/2, times E[u_b relu(u_c)] = C_bc / 2
        return 0.25 * C[b, c]
    cac = C[a, c]
    det = caa * ccc - cac * cac
    sq = math.sqrt(det) if det > 0.0 else 0.0
    th = math.atan2(sq, cac)
    return (C[a, b] * sq / caa + C[b, c] * (_PI - th)) * _INV_2PI


@jit
def j2(C, a, b):
    return (_PI - _angle(C[a, b], C[a, a], C[b, b])) * _INV_2PI


@jit
def _asin_pcorr(R, k1, k2, j, l, det4):
    """asin of the partial correlation of fields k1, k2 given fields j and l.

    With c the conditional covariances given (j, l) times s = 1 - R_jl^2, the identity
    c11 c22 - c12^2 = s det4 (det4 = det of R on {j, l, k1, k2}) gives
    asin(r) = atan2(c12, sqrt(s det4)).  Taking det4 from one shared evaluation keeps
    the terms of the Stein sum consistent when R is (nearly) singular: there every r
    is near +-1, asin(r) is sqrt-sensitive to rounding, and only the sum is smooth.
    """
    s_ll = 1.0 - R[l, j] * R[l, j]
    s_1l = R[k1, l] - R[k1, j] * R[l, j]
    s_2l = R[k2, l] - R[k2, j] * R[l, j]
    c12 = (R[k1, k2] - R[k1, j] * R[k2, j]) * s_ll - s_1l * s_2l
    return math.atan2(c12, math.sqrt(s_ll * det4) if det4 > 0.0 else 0.0)


@jit
def _det4(R, f0, f1, f2, f3):
    """Determinant of R restricted to fields f0..f3 (expansion in 3x3 minors)."""
    a = R[f0, f0] * (R[f1, f1] * (R[f2, f2] * R[f3, f3] - R[f2, f3] * R[f3, f2])
                     - R[f1, f2] * (R[f2, f1] * R[f3, f3] - R[f2, f3] * R[f3, f1])
                     + R[f1, f3] * (R[f2, f1] * R[f3, f2] - R[f2, f2] * R[f3, f1]))
    b = R[f0, f1] * (R[f1, f0] * (R[f2, f2] * R[f3, f3] - R[f2, f3] * R[f3, f2])
                     - R[f1, f2] * (R[f2, f0] * R[f3, f3] - R[f2, f3] * R[f3, f0])
                     + R[f1, f3] * (R[f2, f0] * R[f3, f2] - R[f2, f2] * R[f3, f0]))
    c = R[f0, f2] * (R[f1, f0] * (R[f2, f1] * R[f3, f3] - R[f2, f3] * R[f3, f1])
                     - R[f1, f1] * (R[f2, f0] * R[f3, f3] - R[f2, f3] * R[f3, f0])
                     + R[f1, f3] * (R[f2, f0] * R[f3, f1] - R[f2, f1] * R[f3, f0]))
    d = R[f0, f3] * (R[f1, f0] * (R[f2, f1] * R[f3, f2] - R[f2, f2] * R[f3, f1])
                     - R[f1, f1] * (R[f2, f0] * R[f3, f2] - R[f2, f2] * R[f3, f0])
                     + R[f1, f2] * (R[f2, f0] * R[f3, f1] - R[f2, f1] * R[f3, f0]))
    return a - b + c - d


@jit
def _det3(R, x, y, z):
    a = R[x, y]
    b = R[x, z]
    c = R[y, z]
    return 1.0 + 2.0 * a * b * c - a * a - b * b - c * c


@jit
def _orthant3(R, x, y, z):
    return 0.125 + (math.asin(R[x, y]) + math.asin(R[x, z]) + math.asin(R[y, z])) * _INV_4PI


@jit
def _plackett_integral(R, i, k, l, w):
    """int_0^{asin R_iw} asin(rho_kl.iw(theta)) dtheta along R_.w(t) = t R_.w, sin(theta) = t R_iw.

    In terms of tau = tan(theta/2): sin = 2 tau/(1 + tau^2), cos = (1 - tau^2)/(1 + tau^2),
    dtheta = 2 dtau/(1 + tau^2), so no trigonometric function is needed per node.
    """
    rho = R[i, w]
    if rho == 0.0:
        return 0.0
    tau_max = rho / (1.0 + math.sqrt((1.0 - rho) * (1.0 + rho)))
    # covariances given v_i (constant along the path) and the w column's part, t G
    s_kl = R[k, l] - R[k, i] * R[l, i]
    s_kk = 1.0 - R[k, i] * R[k, i]
    s_ll = 1.0 - R[l, i] * R[l, i]
    g_k = R[k, w] - R[k, i] * rho
    g_l = R[l, w] - R[l, i] * rho
    acc = 0.0
    for n in range(_U.shape[0]):
        tau = tau_max * _U[n]
        cos_ = (1.0 - tau) * (1.0 + tau)
        c2 = cos_ * cos_
        t = 2.0 * tau / rho
        t2 = t * t
        # conditional covariances of (k, l) given (i, w) at t, times Var(w | i) = cos^2 theta,
        # times (1 + tau^2)^2 (which cancels in the correlation)
        num = s_kl * c2 - t2 * g_k * g_l
        den = (s_kk * c2 - t2 * g_k * g_k) * (s_ll * c2 - t2 * g_l * g_l)
        if den > 0.0:
            r = num / math.sqrt(den)
            if r > 1.0:
                r = 1.0
            elif r < -1.0:
                r = -1.0
            acc += _UW[n] * math.asin(r) / (1.0 + tau * tau)
    return 2.0 * tau_max * acc


@jit
def _orthant4(R, f0, f1, f2, f3):
    """P(v_f0, v_f1, v_f2, v_f3 > 0) for correlation matrix R (no pair at +-1)."""
    f = (f0, f1, f2, f3)
    # switch on the field whose removal leaves the best-conditioned triple
    best = -1.0
    iw = 0
    for m in range(4):
        dm = _det3(R, f[(m + 1) % 4], f[(m + 2) % 4], f[(m + 3) % 4])
        if dm > best:
            best = dm
            iw = m
    w = f[iw]
    x = f[(iw + 1) % 4]
    y = f[(iw + 2) % 4]
    z = f[(iw + 3) % 4]
    p = 0.5 * _orthant3(R, x, y, z)
    p += (math.asin(R[x, w]) + math.asin(R[y, w]) + math.asin(R[z, w])) * _INV_8PI
    p += (_plackett_integral(R, x, y, z, w) + _plackett_integral(R, y, x, z, w)
          + _plackett_integral(R, z, x, y, w)) * _INV_4PI2
    return p


@jit
def _minor3(R, row, col):
    """Determinant of the 4x4 matrix R without row `row` and column `col`."""
    r0 = 1 if row == 0 else 0
    r1 = r0 + 1 if r0 + 1 != row else r0 + 2
    r2 = r1 + 1 if r1 + 1 != row else r1 + 2
    c0 = 1 if col == 0 else 0
    c1 = c0 + 1 if c0 + 1 != col else c0 + 2
    c2 = c1 + 1 if c1 + 1 != col else c1 + 2
    return (R[r0, c0] * (R[r1, c1] * R[r2, c2] - R[r1, c2] * R[r2, c1])
            - R[r0, c1] * (R[r1, c0] * R[r2, c2] - R[r1, c2] * R[r2, c0])
            + R[r0, c2] * (R[r1, c0] * R[r2, c1] - R[r1, c1] * R[r2, c0]))


@jit
def _drop_by_signs(active, fields, coefs, count):
    """Given sum_k coefs[k] v_fields[k] = 0, drop the redundant constraint.

    Returns -1 if all coefficients share a sign (the fields cannot all be positive),
    else drops the field whose coefficient has the minority sign when it is alone
    (it is then a positive combination of the others) and returns the new count.
    With as many positive as negative coefficients nothing is dropped.
    """
    pos = 0
    for k in range(count):
        if coefs[k] > 0.0:
            pos += 1
    if pos == 0 or pos == count:
        return -1
    if pos == 1 or pos == count - 1:
        odd_positive = pos == 1
        for k in range(count):
            if (coefs[k] > 0.0) == odd_positive:
                active[fields[k]] = False
                return 3
    return 4


@jit
def _reduce_degenerate(R, active):
    """Drop redundant constraints among 4 active fields that are (nearly) linearly dependent.

    First three coplanar fields (every conditional variance given the other two below
    _PLANE_TOL), then four fields in a 3-dim space (likewise given the other three).
    A null vector n of the correlation matrix (sum_k n_k v_k = 0) is read off the
    adjugate's row with the largest diagonal entry.  Returns the new number of active
    fields, or -1 if the constraints cannot hold together.
    """
    fields = np.empty(4, dtype=np.int64)
    coefs = np.empty(4)
    d3 = np.empty(4)
    for m in range(4):
        x = (m + 1) % 4
        y = (m + 2) % 4
        z = (m + 3) % 4
        a = R[x, y]
        b = R[x, z]
        c = R[y, z]
        det = 1.0 + 2.0 * a * b * c - a * a - b * b - c * c
        d3[m] = det
        ca = 1.0 - a * a
        cb = 1.0 - b * b
        cc = 1.0 - c * c
        if det > _PLANE_TOL * min(ca, min(cb, cc)):
            continue
        fields[0] = x
        fields[1] = y
        fields[2] = z
        if cc >= ca and cc >= cb:
            coefs[0], coefs[1], coefs[2] = cc, b * c - a, a * c - b
        elif cb >= ca:
            coefs[0], coefs[1], coefs[2] = b * c - a, cb, a * b - c
        else:
            coefs[0], coefs[1], coefs[2] = a * c - b, a * b - c, ca
        return _drop_by_signs(active, fields, coefs, 3)
    k = 0
    for m in range(1, 4):
        if d3[m] > d3[k]:
            k = m
    det4 = 0.0
    for j in range(4):
        fields[j] = j
        coefs[j] = _minor3(R, k, j) if (k + j) % 2 == 0 else -_minor3(R, k, j)
        det4 += R[k, j] * coefs[j]
    if det4 > _PLANE_TOL * min(min(d3[0], d3[1]), min(d3[2], d3[3])):
        return 4
    return _drop_by_signs(active, fields, coefs, 4)


@jit
def i4(C, a, b, c, d):
    if C[c, c] <= 0.0 or C[d, d] <= 0.0:
        return 0.0
    idx = (a, b, c, d)
    sd = np.empty(4)
    active = np.ones(4, dtype=np.bool_)
    factor = 1.0
    for i in range(4):
        v = C[idx[i], idx[i]]
        if v > 0.0:
            sd[i] = math.sqrt(v)
        else:
            sd[i] = 0.0
            active[i] = False
            factor *= 0.5
    R = np.zeros((4, 4))
    for i in range(4):
        R[i, i] = 1.0
        for j in range(i):
            if sd[i] > 0.0 and sd[j] > 0.0:
                r = C[idx[i], idx[j]] / (sd[i] * sd[j])
                r = min(1.0, max(-1.0, r))
                R[i, j] = r
                R[j, i] = r

    m = 0
    for i in range(4):
        if not active[i]:
            continue
        for j in range(i):
            if active[j]:
                if R[i, j] >= 1.0 - _MERGE_TOL:
                    active[i] = False
                    break
                if R[i, j] <= -1.0 + _MERGE_TOL:
                    return 0.0
        if active[i]:
            m += 1
    if m == 4:
        m = _reduce_degenerate(R, active)
        if m < 0:
            return 0.0

    f = np.empty(4, dtype=np.int64)
    n = 0
    for i in range(4):
        if active[i]:
            f[n] = i
            n += 1
    p, q = 2, 3
    if m == 1:
        prob = 0.5
    elif m == 2:
        prob = 0.25 + math.asin(R[f[0], f[1]]) * _INV_2PI
    elif m == 3:
        prob = _orthant3(R, f[0], f[1], f[2])
    else:
        prob = _orthant4(R, f[0], f[1], f[2], f[3])

    det4 = _det4(R, f[0], f[1], f[2], f[3]) if m == 4 else 0.0
    total = R[p, q] * prob
    for jj in range(m):
        j = f[jj]
        if R[p, j] == 0.0:
            continue
        inner = 0.0
        for ll in range(m):
            if ll == jj:
                continue
            l = f[ll]
            s_ll = (1.0 - R[l, j]) * (1.0 + R[l, j])
            if s_ll <= 0.0:
                continue
            coef = (R[q, l] - R[q, j] * R[l, j]) / math.sqrt(s_ll)
            if m == 2:
                cond = 1.0
            elif m == 3:
                cond = 0.5
            else:
                k1 = -1
                k2 = -1
                for kk in range(4):
                    if kk != jj and kk != ll:
                        if k1 < 0:
                            k1 = f[kk]
                        else:
                            k2 = f[kk]
                cond = 0.25 + _asin_pcorr(R, k1, k2, j, l, det4) * _INV_2PI
            inner += coef * cond
        total += R[p, j] * inner * _INV_2PI
    return factor * sd[2] * sd[3] * total
