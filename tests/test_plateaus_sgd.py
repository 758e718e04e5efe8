"""One detector for ODE and SGD curves: the same escape on a seed-averaged SGD curve as on the ODE."""
import numpy as np

from plateau import Setup, integrate
from plateau.plateaus import trajectory_plateaus
from plateau.sgd import seed_average, simulate_seeds


def test_sgd_mean_curve_escapes_where_the_ode_does():
    # Soft committee, K = M = 2, eta = 0.5, started exactly (overlaps matched in N dimensions) with
    # asymmetry 0.05 on R's diagonal: large against the 1/sqrt(N) = 0.022 fluctuations at N = 2000, so
    # the escape is set by the start, not by the noise.
    R = np.array([[0.05, 0.0], [0.0, 0.05]])
    setup = Setup(activation="erf", eta=0.5, eta_w=0.0, sigma=0.0, T=np.eye(2), V=np.ones((2, 1)),
                  Q=0.2 * np.eye(2), R=R, W=np.ones((2, 1)))
    alpha = np.linspace(1.0, 250.0, 250)
    ode = trajectory_plateaus(integrate(setup, alpha[-1], alphas=alpha))
    runs = simulate_seeds(setup, 2000, alpha[-1], alphas=alpha, seeds=8, seed=11)
    mean = seed_average(runs)   # what simulate() returns for these seeds
    on_mean = trajectory_plateaus(mean)
    per_seed = np.array([trajectory_plateaus(run).escape_alpha for run in runs], dtype=float)
    assert ode.outcome == "escaped" and on_mean.outcome == "escaped"
    assert np.all(np.isfinite(per_seed))
    # The statistical error of a seed-averaged escape is the seeds' spread / sqrt(seeds); the grid
    # spacing (1 in alpha) adds a rounding of the crossing.  Three standard errors plus one step.
    sem = per_seed.std(ddof=1) / np.sqrt(len(per_seed))
    assert abs(on_mean.escape_alpha - ode.escape_alpha) < 3 * sem + 1.0
    assert abs(per_seed.mean() - ode.escape_alpha) < 3 * sem + 1.0
    # ... and the plateau itself is at the same level (fluctuations ~1/sqrt(N) of the order parameters).
    assert abs(on_mean.main_plateau.level / ode.main_plateau.level - 1) < 0.05
