"""The vectorised paths of large networks against the plain references.

From K = 5 student units the erf I4 sums run vectorised over the pairs of units
(plateau.kernels.erf_pairs), with an arcsine without square root for |arg| <= 1/2
and the full one for blocks beyond; the I3 sums run over all units at once; the
Jacobian of the fixed-point analysis is one compiled call.  From K + M = 9 fields
the I4 sum of a pair of units maps its arcsines as one vector (erf.i4_contract).
"""
from dataclasses import replace

import numpy as np
import pytest

from plateau import reference
from plateau.kernels import entries, erf, erf_pairs
from plateau.kernels.arcsin import HALF_UP_TO
from plateau.kernels.integrals import ERF, LINEAR, RELU
from plateau.kernels.flows import GD
from plateau.kernels.state import covariance
from plateau.ode import _TABLEAU, initial_state, model_arguments, rhs_function
from plateau.linearise import active_coordinates, jacobian

from helpers import random_valid_setup


def _contraction_inputs(setup):
    """C (n, n) and A = [-W W^T, W V^T] (K, n) of a setup."""
    C = covariance(setup.Q, setup.R, setup.T)
    return C, np.hstack([-setup.W @ setup.W.T, setup.W @ setup.V.T])


def _largest_arcsine_argument(C, K):
    """max |L0 / sqrt(L1 L2)| over a <= b < K and all c, d (erf's I4 closed form, plain NumPy)."""
    s = 1.0 + np.diag(C)
    a, b = np.triu_indices(K)
    sa, sb, cab = s[a][:, None, None], s[b][:, None, None], C[a, b][:, None, None]
    lam4 = sa * sb - cab ** 2
    p, q = C[a][:, :, None], C[b][:, :, None]
    pt, qt = C[a][:, None, :], C[b][:, None, :]
    lam0 = lam4 * C[None] - sa * q * qt - sb * p * pt + cab * (p * qt + pt * q)
    diag = np.diagonal(lam0, axis1=1, axis2=2)
    return np.max(np.abs(lam0 / np.sqrt((diag[:, :, None] + lam4) * (diag[:, None, :] + lam4))))


@pytest.mark.parametrize("L", [1, 2])     # one output: the weights factor (A = w alpha^T)
@pytest.mark.parametrize("K, M", [(5, 2), (6, 6), (8, 3), (16, 16)])
def test_vectorised_i4_sums_match_the_pair_by_pair_loop(K, M, L):
    rng = np.random.default_rng(K * 100 + M)
    for largest in (0.9, 3.0):      # the largest squared norm of a unit
        setup = random_valid_setup(rng, K, M, L)
        C, A = _contraction_inputs(setup)
        C *= largest / np.max(np.diag(C))
        # norms below 1: every argument within 1/2 (no square root); above: some blocks beyond
        # (the full arcsine)
        largest_argument = _largest_arcsine_argument(C, K)
        assert largest_argument > HALF_UP_TO if largest > 1.0 else largest_argument <= 0.5
        got = erf_pairs.i4_sums(C, A, setup.W, setup.V)
        want = np.array([[erf.i4_contract(C, a, b, A[a], A[b]) for b in range(K)] for a in range(K)])
        # Both sum the same terms in the same order; the terms differ by rounding only (another
        # coding of the same argument, an arcsine within 2 ulp): a few 1e-16 relative per term.
        # The sums cancel (A has both signs), so the bound is on the sum of |terms|: 1e-14 of it
        # is 50x the per-term difference.
        I4 = reference.gaussian_tensors(C, K, "erf")[2]
        size = np.einsum("ac,bd,abcd->ab", np.abs(A), np.abs(A), np.abs(I4))
        assert np.all(np.abs(got - want) <= 1e-14 * size)
        assert np.array_equal(got, got.T)


@pytest.mark.parametrize("K, M", [(5, 2), (16, 16)])
def test_i3_sums_are_the_row_by_row_contractions(K, M):
    rng = np.random.default_rng(K)
    setup = random_valid_setup(rng, K, M, 2)
    C, A = _contraction_inputs(setup)
    rows = np.array([erf.i3_contract(C, a, A[a]) for a in range(K)])
    assert np.array_equal(erf.i3_sums(C, A), rows)       # the same operations in the same order


