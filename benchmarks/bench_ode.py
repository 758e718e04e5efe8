"""ODE engine benchmark: compiled paths against a plain NumPy right-hand side, same run, same solver.

Run:  python benchmarks/bench_ode.py

For each case it integrates to alpha = 1e4 at rtol 1e-8 with
  - baseline: scipy's RK45 on the plain NumPy coding of the RHS (plateau.reference),
  - scipy's RK45 on the Numba RHS,
  - the compiled Dormand-Prince loop (the default method, the same RK45 tableau),
and prints wall times and speed-ups against the baseline.  Then it times two
whole `plateau ode` processes (K = M = 2, alpha-max 1e4); the second one runs
with Numba's cache warm.  Targets (issue 2): >= 20x over the baseline and a warm
`plateau ode` call under 2 s.
"""
import os
import shutil
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


def bench_cli():
    exe = shutil.which("plateau")
    command = [exe] if exe else [sys.executable, os.path.join(os.path.dirname(HERE), "cli.py")]
    with tempfile.TemporaryDirectory() as tmp:
        args = command + ["ode", "--K", "2", "--M", "2", "--alpha-max", "1e4", "--out", os.path.join(tmp, "t.csv")]
        times = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
    empty = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), repeat=3)[0]
    print("\nwhole `plateau ode --K 2 --M 2 --alpha-max 1e4` process")
    print(f"  first call {times[0]:.2f} s, warm calls {times[1]:.2f} s, {times[2]:.2f} s "
          f"(an empty python process: {empty:.2f} s)   target < 2 s")
    return min(times[1:])


def main():
    print(f"ODE benchmark: alpha_max = {ALPHA_MAX:g}, rtol = {RTOL:g}, atol = {ATOL:g}, log grid of 400 points")
    a = bench_case("erf, K = M = 3, L = 1, sigma = 0.1, frozen second layer (soft committee)",
                   build_setup(K=3, M=3, L=1, eta=0.1, sigma=0.1, seed=1))
    b = bench_case("erf, K = M = L = 4, trained second layer (eta_w = 0.1), orthogonal teacher",
                   build_setup(K=4, M=4, L=4, eta=0.1, eta_w=0.1, teacher="orthogonal", seed=1))
    warm = bench_cli()
    print(f"\nsummary: speed-up {a:.1f}x and {b:.1f}x (target >= 20x); warm plateau ode {warm:.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
