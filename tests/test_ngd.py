"""Natural-gradient learning (issue 13): direction, ODE, limits, input checks, SGD kernel, stability.

The cross-check of NGD SGD against the NGD ODE is in tests/test_ngd_compare.py.
"""
import json

import numpy as np
import pytest

from plateau import Setup, build_setup, integrate
from plateau.errors import InputError
from plateau.fisher import dense_fisher
from plateau.fisher.dense import fisher_from_vectors
from plateau.kernels import fisher_blocks
from plateau.kernels.integrals import ACTIVATION_CODES
from plateau.natural import natural_direction
from plateau.networks import make_networks
from plateau.ode import initial_state, rhs_function
from plateau.sgd import simulate

from helpers import run_cli, symmetric_start


def scm(eta, algorithm="gd", damping=None, eta_w=0.0, W=None, delta=1e-3):
    """Soft committee machine, erf, K = M = 2, L = 1, from Q = 0.2 I, R = diag(delta)."""
    Q, R = symmetric_start(2, 2, q=0.2, r=0.0, delta=delta)
    return Setup(activation="erf", eta=eta, eta_w=eta_w, sigma=0.0, T=np.eye(2), V=np.ones((2, 1)), Q=Q, R=R,
                 W=np.ones((2, 1)) if W is None else W, algorithm=algorithm, damping=damping)


# --- the structured direction ---------------------------------------------------------------
@pytest.mark.parametrize("activation", ["erf", "relu", "linear"])
@pytest.mark.parametrize("trained", [False, True])
def test_structured_direction_equals_a_dense_solve(activation, trained):
    """z = (Gs + eps I)^{-1} r from the structure (O(K^2 N)) against numpy.linalg.solve on the dense
    exact Gs (plateau.fisher.dense_fisher), N = 9: both are exact, so the difference is rounding,
    amplified by at most the condition number of Gs + eps I (<= ~1e4 here); 1e-10 relative."""
    rng = np.random.default_rng(7)
    N = 9
    for K in (1, 2, 3):
        for L in (1, 2, 3):
            for eps in (1e-3, 1e-2, 0.1, 1.0):
                J, W = rng.standard_normal((K, N)), rng.standard_normal((K, L))
                xi, err = rng.standard_normal(N), rng.standard_normal(L)
                delta = rng.standard_normal(K)          # any r_J = delta (x) xi, not only g'(lambda) w.e
                zJ, zw, rJ, rw = natural_direction(J, W, xi, err, activation, eps, trained, delta=delta)
                G = dense_fisher(J, W, activation, trained)
                r = np.concatenate([rJ.ravel()] + ([rw.ravel()] if trained else []))
                z = np.linalg.solve(G + eps * np.eye(len(G)), r)
                mine = np.concatenate([zJ.ravel()] + ([zw.ravel()] if trained else []))
                assert np.linalg.norm(mine - z) <= 1e-10 * np.linalg.norm(z), (K, L, eps)


@pytest.mark.parametrize("activation", ["erf", "relu", "linear"])
def test_compiled_fisher_blocks_follow_the_reference(activation):
    """The Numba small metric (kernels.fisher_blocks) is plateau.fisher's formula, coded again."""
    rng = np.random.default_rng(3)
    K, L = 3, 2
    a, W = rng.standard_normal((K, K)), rng.standard_normal((K, L))
    a[2] = a[1] + 1e-9 * rng.standard_normal(K)      # nearly parallel units: the ReLU geometry's hard case
    ws = [np.empty((K, K)) for _ in range(5)]
    S = np.zeros((K * K + K * L,) * 2)
    fisher_blocks.pair_averages(ACTIVATION_CODES[activation], a, *ws)
    fisher_blocks.small_fisher(ACTIVATION_CODES[activation], a, W, W @ W.T, True, *ws, S)
    np.testing.assert_allclose(S, fisher_from_vectors(activation, a, W, True), rtol=0, atol=1e-12)


