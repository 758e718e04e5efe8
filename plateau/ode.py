"""Integrating the order-parameter ODEs: one function, :func:`integrate`.

Methods are chosen by name from :data:`METHODS`: ``'dopri5'`` (the default) is
the Numba-compiled Dormand-Prince 5(4) loop of :mod:`plateau.kernels.dopri`;
every other name is passed to :func:`scipy.integrate.solve_ivp`, which stays
the reference (a test checks the fast path against it).

The setup's ``algorithm`` picks the flow: plain gradient descent
(:mod:`plateau.kernels.rhs`) or the natural gradient with its damping
(:mod:`plateau.kernels.ngd`), for every method.
"""
import numpy as np

from .choices import ATOL as DEFAULT_ATOL, DIVERGENCE_THRESHOLD, METHOD, METHODS, POINTS as DEFAULT_POINTS
from .choices import RTOL as DEFAULT_RTOL
from .errors import InputError, choose
from .kernels import dopri, tableau
from .kernels.integrals import ACTIVATION_CODES
from .kernels.ngd import rhs_any
from .kernels.rhs import generalisation_error_path
from .kernels.state import pack, unpack
from .trajectory import Trajectory

_MAX_STEPS = 50_000_000


def output_grid(alpha_max, alphas=None, points=DEFAULT_POINTS):
    """The recorded times, shape (n_t,): alpha = 0, then ``alphas`` or a log grid.

    The log grid has ``points`` times from min(0.01, alpha_max / 100) to alpha_max.
    """
    if not np.isfinite(alpha_max) or alpha_max <= 0:
        raise InputError(f"alpha-max must be a positive number, got {alpha_max}")
    if alphas is not None:
        grid = np.asarray(alphas, dtype=float)
        if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
            raise InputError("alphas must be a non-empty list of finite numbers")
        if grid.min() < 0 or grid.max() > alpha_max:
            raise InputError(f"alphas must lie in [0, alpha-max = {alpha_max:g}]")
        return np.unique(np.concatenate([[0.0], grid]))
    if int(points) != points or points < 2:
        raise InputError(f"points must be an integer >= 2, got {points}")
    start = min(0.01, alpha_max / 100.0)
    return np.concatenate([[0.0], np.geomspace(start, alpha_max, int(points))])


def initial_state(setup):
    """The packed state vector y0 (n,) of (Q, R, W) at alpha = 0 (see plateau.kernels.state)."""
    return pack(setup.Q, setup.R, setup.W)


def rhs_function(setup):
    """f(y) -> dy/dalpha for this setup, on packed states (n,)."""
    args = kernel_arguments(setup) + algorithm_arguments(setup)  # once: f is the solvers' hot path
    return lambda y: rhs_any(np.ascontiguousarray(y, dtype=float), *args)


def kernel_arguments(setup):
    """(T, V, K, M, act, eta, eta_w, sigma) as the compiled kernels take them."""
    return (np.ascontiguousarray(setup.T), np.ascontiguousarray(setup.V), setup.K, setup.M,
            ACTIVATION_CODES[setup.activation], setup.eta, setup.eta_w, setup.sigma)


def algorithm_arguments(setup):
    """(algo, damping) as the compiled kernels take them (plateau.kernels.ngd.rhs_any)."""
    from .natural import algorithm_code
    return algorithm_code(setup)


def trajectory_from_states(setup, alpha, Y, status, message, **fields):
    """A Trajectory from packed states Y (n_t, n) recorded at alpha (n_t,); ``fields`` are further
    Trajectory fields (method, n_rhs)."""
    K, M, L = setup.K, setup.M, setup.L
    Y = np.ascontiguousarray(Y).reshape(len(alpha), -1)
    parts = [unpack(y, K, M, L) for y in Y]
    Q, R, W = (np.array([p[j] for p in parts]).reshape(len(Y), *shape)
               for j, shape in enumerate([(K, K), (K, M), (K, L)]))
    D = W @ np.swapaxes(W, 1, 2)
    E = W @ setup.V.T
    T, V, K, M, act = kernel_arguments(setup)[:5]
    eps_g = generalisation_error_path(Y, T, V, K, M, act)
    return Trajectory(alpha=np.asarray(alpha, dtype=float), eps_g=eps_g, Q=Q, R=R, D=D, E=E, W=W,
                      status=status, message=message, engine="ode", setup=setup, **fields)


