"""Aligning the runs' units before averaging (plateau.align): the averaged order parameters of
runs that specialised in different orders mean something, and nothing else changes."""
import numpy as np
import pytest

from plateau import Setup, integrate
from plateau.align import best_alignment
from plateau.sgd import seed_average, simulate_seeds

N, RUNS, ALPHA = 1000, 8, 600.0


@pytest.fixture(scope="module")
def runs():
    # K = M = 2 soft committee machine, eta = 0.5, started exactly with an asymmetry of 1e-4, far
    # below the 1/sqrt(N) = 0.03 of the SGD noise: each run specialises in an order of its own.
    setup = Setup(activation="erf", eta=0.5, eta_w=0.0, sigma=0.0, T=np.eye(2), V=np.ones((2, 1)),
                  Q=0.25 * np.eye(2), R=np.array([[1e-4, 0.0], [0.0, 0.0]]), W=np.ones((2, 1)))
    return setup, simulate_seeds(setup, N, ALPHA, seeds=RUNS, alphas=[100, 200, 300, 400, 500, ALPHA], seed=1,
                                 start="exact")


def test_aligned_mean_is_the_specialised_state_and_the_plain_mean_is_not(runs):
    setup, seeds = runs
    orders = {int(np.argmax(run.R[-1][0])) for run in seeds}
    assert orders == {0, 1}, "the runs should specialise in both orders (else the test shows nothing)"
    specialised = integrate(setup, 5000.0, points=50).R[-1]    # the ODE's specialised R: the teacher's T
    aligned = seed_average(seeds, ALPHA, align="teacher")
    plain = seed_average(seeds, ALPHA, align="none")
    sem_a, sem_p = aligned.order_parameter_sem["R"][-1], plain.order_parameter_sem["R"][-1]
    # Within 4 standard errors, plus the finite-N offset of a converged SGD run: its weights fluctuate
    # around the fixed point with variance O(eta / N), which lowers R's diagonal by ~5e-4 at N = 1000.
    assert np.all(np.abs(aligned.R[-1] - specialised) <= 4 * sem_a + 2e-3)
    # Unaligned, both rows mix the two orders: R ~ 0.25 / 0.75 everywhere, many standard errors off.
    assert np.all(np.abs(plain.R[-1] - specialised) > 4 * sem_p + 2e-3)


def test_alignment_changes_no_permutation_invariant_quantity(runs):
    setup, seeds = runs
    plain = seed_average(seeds, ALPHA, align="none")
    for mode, reference in (("teacher", None), ("ode", integrate(setup, ALPHA, alphas=seeds[0].alpha[1:]))):
        aligned = seed_average(seeds, ALPHA, align=mode, reference=reference)
        assert np.array_equal(aligned.eps_g, plain.eps_g) and np.array_equal(aligned.eps_g_sem, plain.eps_g_sem)
        for name in "QD":   # traces and totals are invariant under a permutation of the units
            np.testing.assert_allclose(np.trace(getattr(aligned, name), axis1=1, axis2=2),
                                       np.trace(getattr(plain, name), axis1=1, axis2=2), rtol=1e-13, atol=1e-15)
            np.testing.assert_allclose(getattr(aligned, name).sum(axis=(1, 2)), getattr(plain, name).sum(axis=(1, 2)),
                                       rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(aligned.R.sum(axis=1), plain.R.sum(axis=1), rtol=1e-13, atol=1e-15)
        assert aligned.align == mode


def test_align_none_is_the_plain_average_bit_for_bit(runs):
    _, seeds = runs
    plain = seed_average(seeds, ALPHA, align="none")
    for name in "QRDE":   # the formula of plateau 0.1: the mean over runs, nothing else
        assert np.array_equal(getattr(plain, name), np.mean([getattr(run, name) for run in seeds], axis=0))


def test_best_alignment_undoes_a_known_permutation_and_sign():
    rng = np.random.default_rng(3)
    R, E = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    order, sign = np.array([2, 0, 1]), np.array([1.0, -1.0, 1.0])
    # The run's unit order[i], flipped by sign[i], is the reference's unit i.
    R_run, E_run = np.empty_like(R), np.empty_like(E)
    R_run[order], E_run[order] = sign[:, None] * R, sign[:, None] * E
    found_order, found_sign = best_alignment(R_run, E_run, R, E)
    assert np.array_equal(found_order, order) and np.array_equal(found_sign, sign)
    assert np.array_equal(best_alignment(R_run, E_run, R, E, signs=False)[1], np.ones(3))
