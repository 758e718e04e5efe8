"""The ODE against SGD through a plateau, at two sizes; :func:`plateau.compare.compare`; ``plateau compare``.

The cross-checks start K = M = 2 erf networks exactly (start='exact') at the
setup's overlaps: Q = 0.2 I, R = diag(delta) with delta = 0.1, i.e. off the
symmetric plateau subspace by much more than the 1/sqrt(N) fluctuations
(0.063 at N = 250, 0.022 at N = 2000).  Per seed, the order parameters and
eps_g fluctuate around the ODE by O(1/sqrt N); the runs here measure a
single run's eps_g fluctuation A / sqrt(N) with A = max_alpha sd sqrt(N)
between 0.08 and 0.23.  The tests therefore check, before the escape
(alpha <= 0.8 x the ODE's escape time):

- the seed mean (S = 16 seeds at N = 250, 10 at N = 2000) lies within
  C_DEV / sqrt(N) of the ODE, with C_DEV = 0.3 > A (asserted); the seed mean's
  own standard error is A / sqrt(N S) and the test asserts that it is below
  C_DEV / (3 sqrt N), so a correct simulation passes with a margin of at least
  3 standard errors at every time, while an O(1) error in the drift (a wrong
  factor in an update) fails at both sizes;
- the larger N is closer, at least at the 1/sqrt(N) rate: the root-mean-square
  deviation of single runs from the ODE, times sqrt(N), does not grow from
  N = 250 to N = 2000 beyond the statistical error of that rms (factor 1.5;
  measured ratios 0.5-0.95; the L = 2 case converges faster than 1/sqrt(N)
  at these sizes because part of its deviation is the O(1/N) bias).

Near the escape the pointwise deviation is not small for any N: the escape
time depends on the asymmetry logarithmically and the finite-N fluctuations
shift it (for a symmetric start it grows like ln N).  So the escape -- the
first alpha after the plateau is reached at which eps_g falls below half the
plateau level -- is compared separately: the SGD mean's escape must lie
between the ODE escapes started with asymmetry delta + 1/sqrt(N) and
delta - 1/sqrt(N) (give or take one recorded step).
"""
import csv
import json

import numpy as np
import pytest

from plateau import Setup, integrate
from plateau.compare import compare, format_table
from plateau.sgd import seed_average, simulate_seeds

from helpers import symmetric_start, run_cli

C_DEV = 0.3
SEEDS = {250: 16, 2000: 10}
DELTA = 0.1

# name: second layers, eta_w, alpha_max, alpha where the plateau is reached, recording step after alpha = 10
CASES = {
    "soft committee": dict(V=np.ones((2, 1)), W=np.ones((2, 1)), eta_w=0.0, alpha_max=90.0, plateau=20.0,
                           step=1.0),
    "trained second layer": dict(V=np.ones((2, 1)), W=np.full((2, 1), 0.5), eta_w=0.5, alpha_max=100.0,
                                 plateau=30.0, step=1.0),
    "L=2 orthogonal teacher": dict(V=np.eye(2), W=np.full((2, 2), 0.1), eta_w=0.5, alpha_max=25.0, plateau=4.0,
                                   step=0.2),
}


def case_setup(case, delta):
    Q, R = symmetric_start(2, 2, q=0.2, r=0.0, delta=delta)
    return Setup(activation="erf", eta=0.5, eta_w=case["eta_w"], sigma=0.0, T=np.eye(2), V=case["V"],
                 Q=Q, R=R, W=case["W"])


def escape_time(alpha, eps_g, plateau_alpha, level):
    """First alpha after ``plateau_alpha`` with eps_g below half of ``level`` (inf if none)."""
    below = np.nonzero((alpha > plateau_alpha) & (eps_g < 0.5 * level))[0]
    return alpha[below[0]] if len(below) else np.inf


@pytest.mark.parametrize("name", list(CASES))
def test_sgd_follows_the_ode_through_the_plateau(name):
    case = CASES[name]
    setup = case_setup(case, DELTA)
    amax, step = case["alpha_max"], case["step"]
    # Multiples of 0.2 are whole steps at both sizes, so SGD and ODE share their times exactly.
    alphas = np.unique(np.concatenate([np.arange(1, 51) * 0.2, np.arange(10.0, amax + step / 2, step)]))
    ode = integrate(setup, amax, alphas=alphas)
    level = np.interp(case["plateau"], ode.alpha, ode.eps_g)
    escape = escape_time(ode.alpha, ode.eps_g, case["plateau"], level)
    assert ode.success and escape < amax
    before = ode.alpha <= 0.8 * escape

    rms = {}
    for N, seeds in SEEDS.items():
        runs = simulate_seeds(setup, N, amax, alphas=alphas, seeds=seeds, seed=1, start="exact")
        mean = seed_average(runs)
        assert mean.success, mean.message
        np.testing.assert_allclose(mean.alpha, ode.alpha, rtol=0, atol=1e-12)
        per_seed = np.array([run.eps_g for run in runs])[:, before]
        bound = C_DEV / np.sqrt(N)
        assert per_seed.std(axis=0, ddof=1).max() < bound                # A < C_DEV
        assert mean.eps_g_sem[before].max() < bound / 3                  # the mean is well resolved
        assert np.max(np.abs(mean.eps_g - ode.eps_g)[before]) < bound
        rms[N] = np.sqrt(np.mean((per_seed - ode.eps_g[before]) ** 2))

        # The escape, between the ODE's escapes for asymmetries delta -+ 1/sqrt(N).
        early = integrate(case_setup(case, DELTA + 1 / np.sqrt(N)), 3 * amax, alphas=alphas)
        late = integrate(case_setup(case, DELTA - 1 / np.sqrt(N)), 3 * amax, points=3000)
        low = escape_time(early.alpha, early.eps_g, case["plateau"], level)
        high = escape_time(late.alpha, late.eps_g, case["plateau"], level)
        sgd_escape = escape_time(mean.alpha, mean.eps_g, case["plateau"], level)
        assert low - step <= sgd_escape <= high + step, (N, low, sgd_escape, high)

    assert rms[2000] < rms[250]
    assert rms[2000] * np.sqrt(2000) < 1.5 * rms[250] * np.sqrt(250)


