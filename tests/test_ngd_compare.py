"""NGD SGD against the NGD ODE (issue 13), in the style of tests/test_compare.py.

Soft committee machine (erf, K = M = 2, w = 1 frozen) under NGD with eps = 0.1,
eta = 0.3, started exactly (start='exact') at Q = 0.2 I, R = diag(0.1).  Per seed
eps_g fluctuates around the ODE by A / sqrt(N); the checks, up to alpha = 15
(before eps_g falls to a third of its alpha = 10 value, i.e. before the escape
completes):

- the seed mean lies within C_DEV / sqrt(N) of the ODE, C_DEV = 0.3 (measured: single-run sd A = max sd sqrt(N) up to 0.16), and its own
  standard error is below C_DEV / (3 sqrt N) (asserted), so a correct
  simulation passes by >= 3 standard errors while an O(1) error in the NGD
  drift fails;
- the rms deviation of single runs times sqrt(N) does not grow with N beyond
  its statistical error (factor 1.5): the 1/sqrt(N) approach.

The default test uses N = 250 and 1000; the slow one N = 500, 1000, 2000.
"""
import numpy as np
import pytest

from plateau import Setup, integrate
from plateau.sgd import seed_average, simulate_seeds

from helpers import symmetric_start

C_DEV = 0.3
ALPHA_MAX = 15.0


def ngd_setup():
    Q, R = symmetric_start(2, 2, q=0.2, r=0.0, delta=0.1)
    return Setup(activation="erf", eta=0.3, eta_w=0.0, sigma=0.0, T=np.eye(2), V=np.ones((2, 1)), Q=Q, R=R,
                 W=np.ones((2, 1)), algorithm="ngd", damping=0.1)


def check(sizes):
    setup = ngd_setup()
    alphas = np.arange(1, 76) * 0.2                 # whole steps at every N used here
    ode = integrate(setup, ALPHA_MAX, alphas=alphas)
    assert ode.success
    rms, worst = {}, {}
    for N, seeds in sizes.items():
        runs = simulate_seeds(setup, N, ALPHA_MAX, alphas=alphas, seeds=seeds, seed=3, start="exact")
        mean = seed_average(runs)
        assert mean.success, mean.message
        np.testing.assert_allclose(mean.alpha, ode.alpha, rtol=0, atol=1e-12)
        per_seed = np.array([run.eps_g for run in runs])
        bound = C_DEV / np.sqrt(N)
        assert mean.eps_g_sem.max() < bound / 3
        worst[N] = np.max(np.abs(mean.eps_g - ode.eps_g))
        assert worst[N] < bound, (N, worst[N], bound)
        rms[N] = np.sqrt(np.mean((per_seed - ode.eps_g) ** 2))
    sizes = sorted(rms)
    for small, large in zip(sizes, sizes[1:]):
        assert rms[large] < rms[small]
        assert rms[large] * np.sqrt(large) < 1.5 * rms[small] * np.sqrt(small)
    return worst, rms


def test_ngd_sgd_approaches_the_ngd_ode():
    check({250: 12, 1000: 8})


@pytest.mark.slow
def test_ngd_sgd_approaches_the_ngd_ode_at_three_sizes():
    worst, rms = check({500: 16, 1000: 12, 2000: 10})
    print({N: (worst[N], rms[N] * np.sqrt(N)) for N in worst})
