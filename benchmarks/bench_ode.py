"""ODE engine benchmark: compiled paths against a plain NumPy right-hand side, same run, same solver.

Run:  python benchmarks/bench_ode.py

For each case it integrates to alpha = 1e4 at rtol 1e-8 with
  - baseline: scipy's RK45 on the plain NumPy coding of the RHS (plateau.reference),
  - scipy's RK45 on the Numba RHS,
  - the compiled Dormand-Prince loop (the default method, the same RK45 tableau),
and prints wall times and speed-ups against the baseline.  Then the three
figures of issue 15, each with its baseline measured in the same run:

- start-up: a warm whole `plateau ode` process on W1 (erf, K = M = 3,
  sigma = 0.1, alpha 0 -> 1e4), median of 5, against a bare `python -c pass`
  and a bare `python -c "import numba"` (the floor of any Numba program);
  target: under 0.6 s on the 2-core machine;
- first run: the same command on an empty kernel cache (a fresh
  $XDG_CACHE_HOME), median of 3, against the warm run (target: under 10 s);
- large K: K = M = 16 to alpha 1e4, warm, median of 3 (target: under 5 s), and one
  right-hand-side evaluation there against the plain NumPy coding.

Whole-process figures depend on the machine's load, which is printed with them.
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.integrate import solve_ivp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from plateau import build_setup, integrate  # noqa: E402
from plateau import reference  # noqa: E402
from plateau.ode import initial_state, output_grid, rhs_function  # noqa: E402

ALPHA_MAX = 1e4
RTOL, ATOL = 1e-8, 1e-12


def timed(func, repeat=3):
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def scipy_run(setup, f):
    grid = output_grid(ALPHA_MAX)
    return solve_ivp(lambda t, y: f(y), (0.0, ALPHA_MAX), initial_state(setup), method="RK45",
                     t_eval=grid, rtol=RTOL, atol=ATOL)


def bench_case(name, setup):
    integrate(setup, 1.0)                       # compile / load the cache outside the timing
    compiled_rhs = rhs_function(setup)
    t_base, base = timed(lambda: scipy_run(setup, lambda y: reference.rhs(y, setup)), repeat=1)
    t_scipy, sc = timed(lambda: scipy_run(setup, compiled_rhs))
    t_fast, traj = timed(lambda: integrate(setup, ALPHA_MAX, rtol=RTOL, atol=ATOL))
    agree = abs(traj.eps_g[-1] - reference_eps(setup, base.y[:, -1]))
    print(f"\n{name}")
    print(f"  baseline  solve_ivp(RK45) + NumPy RHS : {t_base:8.3f} s   ({base.nfev} RHS calls)   1.0x")
    print(f"  solve_ivp(RK45) + Numba RHS           : {t_scipy:8.3f} s   ({sc.nfev} RHS calls)   "
          f"{t_base / t_scipy:6.1f}x")
    print(f"  compiled dopri5 (default)             : {t_fast:8.3f} s   ({traj.n_rhs} RHS calls)   "
          f"{t_base / t_fast:6.1f}x")
    print(f"  |eps_g(1e4) fast - baseline| = {agree:.2e}   final eps_g = {traj.eps_g[-1]:.6g}")
    return t_base / t_fast


def reference_eps(setup, y):
    from plateau.ode import trajectory_from_states
    return trajectory_from_states(setup, [ALPHA_MAX], y[None, :], "finished", "").eps_g[0]


W1 = ["ode", "--K", "3", "--M", "3", "--sigma", "0.1", "--alpha-max", "1e4"]


def _process_seconds(args, env=None, repeat=5):
    """Median wall time of a whole process (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def bench_issue15():
    command = [sys.executable, "-m", "plateau"]
    with tempfile.TemporaryDirectory() as tmp:
        out = ["--out", os.path.join(tmp, "t.csv")]
        colds = []
        for k in range(3):                   # each on an empty cache of its own
            cold_env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, f"cache{k}"))
            cold_env.pop("NUMBA_CACHE_DIR", None)
            colds.append(_process_seconds(command + W1 + out, env=cold_env, repeat=1))
        cold = float(np.median(colds))
        subprocess.run(command + ["warm-up"], check=True, capture_output=True)
        warm = _process_seconds(command + W1 + out)
        empty = _process_seconds([sys.executable, "-c", "pass"])
        numba_floor = _process_seconds([sys.executable, "-c", "import numba"])
        big_args = command + ["ode", "--K", "16", "--M", "16", "--alpha-max", "1e4"] + out
        big = _process_seconds(big_args, repeat=3)
    setup = build_setup(K=16, M=16)
    y = initial_state(setup)
    compiled_rhs = rhs_function(setup)
    t_rhs = timed(lambda: [compiled_rhs(y) for _ in range(20)])[0] / 20
    t_ref = timed(lambda: reference.rhs(y, setup), repeat=2)[0]
    load = os.getloadavg()
    print(f"\nissue 15 figures (load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} CPUs)")
    print(f"  start-up: warm `plateau {' '.join(W1)}`  {warm:6.2f} s   "
          f"= {warm / empty:5.1f}x a bare `python -c pass` ({empty:.2f} s)   target < 0.6 s")
    print(f"            a bare `python -c 'import numba'` takes {numba_floor:.2f} s: the warm run is "
          f"{warm / numba_floor:.1f}x that")
    print(f"  first run, empty kernel cache         {cold:6.2f} s   = {cold / warm:5.1f}x the warm run"
          f"   target < 10 s")
    print(f"  K = M = 16 to alpha 1e4 (warm)        {big:6.2f} s   target < 5 s; one RHS {t_rhs * 1e3:.2f} ms "
          f"against {t_ref * 1e3:.0f} ms in plain NumPy ({t_ref / t_rhs:.0f}x)")
    return warm, cold, big


def main():
    print(f"ODE benchmark: alpha_max = {ALPHA_MAX:g}, rtol = {RTOL:g}, atol = {ATOL:g}, log grid of 400 points")
    a = bench_case("erf, K = M = 3, L = 1, sigma = 0.1, frozen second layer (soft committee)",
                   build_setup(K=3, M=3, L=1, eta=0.1, sigma=0.1, seed=1))
    b = bench_case("erf, K = M = L = 4, trained second layer (eta_w = 0.1), orthogonal teacher",
                   build_setup(K=4, M=4, L=4, eta=0.1, eta_w=0.1, teacher="orthogonal", seed=1))
    warm, cold, big = bench_issue15()
    print(f"\nsummary: speed-up {a:.1f}x and {b:.1f}x (target >= 20x); warm W1 process {warm:.2f} s, "
          f"first run {cold:.1f} s, K = M = 16 {big:.1f} s")


if __name__ == "__main__":
    main()
