"""The ODE engine: fixed points, invariances, the compiled paths against plain references."""
import numpy as np
import pytest
from scipy.optimize import fsolve

from plateau import Setup, Trajectory, integrate
from plateau import reference
from plateau.kernels.integrals import ACTIVATION_CODES
from plateau.kernels.rhs import derivatives, generalisation_error
from plateau.ode import initial_state, rhs_function

from helpers import random_valid_setup, soft_committee, symmetric_start


def symmetric_fixed_point(K, eta):
    """Root of the soft-committee RHS restricted to the unspecialised subspace.

    On that subspace Q_ii = q, Q_ik = c (i != k), R_in = r for all i, n (K = M,
    T = I), so three equations dQ_00 = dQ_01 = dR_00 = 0 in three unknowns.  The
    start (q, c, r) = (0.5, 0.4, 0.5) is a generic point, not read off a trajectory.
    """
    T, V, W = np.eye(K), np.ones((K, 1)), np.ones((K, 1))

    def residual(x):
        q, c, r = x
        Q = np.full((K, K), c) + (q - c) * np.eye(K)
        R = np.full((K, K), r)
        dQ, dR, _ = derivatives(Q, R, W, T, V, ACTIVATION_CODES["erf"], eta, 0.0, 0.0)
        return [dQ[0, 0], dQ[0, 1], dR[0, 0]]

    x, _, ok, msg = fsolve(residual, [0.5, 0.4, 0.5], full_output=True, xtol=1e-13)
    assert ok == 1, msg
    assert np.max(np.abs(residual(x))) < 1e-12
    q, c, r = x
    return np.full((K, K), c) + (q - c) * np.eye(K), np.full((K, K), r)


@pytest.mark.parametrize("K", [2, 3])
def test_plateau_level_is_the_symmetric_fixed_point(K):
    eta = 0.1
    Q, R = symmetric_start(K, K, q=0.2, r=0.0, delta=1e-6)
    setup = soft_committee(K, K, eta, Q=Q, R=R)
    alpha = np.geomspace(1, 5e4, 600)
    traj = integrate(setup, alpha[-1], alphas=alpha)
    assert traj.success, traj.message
    Qf, Rf = symmetric_fixed_point(K, eta)
    eps_fp = generalisation_error(Qf, Rf, np.ones((K, K)), np.ones((K, K)), np.eye(K), np.ones((K, K)),
                                  ACTIVATION_CODES["erf"])
    # On the plateau eps_g is nearly flat: take the times where its log-slope is smallest.
    # (The learned state at the end, eps_g -> 0, is flat too; it lies below 1e-4 and is left out.)
    eps, alpha = traj.eps_g[1:], traj.alpha[1:]
    slope = np.abs(np.gradient(np.log(np.clip(eps, 1e-300, None)), np.log(alpha)))
    slope[eps < 1e-4] = np.inf
    on_plateau = eps[np.argmin(slope)]
    # The trajectory passes the fixed point at a distance set by the 1e-6 asymmetry and its slow drift;
    # 0.5 % is far below the gap to the start (eps_g ~ 0.4) and to the end (eps_g -> 0).
    assert on_plateau == pytest.approx(eps_fp, rel=5e-3)
    # ... and it really is a plateau followed by learning.
    assert traj.eps_g[-1] < 1e-3 * eps_fp


@pytest.mark.parametrize("activation", ["erf", "relu", "linear"])
def test_student_equal_to_teacher_is_a_fixed_point(activation):
    rng = np.random.default_rng(1)
    K = M = 3
    L = 2
    base = random_valid_setup(rng, K, M, L, activation=activation, sigma=0.0)
    # eta small enough for the perfect student to be stable (linear units become unstable there
    # near eta ~ 1 / tr T: the eta^2 term of dQ is first order in the order parameters).
    setup = Setup(activation=activation, eta=0.1, eta_w=0.1, sigma=0.0, T=base.T, V=base.V,
                  Q=base.T, R=base.T, W=base.V)
    dy = rhs_function(setup)(initial_state(setup))
    # Exactly zero in exact arithmetic; rounding of O(1) terms leaves ~1e-15.
    assert np.max(np.abs(dy)) < 1e-12
    traj = integrate(setup, 100.0, points=20)
    assert traj.success
    # The state stays put over the whole run, to the solver's tolerance scale: the exact solutions
    # form a manifold (rescalings between layers), along which nothing pulls rounding back.
    assert np.max(np.abs(traj.R - setup.R)) < 1e-8
    assert np.max(np.abs(traj.Q - setup.Q)) < 1e-8
    # ... and eps_g stays at zero up to the square-root branch of the averages at this singular
    # covariance (fields equal, correlation 1: arcsin(1 - d) = pi/2 - sqrt(2 d)), which turns
    # rounding d ~ 1e-16 of the state into ~1e-8 of eps_g.
    assert np.max(np.abs(traj.eps_g)) < 1e-7