@pytest.mark.parametrize("activation", ["erf", "relu", "linear"])
@pytest.mark.parametrize("shape", [(5, 3, 2), (7, 7, 1)])
def test_large_compiled_rhs_equals_numpy_coding(activation, shape):
    # As test_ode's check at small K, where the pair-by-pair paths run.
    rng = np.random.default_rng(5)
    setup = random_valid_setup(rng, *shape, activation=activation)
    y = initial_state(setup)
    assert np.max(np.abs(rhs_function(setup)(y) - reference.rhs(y, setup))) < 1e-12


def test_sixteen_units_rhs_equals_numpy_coding():
    rng = np.random.default_rng(16)
    setup = random_valid_setup(rng, 16, 16, 1, eta_w=0.0, sigma=0.0)
    y = initial_state(setup)
    assert np.max(np.abs(rhs_function(setup)(y) - reference.rhs(y, setup))) < 1e-12


@pytest.mark.parametrize("shape, eta_w, sigma",
                         [((5, 3, 2), 0.2, 0.1), ((7, 4, 1), 0.0, 0.0), ((16, 16, 1), 0.0, 0.0)])
def test_compiled_jacobian_is_the_central_differences(shape, eta_w, sigma):
    # linearise.jacobian uses f.jacobian when the right-hand side has one (erf, GD, K >= 5): the
    # same central differences, the I4 sums differenced term by term where they change.
    rng = np.random.default_rng(sum(shape))
    setup = random_valid_setup(rng, *shape, eta_w=eta_w, sigma=sigma)
    f = rhs_function(setup)
    y = initial_state(setup)
    active = active_coordinates(setup.K, setup.M, setup.L, eta_w > 0)
    fast = jacobian(f, y, active)
    whole = jacobian(lambda v: f(v), y, active)          # 2 n_a whole right-hand sides
    plain = jacobian(lambda v: reference.rhs(v, setup), y, active)
    # Central differences carry rounding ~ eps |f| / h = 1e-16 / 1e-6 per entry times a few
    # (|f| <= 1 here): 1e-10 between two codings of f (measured 1e-11..1.2e-10); 1e-9 is 10x that.
    assert np.max(np.abs(fast - whole)) < 1e-9
    assert np.max(np.abs(fast - plain)) < 1e-9


def test_only_large_erf_gradient_descent_has_the_compiled_jacobian():
    rng = np.random.default_rng(1)
    large = random_valid_setup(rng, 5, 2, 1)
    assert hasattr(rhs_function(large), "jacobian")
    assert not hasattr(rhs_function(random_valid_setup(rng, 4, 4, 1)), "jacobian")
    assert not hasattr(rhs_function(random_valid_setup(rng, 5, 2, 1, activation="relu")), "jacobian")
    assert not hasattr(rhs_function(replace(large, algorithm="ngd", damping=0.1)), "jacobian")


@pytest.mark.parametrize("K, M, wide", [(4, 4, False), (2, 6, False), (4, 5, True), (2, 7, True), (5, 1, True)])
def test_erf_networks_of_more_than_eight_fields_or_five_units_take_the_wide_entries(K, M, wide):
    assert entries.wide(ERF, K, M) is wide
    assert entries.ode_entry(ERF, GD, K, M) is (entries.ode_erf_wide_gd if wide else entries.ode_erf_gd)
    assert not entries.wide(RELU, K, M) and not entries.wide(LINEAR, K, M)


@pytest.mark.parametrize("K, M", [(2, 7), (3, 6)])
def test_the_small_entries_scalar_i4_sum_is_the_wide_entries_vectorised_one(K, M):
    """Networks of K + M > 8 fields take the wide entries (erf.i4_contract's vectorised arcsines);
    the small entries compile only the scalar sum (erf.i4_contract_scalar), which serves any size.
    Both sum the same ~(K+M)^2 / 2 terms per pair of units in the same order, each arcsine within
    2 ulp of the C library's: with terms of order one, the right-hand sides agree to ~1e-14."""
    setup = random_valid_setup(np.random.default_rng(K + M), K, M, 2)
    y, model = initial_state(setup), model_arguments(setup)
    small = entries.rhs_of(entries.ode_erf_gd)(y, model, _TABLEAU)
    vectorised = entries.rhs_of(entries.ode_erf_wide_gd)(y, model, _TABLEAU)
    assert np.allclose(small, vectorised, rtol=1e-12, atol=1e-13)
    C, A = _contraction_inputs(setup)
    for a in range(K):
        assert np.isclose(erf.i4_contract_scalar(C, a, 0, A[a], A[0]), erf.i4_contract(C, a, 0, A[a], A[0]),
                          rtol=1e-12, atol=1e-14)
