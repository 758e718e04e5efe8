"""Fixed points of the full ODEs: the K = M = L = 2 degenerate trap line, the unspecialised saddle."""
import numpy as np
import pytest

from plateau import Setup
from plateau.fixed_points import ZERO_TOL, find_fixed_point, polish, state_from_overlaps
from plateau.kernels.state import pack, unpack
from plateau.ode import rhs_function
from plateau.stability import analyse

from helpers import soft_committee, symmetric_start

DATA = "tests/data/"


def trap_line_point(setup, b):
    """A point on the line of fixed points of the K = M = L = 2 degenerate teacher: Q all equal,
    R all equal, w_1 = (a, b), w_2 = (a, -b); b is held fixed and the rest polished."""
    Q = np.full((2, 2), 0.366)
    R = np.full((2, 2), -0.427)
    W = np.array([[-0.965, b], [-0.965, -b]])
    f = rhs_function(setup)
    free = np.array([0, 1, 2, 3, 4, 5, 6, 7, 9])     # all but W[0,1] and W[1,1] (entries 8 and 10)
    y, residual = polish(f, pack(Q, R, W), free)
    assert residual < 1e-14
    return y


@pytest.fixture(scope="module")
def trap_setup():
    return Setup.from_file(DATA + "trap_K2_L2_degenerate_seed12.json")


def test_trap_line_with_b_03_is_a_trap_with_one_exact_zero_mode(trap_setup):
    point = find_fixed_point(trap_setup, trap_line_point(trap_setup, 0.3))
    assert point.found and point.classification == "trap"
    real = np.sort(point.eigenvalues.real)
    # One zero mode (the line itself, along b): measured |lambda| ~ 3e-13, the Jacobian's error scale.
    assert np.sum(np.abs(real) < ZERO_TOL) == 1 and ZERO_TOL == 1e-8
    # All others negative; the slowest measured -4.0e-5, far from the tolerance.
    assert np.all(real[:-1] < -1e-5)
    assert point.zero_modes == 1 and point.n_unstable == 0
    # The structure: both units coincide, one unused output with second-layer components +-b.
    s = point.structure
    assert s["coinciding_units"] == [[0, 1]] and s["unused_outputs"] == 1
    assert np.abs(s["unused_components"]).ravel() == pytest.approx([0.3, 0.3], abs=1e-9)
    # eps_g on the line equals the saddle's to 1e-6 (0.0120528 here; the issue quotes 0.012053).
    assert point.eps_g == pytest.approx(0.0120528, abs=1e-6)


def test_trap_line_with_b_01_is_a_saddle(trap_setup):
    point = find_fixed_point(trap_setup, trap_line_point(trap_setup, 0.1))
    assert point.classification == "saddle" and point.n_unstable == 1
    assert point.lambda_max == pytest.approx(0.005525, rel=1e-3)   # measured 0.0055248


def test_overlaps_reconstruct_a_state_with_the_same_classification(trap_setup):
    y = trap_line_point(trap_setup, 0.3)
    Q, R, W = unpack(y, 2, 2, 2)
    y2 = state_from_overlaps(trap_setup, Q, R, W @ W.T, W @ trap_setup.V.T)
    Q2, R2, W2 = unpack(y2, 2, 2, 2)
    assert np.allclose(W2 @ W2.T, W @ W.T, atol=1e-12) and np.allclose(W2 @ trap_setup.V.T, W @ trap_setup.V.T)
    assert find_fixed_point(trap_setup, y2, describe=False).classification == "trap"


def test_unspecialised_fixed_point_of_soft_committee_is_a_saddle_with_stabilitys_rate():
    Q, R = symmetric_start(2, 2, q=0.2, r=0.0, delta=1e-6)
    setup = soft_committee(2, 2, 0.1, Q=Q, R=R)
    result = analyse(setup)
    point = find_fixed_point(setup, pack(result.Q, result.R, result.W))
    assert point.classification == "saddle" and point.n_unstable == 1
    # The same Jacobian at the same point: equal to rounding.
    assert point.lambda_max == pytest.approx(result.lambda_max, rel=1e-6)
    assert point.structure["unspecialised_units"] == [[0, 1]] and point.structure["coinciding_units"] == []


def test_no_fixed_point_far_from_one_is_reported_not_guessed():
    Q, R = symmetric_start(2, 2, q=0.2, r=0.0, delta=0.1)
    setup = soft_committee(2, 2, 0.1, Q=Q, R=R)
    point = find_fixed_point(setup, pack(setup.Q, setup.R, setup.W))
    # Gauss-Newton may land on some fixed point; whatever it is, it is classified or says it is not found.
    assert point.classification in ("saddle", "trap", "undecided")
    if not point.found:
        assert point.classification == "undecided" and "no fixed point" in point.message
