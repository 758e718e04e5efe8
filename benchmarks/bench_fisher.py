"""Fisher-spectrum benchmark: the spectrum along a trajectory against the ODE run that made it.

Run:  python benchmarks/bench_fisher.py

Case: erf, K = M = L = 4, trained second layer (eta = eta_w = 0.1), orthogonal teacher,
alpha_max = 1e4 on the default 400-point log grid (401 rows with alpha = 0).  Both are
timed in this run (best of 3, Numba compiled / loaded beforehand): the ODE integration,
and plateau.fisher.trajectory_spectrum on its result, without N (Gs only) and with
N = 1000 (Gs and the plain G).  Each spectrum row is two batched eigvalsh: Gamma (4 x 4)
and the small matrix (K^2 + K L = 32).  Also timed: the same from the trajectory file
(D instead of W).
"""
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from plateau import build_setup, integrate  # noqa: E402
from plateau.fisher import trajectory_spectrum  # noqa: E402
from plateau.trajectory import Trajectory  # noqa: E402


def timed(func, repeat=3):
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    setup = build_setup(K=4, M=4, L=4, eta=0.1, eta_w=0.1, teacher="orthogonal", seed=1)
    integrate(setup, 1.0)                                    # compile / load the cache outside the timing
    t_ode, traj = timed(lambda: integrate(setup, 1e4))
    n_t = len(traj.alpha)
    t_inf, spec = timed(lambda: trajectory_spectrum(traj))
    t_n, _ = timed(lambda: trajectory_spectrum(traj, N=1000))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.csv")
        traj.to_csv(path)
        read = Trajectory.from_csv(path)
    t_file, _ = timed(lambda: trajectory_spectrum(read, L=4, N=1000))
    print(f"Fisher spectrum benchmark: erf, K = M = L = 4, trained W, {n_t} rows")
    print(f"  ODE integration to alpha = 1e4           : {t_ode * 1e3:8.1f} ms")
    print(f"  spectrum of Gs (N -> infinity)            : {t_inf * 1e3:8.1f} ms   ratio {t_inf / t_ode:.3f}")
    print(f"  spectrum of Gs and G (N = 1000)           : {t_n * 1e3:8.1f} ms   ratio {t_n / t_ode:.3f}")
    print(f"  same from the trajectory file (D, L = 4)  : {t_file * 1e3:8.1f} ms   ratio {t_file / t_ode:.3f}")
    print(f"  outliers per row: {spec.outliers.shape[1]}, final lambda_max = {spec.lambda_max[-1]:.4g}, "
          f"final lambda_min_bulk = {spec.lambda_min_bulk[-1]:.4g}")


if __name__ == "__main__":
    main()
