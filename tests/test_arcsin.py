"""The vectorised arcsine of plateau.kernels.arcsin against the C library's, over its whole domain."""
import math

import numpy as np

from numba import njit

from plateau.kernels.arcsin import HALF_UP_TO, asin_half, asin_into


def _asin(x):
    x = np.ascontiguousarray(x, dtype=float)
    out = np.empty_like(x)
    asin_into(x, out, x.size)
    return out


def test_accurate_to_a_few_ulp_over_the_whole_domain():
    # A dense grid of [-1, 1], geometric approaches to 0 and to +-1 (where the two branches
    # have their largest relative error), both sides of the switch at |x| = 1/2, and random
    # points.  The reference is NumPy's arcsin (the C library's, correctly rounded to < 1 ulp).
    rng = np.random.default_rng(0)
    near_one = 1.0 - np.geomspace(1e-17, 0.5, 20_000)
    tiny = np.geomspace(1e-300, 0.5, 20_000)
    half = 0.5 + np.linspace(-1e-6, 1e-6, 2001)
    x = np.concatenate([np.linspace(-1.0, 1.0, 1_000_001), near_one, -near_one, tiny, -tiny, half, -half,
                        rng.uniform(-1.0, 1.0, 200_000), np.nextafter(0.5, [0.0, 1.0])])
    got, want = _asin(x), np.arcsin(x)
    ulps = np.abs(got - want) / np.spacing(np.abs(want))
    assert ulps.max() <= 4.0, f"{ulps.max():.1f} ulp at x = {x[np.argmax(ulps)]!r}"
    assert np.all(np.sign(got) == np.sign(x))


def test_exact_values_clamping_and_nan():
    x = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 1.0 + 1e-15, -1.0 - 1e-12, 3.0, -np.inf, np.inf, np.nan])
    got = _asin(x)
    assert got[0] == 0.0 and math.copysign(1.0, got[1]) == -1.0        # signed zero kept
    assert got[2] == math.pi / 2 and got[3] == -math.pi / 2
    assert abs(got[4] - math.pi / 6) <= 2 * np.spacing(math.pi / 6)
    # outside [-1, 1]: clamped, as erf's arcsine arguments are (rounding of a correlation)
    assert list(got[5:10]) == [math.pi / 2, -math.pi / 2, math.pi / 2, -math.pi / 2, math.pi / 2]
    assert np.isnan(got[10])                                           # a NaN state stays visible


def test_only_count_entries_are_written():
    out = np.full(5, 7.0)
    asin_into(np.full(5, 0.25), out, 3)
    assert np.all(out[3:] == 7.0) and np.allclose(out[:3], math.asin(0.25), rtol=0, atol=1e-16)


@njit
def _half_into(x, out):
    for k in range(x.size):
        out[k] = asin_half(x[k])


def test_square_root_free_half_to_one_ulp_a_little_beyond_one_half():
    # asin_half serves the I4 sums' arguments up to HALF_UP_TO = 1/2 + 1/1024 (rounding puts
    # correlations of exactly 1/2 a few ulp above); the same reference as above.
    rng = np.random.default_rng(1)
    edge = HALF_UP_TO - np.geomspace(1e-16, 0.01, 2_000)
    x = np.concatenate([np.linspace(-HALF_UP_TO, HALF_UP_TO, 400_001), edge, -edge,
                        np.geomspace(1e-300, 0.5, 2_000), rng.uniform(-HALF_UP_TO, HALF_UP_TO, 100_000),
                        [0.0, 0.5, -0.5, HALF_UP_TO]])
    got = np.empty_like(x)
    _half_into(x, got)
    want = np.arcsin(x)
    ulps = np.abs(got - want) / np.spacing(np.abs(want))
    assert ulps.max() <= 1.0, f"{ulps.max():.1f} ulp at x = {x[np.argmax(ulps)]!r}"