# --- the ODE --------------------------------------------------------------------------------
@pytest.mark.parametrize("eta_w", [0.0, 0.3])
def test_large_damping_limit_is_gradient_descent(eta_w):
    """eps -> infinity with eta / eps, eta_w / eps fixed: Phi = (Gamma + eps)^{-1} = I/eps - Gamma/eps^2 + ...
    and likewise for S, so the NGD right-hand side differs from GD's at rate eta / eps by a relative
    O(|S| / eps) (|S| ~ 1 here).  Checked: deviation <= 3 / eps at eps = 1e2, 1e3, 1e4, shrinking ~10x per
    decade, on the start and on a state along the trajectory; and the integrated eps_g agree to 1e-3
    relative at eps = 1e4 up to alpha = 200."""
    base = build_setup(K=2, M=3, L=2, eta=0.4, eta_w=eta_w, sigma=0.1, teacher="random", seed=4)
    later = integrate(base, 20.0, alphas=[20.0])
    states = [initial_state(base), initial_state(base.with_student(later.Q[-1], later.R[-1], later.W[-1]))]
    for y in states:
        gd = rhs_function(base)(y)
        devs = []
        for eps in (1e2, 1e3, 1e4):
            ngd = base.with_scalars(eta=base.eta * eps, eta_w=base.eta_w * eps or None, algorithm="ngd",
                                    damping=eps)
            devs.append(np.max(np.abs(rhs_function(ngd)(y) - gd)) / np.max(np.abs(gd)))
            assert devs[-1] <= 3.0 / eps
        assert devs[1] < 0.2 * devs[0] and devs[2] < 0.2 * devs[1]
    eps = 1e4
    ngd = base.with_scalars(eta=base.eta * eps, eta_w=base.eta_w * eps or None, algorithm="ngd", damping=eps)
    a, b = integrate(base, 200.0, points=50), integrate(ngd, 200.0, points=50)
    np.testing.assert_allclose(b.eps_g, a.eps_g, rtol=1e-3)


def test_zero_damping_runs_where_solvable_and_fails_cleanly_where_not():
    ok = integrate(scm(0.5, "ngd", 0.0), 20.0, points=20)
    assert ok.status == "finished" and np.all(np.isfinite(ok.eps_g))
    # A trained second layer starting at W = 0: Gamma = D o J2 = 0, Gs singular.
    bad = integrate(scm(0.5, "ngd", 0.0, eta_w=0.5, W=np.zeros((2, 1))), 20.0, points=20)
    assert bad.status == "failed" and "singular" in bad.message and "damping" in bad.message
    assert len(bad.alpha) == 1 and np.all(np.isfinite(bad.eps_g))


# --- the run description and the command line -----------------------------------------------
def test_setup_fields_round_trip_and_validate(tmp_path):
    s = scm(0.5, "ngd", 0.05)
    again = Setup.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again == s and again.algorithm == "ngd" and again.damping == 0.05
    assert s != scm(0.5, "ngd", 0.1) and s != scm(0.5)
    assert s.summary()["algorithm"] == "ngd" and s.summary()["damping"] == 0.05
    old = scm(0.5).to_dict()
    del old["algorithm"]
    assert Setup.from_dict(old).algorithm == "gd"               # files written before issue 13
    assert s.with_scalars(algorithm="gd").damping is None
    for bad in (dict(algorithm="ngd"), dict(algorithm="ngd", damping=-1.0), dict(algorithm="ngd", damping=np.inf),
                dict(algorithm="ngd", damping=np.nan), dict(damping=0.1), dict(algorithm="sgd")):
        with pytest.raises(InputError):
            scm(0.5).with_scalars(**bad)


@pytest.mark.parametrize("args, words", [
    (["--algorithm", "ngd"], "needs a damping"),
    (["--algorithm", "ngd", "--damping", "-0.1"], "damping must be"),
    (["--algorithm", "ngd", "--damping", "nan"], "damping must be"),
    (["--algorithm", "ngd", "--damping", "inf"], "damping must be"),
    (["--damping", "0.1"], "natural gradient only"),
])
@pytest.mark.parametrize("command", [["ode", "--alpha-max", "1"], ["stability"],
                                     ["sgd", "--alpha-max", "1", "--N", "50"]])
def test_bad_damping_is_one_line_and_exit_2(command, args, words, capsys, tmp_path):
    argv = command + args + (["--out", str(tmp_path / "t.csv")] if command[0] != "stability" else [])
    code, out, err = run_cli(argv, capsys)
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1


def test_cli_ode_with_ngd_writes_the_setup(capsys, tmp_path):
    code, out, err = run_cli(["ode", "--alpha-max", "5", "--points", "5", "--algorithm", "ngd", "--damping",
                              "0.1", "--out", str(tmp_path / "t.csv"), "--save-setup", str(tmp_path / "s.json"),
                              "--json"], capsys)
    assert code == 0, err
    saved = Setup.from_file(tmp_path / "s.json")
    assert saved.algorithm == "ngd" and saved.damping == 0.1
    code, out, err = run_cli(["ode", "--alpha-max", "5", "--points", "5", "--setup", str(tmp_path / "s.json"),
                              "--algorithm", "gd", "--out", str(tmp_path / "t2.csv"), "--json"], capsys)
    assert code == 0 and json.loads(out)["algorithm"] == "gd"


