"""Gaussian averages of every activation against Monte Carlo, plus exact facts for ReLU.

Monte Carlo: for each covariance the fields are sampled exactly as u = A z (z standard
normal), so fields built as equal, opposite or coplanar rows of A are so sample by sample.
ReLU's I4 is also checked against an independent deterministic quadrature (conditioning
on (u_c, u_d), Owen's T for the remaining bivariate probability) and against the
closed forms its degenerate cases reduce to.
"""
import math

import numpy as np
import pytest
from scipy.special import erf as sp_erf, ndtr, owens_t
from scipy.stats import multivariate_normal

from plateau.kernels import integrals, relu

N_SAMPLES = 2_000_000
N_FIELDS = 6

# Every case has 6 fields; the special ones build relations between specific rows of A:
#   equal:    field 4 is field 1 (a student unit equal to a teacher unit, correlation 1)
#   opposite: field 5 is -0.7 times field 2 (correlation -1)
#   coplanar: field 3 = 0.6 f0 + 0.8 f1 (positive combination, as on a symmetric plateau)
#             and field 5 = 0.5 f2 - 0.9 f4 (mixed signs)
#   rank3:    A is 6 x 3, so every 4 x 4 block of C is singular
CASES = ("generic0", "generic1", "rank3", "equal", "opposite", "coplanar")


def make_factor(case):
    """The factor A of C = A A^T for a named case."""
    seed = {name: 100 + n for n, name in enumerate(CASES)}[case]
    rng = np.random.default_rng(seed)
    cols = 3 if case == "rank3" else N_FIELDS
    A = rng.standard_normal((N_FIELDS, cols)) / math.sqrt(cols)
    A *= rng.uniform(0.6, 1.4, size=(N_FIELDS, 1))
    if case == "equal":
        A[4] = A[1]
    elif case == "opposite":
        A[5] = -0.7 * A[2]
    elif case == "coplanar":
        A[3] = 0.6 * A[0] + 0.8 * A[1]
        A[5] = 0.5 * A[2] - 0.9 * A[4]
    return A


def covariance(case):
    A = make_factor(case)
    return A @ A.T


# Index patterns of the ODE (i, k, l, p distinct; u another field), chosen so that they
# also pair up the related fields of the special cases above.
PATTERNS = {
    "i2": [(0, 0), (0, 3), (1, 4), (2, 5), (3, 5)],
    "i3": [(0, 0, 3), (1, 1, 4), (0, 2, 3), (1, 0, 4), (4, 3, 1), (2, 1, 5), (5, 0, 2), (3, 4, 3)],
    "i4": [(0, 0, 0, 0), (1, 3, 1, 3), (1, 4, 1, 4), (0, 1, 2, 3), (3, 0, 1, 4), (1, 4, 0, 2),
           (4, 0, 1, 5), (2, 5, 0, 1), (0, 1, 2, 5), (5, 3, 2, 4), (3, 3, 0, 1), (0, 0, 2, 4),
           (2, 4, 5, 5), (3, 5, 4, 1)],
    "j2": [(0, 0), (0, 3), (1, 4), (2, 5), (4, 5)],
}

ACTIVATIONS = {
    "erf": (lambda u: sp_erf(u / math.sqrt(2.0)), lambda u: math.sqrt(2.0 / math.pi) * np.exp(-0.5 * u * u)),
    "relu": (lambda u: np.maximum(u, 0.0), lambda u: (u > 0.0).astype(np.float64)),
    "linear": (lambda u: u, lambda u: np.ones_like(u)),
}

_SAMPLES = {}


def samples(case):
    """Fields u (N_FIELDS x N_SAMPLES), drawn once per case with a fixed seed."""
    if case not in _SAMPLES:
        A = make_factor(case)
        rng = np.random.default_rng(7 + CASES.index(case))
        z = rng.standard_normal((A.shape[1], N_SAMPLES))
        _SAMPLES[case] = A @ z
    return _SAMPLES[case]