def test_permuting_student_units_permutes_the_trajectory():
    rng = np.random.default_rng(2)
    setup = random_valid_setup(rng, 3, 2, 2, eta=0.5, eta_w=0.3, sigma=0.05)
    P = np.eye(3)[[2, 0, 1]]
    permuted = Setup(activation="erf", eta=setup.eta, eta_w=setup.eta_w, sigma=setup.sigma, T=setup.T,
                     V=setup.V, Q=P @ setup.Q @ P.T, R=P @ setup.R, W=P @ setup.W)
    a = integrate(setup, 50.0, points=30)
    b = integrate(permuted, 50.0, points=30)
    # Both runs take the same steps up to rounding; tolerances rtol = 1e-8 set the scale.
    assert np.allclose(b.Q, P @ a.Q @ P.T, atol=1e-8)
    assert np.allclose(b.R, P @ a.R, atol=1e-8)
    assert np.allclose(b.D, P @ a.D @ P.T, atol=1e-8)
    assert np.allclose(b.E, P @ a.E, atol=1e-8)
    assert np.allclose(a.eps_g, b.eps_g, atol=1e-10)


def test_identical_output_columns_equal_a_single_scaled_output():
    rng = np.random.default_rng(3)
    single = random_valid_setup(rng, 2, 2, 1, eta=0.4, eta_w=0.3, sigma=0.1)
    L = 3
    # L identical columns v/sqrt(L), w/sqrt(L) give F = v v^T, D = w w^T, E = w v^T: the L = 1 overlaps.
    wide = Setup(activation="erf", eta=0.4, eta_w=0.3, sigma=0.1, T=single.T,
                 V=np.repeat(single.V / np.sqrt(L), L, axis=1), Q=single.Q, R=single.R,
                 W=np.repeat(single.W / np.sqrt(L), L, axis=1))
    a = integrate(single, 200.0, points=40)
    b = integrate(wide, 200.0, points=40)
    assert wide.L == L
    for name in ("Q", "R", "D", "E"):
        assert np.allclose(getattr(a, name), getattr(b, name), atol=1e-9)
    assert np.allclose(a.eps_g, b.eps_g, atol=1e-10)


@pytest.mark.parametrize("activation", ["erf", "relu", "linear"])
@pytest.mark.parametrize("shape", [(2, 2, 1), (3, 2, 2), (2, 4, 3)])
def test_compiled_rhs_equals_numpy_coding(activation, shape):
    rng = np.random.default_rng(4)
    for _ in range(3):
        setup = random_valid_setup(rng, *shape, activation=activation)
        y = initial_state(setup)
        compiled = rhs_function(setup)(y)
        plain = reference.rhs(y, setup)
        assert np.max(np.abs(compiled - plain)) < 1e-12


def test_tightening_rtol_changes_little():
    setup = soft_committee(2, 2, 0.5, Q=np.array([[0.2, 0.01], [0.01, 0.25]]),
                           R=np.array([[0.02, 0.0], [0.01, 0.015]]))
    coarse = integrate(setup, 1000.0, alphas=[1000.0], rtol=1e-8)
    fine = integrate(setup, 1000.0, alphas=[1000.0], rtol=1e-9)
    # The global error of a tolerance-controlled run scales with rtol (times an O(1) growth
    # factor); eps_g ~ O(0.01..0.5) so "the tolerance scale" is rtol * max(eps_g, 1) = 1e-8.
    assert abs(coarse.eps_g[-1] - fine.eps_g[-1]) < 1e-8 * max(1.0, coarse.eps_g[-1]) * 10


@pytest.mark.parametrize("method", ["RK45", "DOP853"])
@pytest.mark.parametrize("case", ["soft_committee", "trained"])
def test_compiled_integrator_matches_solve_ivp(method, case):
    rng = np.random.default_rng(6)
    if case == "soft_committee":
        setup = soft_committee(3, 3, 0.3, Q=0.2 * np.eye(3) + 0.01, R=0.01 * rng.random((3, 3)))
    else:
        setup = random_valid_setup(rng, 2, 3, 2, eta=0.5, eta_w=0.5, sigma=0.1)
    fast = integrate(setup, 500.0, points=50)
    ref = integrate(setup, 500.0, points=50, method=method, rtol=1e-10, atol=1e-13)
    assert fast.success and ref.success
    # Both are within their tolerances of the exact solution; the fast path at rtol 1e-8 is the
    # looser one, and errors accumulated over the plateau are amplified by its instability (x ~100).
    assert np.max(np.abs(fast.eps_g - ref.eps_g)) < 1e-6
    assert np.max(np.abs(fast.R - ref.R)) < 1e-5


