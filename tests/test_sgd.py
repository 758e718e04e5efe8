"""Direct SGD: the starting networks, the compiled step against plain NumPy, reproducibility,
divergence, input checks, short cross-checks against the ODE, and the ``plateau sgd`` command."""
import csv
import json

import numpy as np
import pytest

from plateau import Setup, build_setup, integrate
from plateau import sgd as sgd_module
from plateau.kernels import sgd as kernels
from plateau.kernels.integrals import ACTIVATION_CODES
from plateau.networks import make_networks, resolve_start
from plateau.reference import numpy_steps
from plateau.sgd import recording_steps, simulate, simulate_seeds
from plateau.trajectory import Trajectory

from helpers import random_valid_setup, soft_committee, symmetric_start, run_cli


# --- starting networks ---------------------------------------------------------------
@pytest.mark.parametrize("K,M,L,N", [(2, 2, 1, 50), (3, 2, 2, 500), (1, 4, 3, 5), (4, 4, 4, 2000)])
def test_exact_start_has_the_setups_overlaps(K, M, L, N):
    setup = random_valid_setup(np.random.default_rng(K * 100 + M * 10 + L), K, M, L)
    nets = make_networks(setup, N, np.random.default_rng(7), start="exact")
    Q, R, T = nets.overlaps()
    assert nets.J.shape == (K, N) and nets.B.shape == (M, N)
    for measured, expected in ((Q, setup.Q), (R, setup.R), (T, setup.T)):
        np.testing.assert_allclose(measured, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(nets.W, setup.W)
    np.testing.assert_array_equal(nets.V, setup.V)


def test_exact_start_with_a_singular_gram_matrix():
    # Student unit 0 equals teacher unit 1 and unit 1 is the zero vector: G has rank 2 of 4.
    setup = Setup(activation="erf", eta=0.5, eta_w=0.0, sigma=0.0, T=np.eye(2), V=np.ones((2, 1)),
                  Q=np.diag([1.0, 0.0]), R=np.array([[0.0, 1.0], [0.0, 0.0]]), W=np.ones((2, 1)))
    nets = make_networks(setup, 100, np.random.default_rng(0), start="exact")
    Q, R, T = nets.overlaps()
    np.testing.assert_allclose(Q, setup.Q, atol=1e-12)
    np.testing.assert_allclose(R, setup.R, atol=1e-12)
    np.testing.assert_allclose(nets.J[0], nets.B[1], atol=1e-12)


# The drawn start's statistics (both inits, ODE and SGD paths): tests/test_draws.py.


def test_start_modes():
    exact_setup = soft_committee(2, 2, 0.5)
    assert resolve_start(exact_setup, "auto") == "exact"
    with pytest.raises(ValueError, match="start='draw' needs"):
        resolve_start(exact_setup, "draw")
    with pytest.raises(ValueError, match="unknown start"):
        resolve_start(exact_setup, "fresh")
    assert resolve_start(build_setup(), "exact") == "exact"


# --- the compiled step ----------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["erf", "relu", "linear"])
def test_kernel_matches_plain_numpy_step_by_step(activation):
    setup = random_valid_setup(np.random.default_rng(3), 3, 2, 2, activation=activation)
    eta, eta_w, sigma = 0.3, 0.2, 0.1
    nets = make_networks(setup, 300, np.random.default_rng(1), start="exact")
    J, W = nets.J.copy(), nets.W.copy()
    done = kernels.sgd_steps(nets.J, nets.W, nets.B, nets.V, 400, ACTIVATION_CODES[activation], eta, eta_w,
                             sigma, np.random.default_rng(5), np.random.default_rng(6), 1e100)
    numpy_steps(J, W, nets.B, nets.V, 400, activation, eta, eta_w, sigma,
                np.random.default_rng(5), np.random.default_rng(6))
    assert done == 400
    assert np.max(np.abs(J)) > 0.1
    np.testing.assert_allclose(nets.J, J, rtol=0, atol=1e-11)
    np.testing.assert_allclose(nets.W, W, rtol=0, atol=1e-11)


def test_frozen_second_layer_stays_put():
    setup = soft_committee(2, 2, 0.5)
    nets = make_networks(setup, 100, np.random.default_rng(0), start="exact")
    kernels.sgd_steps(nets.J, nets.W, nets.B, nets.V, 500, 0, 0.5, 0.0, 0.0,
                      np.random.default_rng(1), np.random.default_rng(2), 1e100)
    np.testing.assert_array_equal(nets.W, setup.W)


def test_kernel_stops_on_runaway_fields():
    setup = soft_committee(2, 2, 0.5)
    nets = make_networks(setup, 100, np.random.default_rng(0), start="exact")
    done = kernels.sgd_steps(nets.J, nets.W, nets.B, nets.V, 50, 0, 0.5, 0.0, 0.0,
                             np.random.default_rng(1), np.random.default_rng(2), 1e-3)
    assert done == 0


# --- reproducibility -------------------------------------------------------------------------
def _arrays(traj):
    return [traj.alpha, traj.eps_g, traj.eps_g_sem, traj.Q, traj.R, traj.D, traj.E]


def test_same_seed_same_result_bit_for_bit(monkeypatch):
    setup = build_setup(K=3, M=2, L=2, eta=0.5, eta_w=0.3, sigma=0.2, teacher="random")
    kwargs = dict(seeds=3, points=20, seed=11)
    first = simulate(setup, 200, 3.0, workers=2, **kwargs)
    again = simulate(setup, 200, 3.0, workers=1, **kwargs)
    # Splitting the run into more kernel calls must not change the stream either.
    monkeypatch.setattr(sgd_module, "_NUMBERS_PER_CALL", 200 * 7)
    split = simulate(setup, 200, 3.0, workers=2, **kwargs)
    for a, b, c in zip(_arrays(first), _arrays(again), _arrays(split)):
        assert np.array_equal(a, b) and np.array_equal(a, c)
    other = simulate(setup, 200, 3.0, workers=2, seeds=3, points=20, seed=12)
    assert not np.array_equal(first.eps_g[1:], other.eps_g[1:])
    runs = simulate_seeds(setup, 200, 3.0, workers=2, **kwargs)
    assert all(not np.array_equal(runs[0].Q[1:], run.Q[1:]) for run in runs[1:])


def test_seed_average_and_its_standard_error():
    setup = soft_committee(2, 2, 0.5, *symmetric_start(2, 2, delta=0.1))
    runs = simulate_seeds(setup, 100, 2.0, seeds=5, points=10)
    mean = simulate(setup, 100, 2.0, seeds=5, points=10)
    per_seed = np.array([run.eps_g for run in runs])
    np.testing.assert_array_equal(mean.eps_g, per_seed.mean(axis=0))
    np.testing.assert_allclose(mean.eps_g_sem, per_seed.std(axis=0, ddof=1) / np.sqrt(5), rtol=1e-12)
    np.testing.assert_allclose(mean.R, np.mean([run.R for run in runs], axis=0), rtol=1e-12)
    # The exact start reproduces the ODE's eps_g at alpha = 0.
    assert mean.eps_g[0] == pytest.approx(integrate(setup, 1.0, points=2).eps_g[0], abs=1e-12)
    assert simulate(setup, 100, 1.0, seeds=1, points=5).eps_g_sem is None


def test_recorded_times_are_whole_steps():
    assert list(recording_steps(100, 1.0, alphas=[0.1234, 0.5, 0.504])) == [0, 12, 50]
    traj = simulate(soft_committee(2, 2, 0.5), 100, 1.0, alphas=[0.1234, 0.5, 0.504], seeds=2)
    np.testing.assert_array_equal(traj.alpha, [0.0, 0.12, 0.5])


# --- divergence and input checks -------------------------------------------------------------
def test_divergence_is_reported_without_nan(tmp_path):
    setup = Setup(activation="linear", eta=4.0, eta_w=0.0, sigma=0.0, T=np.eye(2), V=np.ones((2, 1)),
                  Q=0.2 * np.eye(2), R=np.zeros((2, 2)), W=np.ones((2, 1)))
    traj = simulate(setup, 100, 50.0, seeds=3, points=50)
    assert traj.status == "diverged"
    assert "diverged at alpha" in traj.message and "3 of 3 seeds stopped" in traj.message
    assert 1 <= len(traj.alpha) < 51
    path = tmp_path / "sgd.csv"
    traj.to_csv(path)
    assert np.all(np.isfinite(Trajectory.from_csv(path).table()))


@pytest.mark.parametrize("kwargs,match", [
    (dict(N=3), "at least K \\+ M"),
    (dict(N=0), "N must be an integer >= 1"),
    (dict(N=10.5), "N must be an integer"),
    (dict(seeds=0), "seeds must be an integer >= 1"),
    (dict(seed=-1), "seed must be an integer >= 0"),
    (dict(workers=0), "workers must be an integer >= 1"),
    (dict(start="nope"), "unknown start"),
    (dict(alpha_max=-1.0), "alpha-max must be a positive number"),
    (dict(alpha_max=0.001), "less than one step"),
])
def test_bad_input_raises_value_error(kwargs, match):
    args = dict(N=50, alpha_max=1.0, seeds=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        simulate(soft_committee(2, 2, 0.5), args.pop("N"), args.pop("alpha_max"), **args)


# --- short cross-checks against the ODE --------------------------------------------------------
@pytest.mark.parametrize("activation", ["erf", "relu", "linear"])
def test_short_run_follows_the_ode_with_noise_and_trained_second_layer(activation):
    """K=3, M=2, L=2, eta_w > 0, sigma > 0, no plateau: the seed mean lies within 5 of its
    standard errors of the ODE at every recorded time (the O(1/N) bias is far smaller)."""
    setup = random_valid_setup(np.random.default_rng(2), 3, 2, 2, activation=activation,
                               eta=0.5, eta_w=0.5, sigma=0.3)
    N, alphas = 1000, np.linspace(0.25, 3.0, 12)
    traj = simulate(setup, N, 3.0, alphas=alphas, seeds=16, seed=4)
    ode = integrate(setup, 3.0, alphas=alphas)
    assert traj.success and ode.success
    np.testing.assert_array_equal(traj.alpha, ode.alpha)
    deviation = np.abs(traj.eps_g - ode.eps_g)
    assert np.max(deviation) <= 5 * np.max(traj.eps_g_sem)
    # ... and that bound is tight: the relative standard error is O(1/sqrt N) (0.06-0.6 here).
    assert np.max(traj.eps_g_sem / ode.eps_g) * np.sqrt(N) < 1.5
    for name in ("Q", "R", "D", "E"):
        assert np.max(np.abs(getattr(traj, name) - getattr(ode, name))) < 3 / np.sqrt(N)


# --- the command -------------------------------------------------------------------------------
def test_cli_sgd_writes_the_trajectory_and_figure(tmp_path, capsys):
    out, plot = tmp_path / "sgd.csv", tmp_path / "sgd.png"
    code, stdout, err = run_cli(["sgd", "--eta", "0.5", "--N", "200", "--runs", "3", "--alpha-max", "2",
                                 "--points", "10", "--out", str(out), "--plot", str(plot), "--json",
                                 "--quiet"], capsys)
    assert code == 0, err
    assert '"status": "finished"' in stdout and '"seeds": 3' in stdout
    with open(out) as handle:
        assert handle.readline().startswith("# plateau-trajectory {")
        header = next(csv.reader(handle))
    assert header[:3] == ["alpha", "eps_g", "eps_g_sem"]
    traj = Trajectory.from_csv(out)
    assert len(traj.alpha) == 11 and traj.eps_g_sem is not None
    assert traj.align == "teacher" and traj.runs == 3   # drawn starts are aligned to the teacher
    assert plot.stat().st_size > 0


@pytest.mark.parametrize("args,match", [
    (["--N", "3"], "at least K + M"),
    (["--N", "100", "--runs", "0"], "--runs must be"),
    (["--N", "100", "--alpha-max", "-2"], "alpha-max"),
    (["--N", "100", "--alphas", "1,x"], "--alphas must be"),
])
def test_cli_sgd_bad_input_exits_2_with_one_line(tmp_path, capsys, args, match):
    out = tmp_path / "sgd.csv"
    base = ["sgd", "--alpha-max", "1", "--out", str(out)]
    code, stdout, err = run_cli(base + args, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and match in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_cli_sgd_old_seeds_spelling_still_counts_runs(tmp_path, capsys):
    # plateau 0.1 spelled --runs as --seeds: it keeps working, with a note on stderr.
    out = tmp_path / "sgd.csv"
    code, stdout, err = run_cli(["sgd", "--N", "50", "--seeds", "2", "--alpha-max", "0.1", "--points", "3",
                                 "--out", str(out), "--json", "--quiet"], capsys)
    assert code == 0 and json.loads(stdout)["runs"] == 2
    assert "deprecated" in err and "--runs" in err