@pytest.mark.slow
def test_escape_from_a_symmetric_start_grows_like_log_n():
    """With no initial asymmetry only finite-N fluctuations end the plateau.  The ODE started at
    asymmetry delta escapes at alpha ~ a - b ln(delta); fluctuations of size N^(-1/2) act like
    delta ~ N^(-1/2), so the mean SGD escape time should grow by (b / 2) ln 16 from N = 250 to
    N = 4000 (within a factor 2: the seed means carry errors of about 10, and the noise keeps
    acting during the plateau rather than only at the start).  About 5 minutes on 2 cores."""
    case = CASES["soft committee"]
    setup = case_setup(case, 0.0)
    amax = 400.0
    alphas = np.arange(1.0, amax + 0.5, 1.0)
    level = np.interp(case["plateau"], alphas, integrate(setup, amax, alphas=alphas).eps_g[1:])
    ode_escape = {}
    for delta in (1e-3, 1e-4):
        traj = integrate(case_setup(case, delta), amax, alphas=alphas)
        ode_escape[delta] = escape_time(traj.alpha, traj.eps_g, case["plateau"], level)
    b = (ode_escape[1e-4] - ode_escape[1e-3]) / np.log(10.0)
    escapes = {}
    for N in (250, 1000, 4000):
        runs = simulate_seeds(setup, N, amax, alphas=alphas, seeds=16, seed=2, start="exact")
        times = [escape_time(run.alpha, run.eps_g, case["plateau"], level) for run in runs]
        assert np.all(np.isfinite(times))
        escapes[N] = np.mean(times)
    assert escapes[250] < escapes[1000] < escapes[4000]
    assert 0.5 < (escapes[4000] - escapes[250]) / (0.5 * b * np.log(16.0)) < 2.0


def test_compare_tabulates_deviations():
    setup = case_setup(CASES["soft committee"], DELTA)
    result = compare(setup, [100, 400], 5.0, seeds=4, points=20, seed=3)
    assert result.success
    assert [row["N"] for row in result.rows] == [100, 400]
    for row in result.rows:
        assert row["scaled_deviation"] == pytest.approx(row["max_abs_deviation"] * np.sqrt(row["N"]))
        assert 0 < row["max_abs_deviation"] < 0.3 / np.sqrt(row["N"]) * 3
    assert len(format_table(result.rows)) == 3
    with pytest.raises(ValueError, match="distinct"):
        compare(setup, [100, 100], 5.0)
    with pytest.raises(ValueError, match="at least K \\+ M"):
        compare(setup, [100, 2], 5.0)


def test_cli_compare_writes_files_and_table(tmp_path, capsys):
    out = tmp_path / "cmp"
    code, stdout, err = run_cli(["compare", "--eta", "0.5", "--N", "100,200", "--seeds", "3", "--alpha-max", "3",
                                 "--points", "15", "--out", str(out), "--quiet"], capsys)
    assert code == 0, err
    names = sorted(path.name for path in out.iterdir())
    assert names == ["compare.csv", "compare.png", "ode.csv", "sgd_N100.csv", "sgd_N200.csv"]
    assert "x sqrt(N)" in stdout and len(stdout.strip().splitlines()) == 3
    with open(out / "compare.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["N"] for row in rows] == ["100", "200"]
    assert all(row["status"] == "finished" for row in rows)
    code, stdout, err = run_cli(["compare", "--eta", "0.5", "--N", "100", "--seeds", "2", "--alpha-max", "1",
                                 "--points", "5", "--out", str(tmp_path / "j"), "--json", "--quiet"], capsys)
    assert code == 0 and json.loads(stdout)["rows"][0]["N"] == 100


@pytest.mark.parametrize("args,match", [
    (["--N", "100,3"], "at least K + M"),
    (["--N", "100,abc"], "--N must be comma-separated integers"),
    (["--N", "100", "--runs", "0"], "--runs must be"),
    (["--N", "100", "--sigma", "-1"], "sigma must be >= 0"),
])
def test_cli_compare_bad_input_exits_2_with_one_line(tmp_path, capsys, args, match):
    out = tmp_path / "cmp"
    code, stdout, err = run_cli(["compare", "--alpha-max", "1", "--out", str(out)] + args, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and match in lines[0]
    assert not out.exists()
