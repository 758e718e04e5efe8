"""The flow's Jacobian, by central differences, over the packed coordinates that move.

The packed state y (:mod:`plateau.kernels.state`) holds Q's upper triangle, R and W; W does not
move when the second layer is frozen (eta_w = 0), so the Jacobian of a frozen run leaves it out.
Fixed points (:mod:`plateau.fixed_points`), the symmetric plateau (:mod:`plateau.stability`),
the learning-rate limits (:mod:`plateau.rates`) and ``plateau ode``'s settled-state check all
linearise here.
"""
import numpy as np


def active_coordinates(K, M, L, trained):
    """Indices (n_a,) of the packed state that move: all of Q and R, and W when it is trained."""
    n_q = K * (K + 1) // 2 + K * M
    return np.arange(n_q + (K * L if trained else 0))


def jacobian(f, y, active, step=1e-6):
    """Central-difference Jacobian (n_a, n_a) of f at y (n,) over the coordinates ``active`` (n_a,).

    Column j is (f(y + h e_j) - f(y - h e_j))[active] / (2 h), h = step max(1, |y_j|)
    (truncation error ~step^2, rounding ~eps |f| / step); by ``f.jacobian`` (the same
    differences, compiled: large erf networks, :func:`plateau.ode.rhs_function`) when f has one.
    """
    if hasattr(f, "jacobian"):
        return f.jacobian(y, active, step)
    jac = np.empty((len(active), len(active)))
    for col, j in enumerate(active):
        h = step * max(1.0, abs(y[j]))
        up, down = y.copy(), y.copy()
        up[j] += h
        down[j] -= h
        jac[:, col] = (f(up)[active] - f(down)[active]) / (2 * h)
    return jac