def integrate(setup, alpha_max, alphas=None, points=DEFAULT_POINTS, method=METHOD,
              rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, divergence_threshold=DIVERGENCE_THRESHOLD):
    """Integrate the ODEs of ``setup`` from alpha = 0 to ``alpha_max``.

    Parameters
    ----------
    setup : Setup
    alpha_max : float > 0
    alphas : sequence of float, optional   times to record (alpha = 0 is always added)
    points : int                          size of the log grid when ``alphas`` is None
    method : one of METHODS
    rtol, atol : float                    error tolerances (RMS norm, as in SciPy)
    divergence_threshold : float          a run whose order parameter exceeds this
                                          in magnitude stops with status 'diverged'

    Returns
    -------
    Trajectory with the recorded times up to where the run stopped; ``status`` is
    'finished', 'diverged' or 'failed' and ``message`` says why.
    """
    choose("method", method, METHODS)
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not (np.isfinite(tol) and tol > 0):
            raise InputError(f"{name} must be a positive number, got {tol}")
    grid = output_grid(alpha_max, alphas, points)
    y0 = initial_state(setup)
    if method == "dopri5":
        Y, n_done, t_reached, code, n_rhs = dopri.integrate(
            y0, grid, *kernel_arguments(setup), *algorithm_arguments(setup), float(rtol), float(atol), tableau.A, tableau.B, tableau.C, tableau.E, tableau.P,
            float(divergence_threshold), _MAX_STEPS)
        status, message = _describe(code, t_reached, alpha_max, divergence_threshold, setup)
        Y = Y[:n_done]
        n_rhs = int(n_rhs)
    else:
        Y, status, message, n_rhs = _solve_with_scipy(setup, y0, grid, method, rtol, atol,
                                                      divergence_threshold)
    return trajectory_from_states(setup, grid[:len(Y)], Y, status, message, method=method, n_rhs=n_rhs)


def _describe(code, t_reached, alpha_max, threshold, setup):
    if code == dopri.FINISHED:
        return "finished", f"integrated to alpha = {alpha_max:g}"
    if code == dopri.DIVERGED:
        return "diverged", _diverged_message(t_reached, threshold, setup)
    if code == dopri.UNDEFINED:
        return "failed", _undefined_message(setup, t_reached)
    if code == dopri.STEP_UNDERFLOW:
        return "failed", f"step size underflow at alpha = {t_reached:.6g}" + _metric_note(setup)
    return "failed", f"too many steps (> {_MAX_STEPS}) before alpha = {alpha_max:g}"


def _undefined_message(setup, alpha):
    from .natural import metric_problem
    reason = metric_problem(setup, setup.Q, setup.W) or "the right-hand side is not finite"
    return f"cannot start at alpha = {alpha:g}: {reason}"


def _metric_note(setup):
    if setup.algorithm == "ngd" and setup.damping == 0.0:
        return " (with damping 0 the Fisher metric may have become singular; use a positive --damping)"
    return ""


def _diverged_message(alpha, threshold, setup):
    return (f"diverged at alpha = {alpha:.4g}: an order parameter became non-finite or exceeded "
            f"{threshold:g} in magnitude (eta = {setup.eta:g}, eta_w = {setup.eta_w:g} may be too large)")


def _solve_with_scipy(setup, y0, grid, method, rtol, atol, threshold):
    from scipy.integrate import solve_ivp  # imported here: it costs 0.5 s of start-up
    f = rhs_function(setup)

    def blow_up(t, y):
        return threshold - np.max(np.abs(y)) if np.all(np.isfinite(y)) else -1.0
    blow_up.terminal = True

    sol = solve_ivp(lambda t, y: f(y), (0.0, grid[-1]), y0, method=method, t_eval=grid,
                    rtol=rtol, atol=atol, events=blow_up)
    Y = sol.y.T
    finite = np.all(np.isfinite(Y), axis=1) & (np.max(np.abs(Y), axis=1) <= threshold)
    Y = Y[:np.argmin(finite)] if not finite.all() else Y
    n_rhs = int(sol.nfev)
    if sol.status == 1 or len(Y) < len(sol.t):
        t_stop = sol.t_events[0][0] if len(sol.t_events[0]) else sol.t[len(Y) - 1]
        return Y, "diverged", _diverged_message(t_stop, threshold, setup), n_rhs
    if sol.status != 0:
        return Y, "failed", f"solve_ivp ({method}) failed: {sol.message}", n_rhs
    return Y, "finished", f"integrated to alpha = {grid[-1]:g}", n_rhs
