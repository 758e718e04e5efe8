"""Natural-gradient benchmark (issue 13): cost of NGD against plain gradient descent.

Run:  python benchmarks/bench_ngd.py

1. The ODE right-hand side at K = M = 4, L = 4 (erf; frozen and trained second
   layer): time per call of the NGD flow against the GD flow, on the same state.
   Target: NGD at most 3x GD.
2. The SGD kernels at N = 1000, K = M = 2 (erf, L = 1; frozen and trained):
   steps per second of one thread.  Target: NGD at least half of GD.
Also the whole NGD integration to alpha = 1e3 at K = M = 4, L = 4 against GD.
Timings are the best of several repeats (the machine is shared).
"""
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from plateau import build_setup, integrate  # noqa: E402
from plateau.natural import step_function  # noqa: E402
from plateau.networks import make_networks  # noqa: E402
from plateau.ode import initial_state, rhs_function  # noqa: E402


def best_of(func, repeat=5):
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def rhs_ratio(setup, damping=0.1, calls=2000):
    ngd = setup.with_scalars(algorithm="ngd", damping=damping)
    y = initial_state(setup)
    f_gd, f_ngd = rhs_function(setup), rhs_function(ngd)
    f_gd(y), f_ngd(y)

    def loop(f):
        return lambda: [f(y) for _ in range(calls)]
    t_gd, t_ngd = best_of(loop(f_gd)) / calls, best_of(loop(f_ngd)) / calls
    return t_gd, t_ngd


def sgd_rate(setup, N=1000, steps=200_000):
    nets = make_networks(setup, N, np.random.default_rng(0), "draw")
    take = step_function(setup)
    take(nets.J.copy(), nets.W.copy(), nets.B, nets.V, 10, np.random.default_rng(1), np.random.default_rng(2), 1e100)

    def run():
        J, W = nets.J.copy(), nets.W.copy()
        take(J, W, nets.B, nets.V, steps, np.random.default_rng(1), np.random.default_rng(2), 1e100)
    return steps / best_of(run, repeat=3)


def main():
    print("NGD benchmark (best of repeats; shared machine)")
    ratios = []
    for eta_w in (0.0, 0.1):
        setup = build_setup(K=4, M=4, L=4, eta=0.1, eta_w=eta_w, teacher="orthogonal", seed=1)
        t_gd, t_ngd = rhs_ratio(setup)
        ratios.append(t_ngd / t_gd)
        print(f"ODE RHS, erf, K = M = L = 4, eta_w = {eta_w:g}: GD {t_gd * 1e6:7.1f} us, NGD {t_ngd * 1e6:7.1f} us "
              f"per call, ratio {t_ngd / t_gd:.2f} (target <= 3)")
        ngd = setup.with_scalars(algorithm="ngd", damping=0.1)
        integrate(ngd, 1.0)
        t_i_gd = best_of(lambda: integrate(setup, 1e3), 3)
        t_i_ngd = best_of(lambda: integrate(ngd, 1e3), 3)
        print(f"  whole integration to alpha = 1e3: GD {t_i_gd:.3f} s, NGD (eps = 0.1) {t_i_ngd:.3f} s")
    rates = []
    for eta_w in (0.0, 0.1):
        setup = build_setup(K=2, M=2, L=1, eta=0.5, eta_w=eta_w, seed=1)
        gd = sgd_rate(setup)
        ngd = sgd_rate(setup.with_scalars(algorithm="ngd", damping=0.1))
        rates.append(ngd / gd)
        print(f"SGD kernel, erf, N = 1000, K = M = 2, eta_w = {eta_w:g}: GD {gd:9.0f} steps/s, NGD {ngd:9.0f} "
              f"steps/s, ratio {ngd / gd:.2f} (target >= 0.5)")
    print(f"\nsummary: NGD/GD RHS cost {max(ratios):.2f}x at most (target <= 3); NGD/GD SGD speed "
          f"{min(rates):.2f} at least (target >= 0.5)")


if __name__ == "__main__":
    main()