def mc_mean(values):
    return values.mean(), values.std() / math.sqrt(values.size)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_kernels_match_monte_carlo(name, case):
    C = covariance(case)
    act = integrals.ACTIVATION_CODES[name]
    g_fun, gp_fun = ACTIVATIONS[name]
    u = samples(case)
    g = g_fun(u)
    gp = gp_fun(u)
    checks = []
    for a, b in PATTERNS["i2"]:
        checks.append((f"I2{(a, b)}", integrals.i2(act, C, a, b), g[a] * g[b]))
    for a, b, c in PATTERNS["i3"]:
        checks.append((f"I3{(a, b, c)}", integrals.i3(act, C, a, b, c), gp[a] * u[b] * g[c]))
    for a, b, c, d in PATTERNS["i4"]:
        checks.append((f"I4{(a, b, c, d)}", integrals.i4(act, C, a, b, c, d), gp[a] * gp[b] * g[c] * g[d]))
    for a, b in PATTERNS["j2"]:
        checks.append((f"J2{(a, b)}", integrals.j2(act, C, a, b), gp[a] * gp[b]))
    failures = []
    for label, value, integrand in checks:
        mean, se = mc_mean(integrand)
        # A correct kernel misses the sample mean by more than 5 standard errors with
        # probability ~6e-7 per check (the CLT holds well at 2e6 samples), i.e. < 1e-3 for
        # all checks of the file together, and the seeds are fixed.  A formula error
        # larger than ~0.5% of a typical value is well above 5 SE and is caught.  The
        # floor covers integrands without variance (e.g. linear J2 = 1, or ReLU products
        # of opposite fields, = 0), where only rounding remains.
        tol = 5.0 * se + 1e-12
        if not (np.isfinite(value) and abs(value - mean) <= tol):
            failures.append(f"{label}: kernel {value:.8g}, MC {mean:.8g} +- {se:.2g}")
    assert not failures, f"{name}/{case}:\n" + "\n".join(failures)


# ----------------------------------------------------------------------------------------
# Deterministic reference for ReLU's I4 (independent of plateau.kernels.relu):
#   I4 = E[u_c u_d 1{u_c > 0, u_d > 0} P(u_a > 0, u_b > 0 | u_c, u_d)],
# a 2-d integral over the quadrant u_c, u_d > 0 in whitened polar coordinates (r, phi).
# The conditional probability is Owen's-T formula for the bivariate normal (or its
# rank-deficient limits), smooth in r; in phi it has kinks / steep layers only on the
# rays where a conditional mean (or the difference of the two) vanishes, so phi is split
# there and each piece gets a tanh-sinh rule; r gets Gauss-Legendre on [0, 13].
# ----------------------------------------------------------------------------------------
def _bvn_cdf(h, k, rho):
    """P(Z_1 < h, Z_2 < k), standard bivariate normal with correlation |rho| < 1, h k != 0."""
    s = math.sqrt(1.0 - rho * rho)
    beta = np.where(h * k > 0.0, 0.0, 0.5)
    return (0.5 * ndtr(h) + 0.5 * ndtr(k) - owens_t(h, (k - rho * h) / (h * s))
            - owens_t(k, (h - rho * k) / (k * s)) - beta)


def _conditional_positive(ma, mb, sa, sb, rho, eps=1e-12):
    """P(ma + sa Z_a > 0, mb + sb Z_b > 0), corr(Z_a, Z_b) = rho."""
    if sa == 0.0 and sb == 0.0:
        return (ma > 0.0) * (mb > 0.0) * 1.0
    if sa == 0.0:
        return (ma > 0.0) * ndtr(mb / sb)
    if sb == 0.0:
        return (mb > 0.0) * ndtr(ma / sa)
    h, k = ma / sa, mb / sb
    if rho >= 1.0 - eps:
        return ndtr(np.minimum(h, k))
    if rho <= -1.0 + eps:
        return np.maximum(0.0, ndtr(h) + ndtr(k) - 1.0)
    return _bvn_cdf(h, k, rho)