# --- the SGD kernel ---------------------------------------------------------------------------
def test_ngd_sgd_is_reproducible_and_split_invariant():
    from plateau.natural import step_function
    setup = build_setup(K=2, M=2, L=2, eta=0.5, eta_w=0.3, sigma=0.1, teacher="orthogonal",
                        seed=2).with_scalars(algorithm="ngd", damping=0.05)
    nets = make_networks(setup, 200, np.random.default_rng(0), "draw")
    take = step_function(setup)
    results = []
    for chunks in ([300], [100, 1, 199]):
        J, W = nets.J.copy(), nets.W.copy()
        rx, rz = np.random.default_rng(1), np.random.default_rng(2)
        for n in chunks:
            assert take(J, W, nets.B, nets.V, n, rx, rz, 1e100) == n
        results.append((J, W))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
    a = simulate(setup, 200, 2.0, seeds=2, points=5, workers=1)
    b = simulate(setup, 200, 2.0, seeds=2, points=5, workers=2)
    np.testing.assert_array_equal(a.eps_g, b.eps_g)


def test_one_ngd_step_moves_along_the_structured_direction():
    """The kernel's update equals J += (eta / sqrt N) z_J, w += (eta_w / N) z_w with z from the dense solve."""
    from plateau.kernels.sgd import activation, activation_derivative
    from plateau.natural import step_function
    setup = build_setup(K=3, M=2, L=2, eta=0.7, eta_w=0.4, teacher="random", seed=5)
    setup = setup.with_scalars(algorithm="ngd", damping=0.02)
    N = 12
    nets = make_networks(setup, N, np.random.default_rng(0), "draw")
    J, W = nets.J.copy(), nets.W.copy()
    xi = np.random.default_rng(1).standard_normal(N)
    step_function(setup)(J, W, nets.B, nets.V, 1, np.random.default_rng(1), np.random.default_rng(2), 1e100)
    g = np.vectorize(lambda x: activation(0, x))
    err = nets.V.T @ g(nets.B @ xi / np.sqrt(N)) - nets.W.T @ g(nets.J @ xi / np.sqrt(N))
    G = dense_fisher(nets.J, nets.W, "erf", True)
    lam = nets.J @ xi / np.sqrt(N)
    gp = np.vectorize(lambda x: activation_derivative(0, x))(lam)
    r = np.concatenate([((gp * (nets.W @ err))[:, None] * xi).ravel(), (g(lam)[:, None] * err).ravel()])
    z = np.linalg.solve(G + 0.02 * np.eye(len(G)), r)
    np.testing.assert_allclose(J, nets.J + 0.7 / np.sqrt(N) * z[:3 * N].reshape(3, N), rtol=0, atol=1e-12)
    np.testing.assert_allclose(W, nets.W + 0.4 / N * z[3 * N:].reshape(3, 2), rtol=0, atol=1e-12)


# --- physics: the speed-up and the trap -----------------------------------------------------
def time_to(setup, target=1e-3, alpha_max=3e3):
    run = integrate(setup, alpha_max, points=3000)
    below = np.nonzero(run.eps_g < target)[0]
    return run.alpha[below[0]] if len(below) else np.inf


def test_ngd_reaches_the_target_several_times_sooner_than_gd_at_its_best_rate():
    """Soft committee machine, erf, K = M = 2, w = 1 frozen, start Q = 0.2 I, R = diag(1e-3).
    Measured alpha at eps_g = 1e-3: GD best over eta in {0.5, 1, 1.5, 2} is 114 (eta = 1.5; 0.1 takes 1417,
    eta >= 3 stays on the plateau); NGD with eps = 0.05, eta = 0.5 takes 42.8: 2.7x sooner."""
    gd = min(time_to(scm(eta)) for eta in (0.5, 1.0, 1.5, 2.0))
    ngd = time_to(scm(0.5, "ngd", 0.05))
    assert 100 < gd < 130 and ngd < gd / 2.5, (gd, ngd)


def test_small_damping_makes_the_plateau_a_trap(capsys, tmp_path):
    """The eta^2 term of dQ carries Phi = (Gamma + eps)^{-1} twice; on the plateau Gamma's antisymmetric
    eigenvalue is small, so with a small damping it turns the escape direction stable.  Measured
    (frozen w = 1, eta = 1): GD lambda_max = +0.059 (escapes); NGD eps = 0.05: +0.096 (escapes),
    eps = 1e-3: -0.52 (the run stays at the fixed point's eps_g = 0.111)."""
    from plateau.stability import analyse
    assert analyse(scm(1.0)).unstable
    assert analyse(scm(1.0, "ngd", 0.05)).unstable
    trap = analyse(scm(1.0, "ngd", 1e-3))
    assert trap.found and trap.trapped and trap.lambda_max < -0.3
    run = integrate(scm(1.0, "ngd", 1e-3), 3e3, points=100)
    assert run.success and abs(run.eps_g[-1] - trap.eps_g) < 1e-6 * trap.eps_g
    (tmp_path / "s.json").write_text(json.dumps(scm(1.0).to_dict()))
    code, out, err = run_cli(["stability", "--setup", str(tmp_path / "s.json"), "--algorithm", "ngd",
                              "--damping", "0.001", "--json"], capsys)
    info = json.loads(out)
    assert code == 0 and info["trapped"] and info["algorithm"] == "ngd" and "trap" in info["message"]
