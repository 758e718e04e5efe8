"""Checking the predicted rates by direct integration of the ODEs started near the perfect state."""
import numpy as np

from ..draws import gram_factor
from ..ode import integrate
from .pencil import perfect_state


def near_perfect(setup, eta, distance=1e-3, seed=0):
    """``setup`` at rate ``eta`` (eta_w keeping its ratio to eta), started a small physical step away
    from the perfect state: student vectors J_i = B_i + distance u_i with B = [S, 0] (S S^T = T) and u_i
    standard Gaussian in K + M dimensions, so that the overlaps stay realisable; a trained W gets
    W = V + distance x a Gaussian matrix.
    """
    perfect_state(setup)    # refuses setups without a perfect fixed point
    K, M, L = setup.K, setup.M, setup.L
    rng = np.random.default_rng(seed)
    B = np.hstack([gram_factor(setup.T), np.zeros((M, K))])
    J = B[np.arange(K) % M] + distance * rng.standard_normal((K, K + M))
    Q, R = J @ J.T, J @ B.T
    W = np.array(setup.V, dtype=float)
    if setup.eta_w > 0:
        W = W + distance * rng.standard_normal((K, L))
    ratio = setup.eta_w / setup.eta
    return setup.with_scalars(eta=eta, eta_w=ratio * eta).with_student(0.5 * (Q + Q.T), R, W)


def run_near_perfect(setup, eta, alpha_max, distance=1e-3, seed=0, points=400):
    """The trajectory from :func:`near_perfect` to ``alpha_max`` (a linear grid of ``points`` times)."""
    start = near_perfect(setup, eta, distance, seed)
    return integrate(start, alpha_max, alphas=np.linspace(0, alpha_max, points + 1)[1:], rtol=1e-10, atol=1e-14)


def measured_rate(trajectory, low=1e-14, high=None):
    """The exponential decay rate of eps_g, -d ln eps_g / d alpha, fitted (least squares) over the
    recorded times where low < eps_g < high (default: the second half of the range in ln eps_g)."""
    eps = np.asarray(trajectory.eps_g)
    alpha = np.asarray(trajectory.alpha)
    if high is None:
        top = np.log(eps[eps > low].max())
        high = np.exp(np.log(low) + 0.5 * (top - np.log(low)))
    use = (eps > low) & (eps < high)
    return float(-np.polyfit(alpha[use], np.log(eps[use]), 1)[0])