@pytest.mark.parametrize("method", ["dopri5", "RK45"])
def test_divergence_is_reported_not_crashed(method):
    setup = soft_committee(2, 2, 20.0, activation="linear", Q=0.2 * np.eye(2),
                           R=np.array([[0.1, 0.0], [0.0, 0.1]]))
    traj = integrate(setup, 1000.0, points=50, method=method)
    assert traj.status == "diverged"
    assert "diverged" in traj.message
    assert np.all(np.isfinite(traj.eps_g)) and np.all(np.isfinite(traj.Q))
    assert len(traj.alpha) < 51


def test_recorded_at_exactly_the_requested_alphas():
    setup = soft_committee(2, 2, 0.3, Q=0.2 * np.eye(2), R=np.array([[0.01, 0.0], [0.0, 0.02]]))
    alphas = [0.5, 3.0, 7.25, 100.0]
    traj = integrate(setup, 100.0, alphas=alphas)
    assert np.array_equal(traj.alpha, [0.0] + alphas)


def test_order_parameters_stay_realisable():
    # The overlaps of real vectors J, B form a positive semidefinite [[Q, R], [R^T, T]]; the exact
    # dynamics keep it so (a wrong sign or factor in dQ/dalpha or dR/dalpha breaks this soon).
    rng = np.random.default_rng(7)
    setup = random_valid_setup(rng, 3, 3, 2)
    traj = integrate(setup, 100.0, points=20)
    for Q, R in zip(traj.Q, traj.R):
        joint = np.block([[Q, R], [R.T, setup.T]])
        assert np.linalg.eigvalsh(joint).min() > -1e-9 * np.abs(joint).max()


def test_tableau_is_scipys_dormand_prince():
    from scipy.integrate import RK45
    from plateau.kernels import tableau
    for name in ("A", "B", "C", "E", "P"):
        assert np.array_equal(getattr(tableau, name), getattr(RK45, name)), name


def test_trajectory_file_says_what_it_holds(tmp_path):
    # The first line records status, engine, method and the setup; reading the file gives them back,
    # and a file without that line (plateau 0.1) still reads, as 'finished'.
    setup = soft_committee(2, 2, 0.3, Q=0.2 * np.eye(2), R=np.array([[0.01, 0.0], [0.0, 0.02]]))
    traj = integrate(setup, 10.0, points=5)
    path = tmp_path / "t.csv"
    traj.to_csv(path)
    back = Trajectory.from_csv(path)
    assert (back.status, back.engine, back.method, back.n_rhs) == ("finished", "ode", "dopri5", traj.n_rhs)
    assert back.setup == setup
    assert np.array_equal(back.table(), traj.table())
    old = tmp_path / "old.csv"
    old.write_text("".join(path.read_text().splitlines(keepends=True)[1:]))
    assert Trajectory.from_csv(old).status == "finished"
    assert np.array_equal(Trajectory.from_csv(old).table(), traj.table())


def test_a_diverged_run_says_so_when_read_back(tmp_path):
    setup = soft_committee(2, 2, 50.0, activation="linear")
    traj = integrate(setup, 100.0, points=20)
    assert traj.status == "diverged"
    traj.to_csv(tmp_path / "d.csv")
    back = Trajectory.from_csv(tmp_path / "d.csv")
    assert back.status == "diverged" and back.message == traj.message


@pytest.mark.parametrize("text, words", [
    ("", "needs a header"), ("alpha,eps_g\n", "needs a header"), ("alpha,eps_g\n0,x\n", "must be numbers"),
    ("alpha,eps_g\n0,1\n", "a trajectory file holds Q, R, D and E"), ("# plateau-trajectory {bad\nalpha\n0\n", "unreadable"),
])
def test_bad_trajectory_files_are_input_errors(tmp_path, text, words):
    from plateau.errors import InputError
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=words):
        Trajectory.from_csv(path)


def test_the_chunks_of_a_run_give_the_result_and_the_count_of_one_loop(monkeypatch):
    """The compiled loop runs in chunks of about CHUNK_SECONDS of wall time (so Ctrl-C works);
    how many there are depends on the machine's speed, and nothing in the result may: every
    recorded number and the count of right-hand sides are those of one uninterrupted loop."""
    from plateau import build_setup, ode
    setup = build_setup(K=3, M=3, sigma=0.1, seed=2)
    whole = integrate(setup, 1e3)
    monkeypatch.setattr(ode, "CHUNK_SECONDS", 1e-6)      # a chunk of ~10 steps at most
    chunked = integrate(setup, 1e3)
    assert np.array_equal(chunked.eps_g, whole.eps_g) and np.array_equal(chunked.Q, whole.Q)
    assert chunked.n_rhs == whole.n_rhs