def reference_relu_i4(C, a, b, c, d, n_r=240, n_phi=120):
    xr, wr = np.polynomial.legendre.leggauss(n_r)
    r = 6.5 * (xr + 1.0)
    wr = 6.5 * wr
    S_cd = C[np.ix_([c, d], [c, d])]
    L = np.linalg.cholesky(S_cd)                     # (u_c, u_d) = L (x, y)
    C_ab_cd = C[np.ix_([a, b], [c, d])]
    K = C_ab_cd @ np.linalg.inv(S_cd)
    S = C[np.ix_([a, b], [a, b])] - K @ C_ab_cd.T   # conditional covariance of (u_a, u_b)
    # conditional variances at rounding level (fields built as exact combinations) are 0
    sa = math.sqrt(S[0, 0]) if S[0, 0] > 1e-12 * C[a, a] else 0.0
    sb = math.sqrt(S[1, 1]) if S[1, 1] > 1e-12 * C[b, b] else 0.0
    rho = S[0, 1] / (sa * sb) if min(sa, sb) > 0.0 else 0.0
    KL = K @ L                                       # conditional means per unit (x, y)
    lo, hi = -math.atan2(L[1, 0], L[1, 1]), 0.5 * math.pi   # the quadrant u_c, u_d > 0
    forms = [KL[0], KL[1]]
    if min(sa, sb) > 0.0:
        forms += [KL[0] / sa - KL[1] / sb, KL[0] / sa + KL[1] / sb]
    cuts = [lo, hi]
    for A_, B_ in forms:
        if abs(A_) + abs(B_) > 1e-14:
            phi0 = math.atan2(-A_, B_)
            cuts += [p for p in phi0 + math.pi * np.arange(-2, 3) if lo < p < hi]
    cuts = np.sort(cuts)
    step = 6.0 / n_phi
    kk = step * np.arange(-n_phi, n_phi + 1)
    x_ts = np.tanh(0.5 * math.pi * np.sinh(kk))
    w_ts = step * 0.5 * math.pi * np.cosh(kk) / np.cosh(0.5 * math.pi * np.sinh(kk)) ** 2
    keep = np.abs(x_ts) < 1.0 - 1e-13   # the dropped tails weigh < 1e-13
    x_ts, w_ts = x_ts[keep], w_ts[keep]
    radial = wr * r ** 3 * np.exp(-0.5 * r * r) / (2.0 * math.pi)
    total = 0.0
    for p0, p1 in zip(cuts[:-1], cuts[1:]):
        if p1 - p0 < 1e-15:
            continue
        phi = 0.5 * (p0 + p1) + 0.5 * (p1 - p0) * x_ts
        w_phi = 0.5 * (p1 - p0) * w_ts
        cos, sin = np.cos(phi), np.sin(phi)
        uc_ud = (L[0, 0] * cos) * (L[1, 0] * cos + L[1, 1] * sin)
        ma = np.outer(r, KL[0, 0] * cos + KL[0, 1] * sin)
        mb = np.outer(r, KL[1, 0] * cos + KL[1, 1] * sin)
        total += radial @ _conditional_positive(ma, mb, sa, sb, rho) @ (w_phi * uc_ud)
    return total


def test_reference_bivariate_cdf_agrees_with_scipy():
    for h, k, rho in [(0.3, -1.2, 0.5), (-0.7, -0.2, -0.8), (1.5, 0.4, 0.95), (-2.0, 1.0, 0.1)]:
        expected = multivariate_normal(cov=[[1.0, rho], [rho, 1.0]]).cdf([h, k])
        assert abs(_bvn_cdf(np.array(h), np.array(k), rho) - expected) < 1e-6


@pytest.mark.parametrize("case, patterns", [
    ("generic0", [(0, 1, 2, 3), (3, 5, 1, 4), (0, 0, 2, 3)]),
    ("generic1", [(0, 1, 2, 3), (2, 4, 5, 0)]),
    ("rank3", [(0, 1, 2, 3), (4, 2, 5, 1)]),           # singular 4 x 4 blocks
    ("equal", [(4, 0, 1, 2), (1, 4, 0, 2)]),            # u_4 == u_1 among the step functions
    ("coplanar", [(3, 2, 0, 1), (5, 1, 2, 4), (0, 3, 4, 1)]),
])
def test_relu_i4_matches_deterministic_reference(case, patterns):
    C = covariance(case)
    for idx in patterns:
        # The reference converges to ~1e-14 here; the kernel's quadrature to ~1e-9.
        assert abs(relu.i4(C, *idx) - reference_relu_i4(C, *idx)) < 1e-8, idx


def _arccos_kernel(C, a, b):
    """E[relu(u_a) relu(u_b)], written out independently of the module."""
    cos = np.clip(C[a, b] / math.sqrt(C[a, a] * C[b, b]), -1.0, 1.0)
    th = math.acos(cos)
    return math.sqrt(C[a, a] * C[b, b]) * (math.sin(th) + (math.pi - th) * cos) / (2.0 * math.pi)


@pytest.mark.parametrize("case", ["generic0", "rank3", "equal"])
def test_relu_exact_identities(case):
    C = covariance(case)
    for a in range(N_FIELDS):
        assert relu.i2(C, a, a) == pytest.approx(C[a, a] / 2, rel=1e-13)
        assert relu.j2(C, a, a) == pytest.approx(0.5, rel=1e-13)
        assert relu.i4(C, a, a, a, a) == pytest.approx(C[a, a] / 2, rel=1e-13)
        for b in range(N_FIELDS):
            # Theta(u_a) u_b relu(u_a) = u_b u_a Theta(u_a), and E[u_a u_b Theta(u_a)] = C_ab / 2
            assert relu.i3(C, a, b, a) == pytest.approx(C[a, b] / 2, rel=1e-12, abs=1e-15)
            # relu(u_a) relu(u_b) already vanishes unless both are positive
            assert relu.i4(C, a, b, a, b) == pytest.approx(_arccos_kernel(C, a, b), rel=1e-9, abs=1e-14)
            assert relu.i2(C, a, b) == pytest.approx(_arccos_kernel(C, a, b), rel=1e-12, abs=1e-15)


def test_relu_i4_degenerate_cases_reduce_to_closed_forms():
    # u_4 == u_1: the two step functions coincide
    C = covariance("equal")
    assert relu.i4(C, 4, 1, 1, 1) == pytest.approx(C[1, 1] / 2, rel=1e-12)
    for b in (0, 2, 3, 5):
        assert relu.i4(C, 4, b, 1, b) == pytest.approx(_arccos_kernel(C, 1, b), rel=1e-9)
        # E[v^2 1{v > 0, w > 0}] = 1/4 + asin(rho)/(2pi) + rho sqrt(1 - rho^2)/(2pi) for unit v, w
        rho = C[1, b] / math.sqrt(C[1, 1] * C[b, b])
        expected = C[1, 1] * (0.25 + (math.asin(rho) + rho * math.sqrt(1 - rho * rho)) / (2 * math.pi))
        assert relu.i4(C, 4, b, 1, 1) == pytest.approx(expected, rel=1e-9)
        assert relu.i4(C, b, 4, 1, 1) == pytest.approx(expected, rel=1e-9)

    # u_5 == -0.7 u_2: the fields are never positive together
    C = covariance("opposite")
    for other in (0, 1, 3, 4):
        assert relu.i4(C, 5, other, 2, other) == 0.0
        assert relu.i4(C, other, other, 2, 5) == 0.0
        assert relu.i4(C, 2, 5, other, other) == 0.0

    # u_3 = 0.6 u_0 + 0.8 u_1 is positive whenever u_0 and u_1 are
    C = covariance("coplanar")
    assert relu.i4(C, 3, 3, 0, 1) == pytest.approx(_arccos_kernel(C, 0, 1), rel=1e-9)
    # and -u_3 is never positive together with both
    C_neg = C.copy()
    C_neg[3, :] *= -1.0
    C_neg[:, 3] *= -1.0
    for b in (2, 4, 5):
        assert relu.i4(C_neg, 3, b, 0, 1) == 0.0
        assert relu.i4(C_neg, b, 3, 1, 0) == 0.0


def test_relu_i4_symmetries_and_bounds():
    """Symmetric in (a, b) and in (c, d); 0 <= I4(a,b,c,d) <= I4(a,a,c,d) <= sqrt(C_cc C_dd)/2.

    On random covariances of rank 1 to 5 (so often singular), some with two fields equal
    or opposite; the slack is the kernel's quadrature accuracy, 1e-9 sqrt(C_cc C_dd).
    """
    rng = np.random.default_rng(3)
    for trial in range(200):
        rank = rng.integers(1, 6)
        A = rng.standard_normal((5, rank))
        if trial % 3 == 0:
            A[rng.integers(5)] = rng.choice([-1.0, 1.0]) * A[rng.integers(5)]
        C = A @ A.T
        a, b, c, d = rng.integers(0, 5, size=4)
        slack = 1e-9 * math.sqrt(C[c, c] * C[d, d])
        v = relu.i4(C, a, b, c, d)
        assert np.isfinite(v)
        assert abs(v - relu.i4(C, b, a, c, d)) <= slack
        assert abs(v - relu.i4(C, a, b, d, c)) <= slack
        upper = relu.i4(C, a, a, c, d)
        assert -slack <= v <= upper + slack
        assert upper <= 0.5 * math.sqrt(C[c, c] * C[d, d]) + slack


def test_relu_i4_continuous_near_identical_fields():
    """u_4 = u_1 + s n: I4 moves by O(s) (the sign of u_4 differs from u_1's with probability O(s))."""
    A = make_factor("equal")
    n = np.random.default_rng(5).standard_normal(N_FIELDS) / math.sqrt(N_FIELDS)
    C0 = A @ A.T
    for idx in [(4, 0, 1, 2), (1, 4, 0, 2), (0, 2, 1, 4), (4, 3, 2, 1)]:
        exact = relu.i4(C0, *idx)
        for s in (1e-3, 1e-5, 1e-7, 1e-9, 1e-11):
            B = A.copy()
            B[4] = A[1] + s * n
            assert abs(relu.i4(B @ B.T, *idx) - exact) <= s + 1e-10, (idx, s)
