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
from .kernels import dopri, entries, tableau
from .kernels.integrals import ACTIVATION_CODES
from .kernels.flows import GD
from .kernels.rhs import erf_jacobian
from .kernels.state import pack_state, unpack_rows
from .interrupts import check as check_interrupt, deferred_interrupts
from .linearise import active_coordinates, jacobian
from .progress import progress_bar
from .trajectory import Trajectory

_MAX_STEPS = 50_000_000
FILL_SPAN = 1e3       # a settled run's remaining times are filled only when alpha_max >= this x alpha
CHUNK_SECONDS = 0.1   # wall time of one compiled chunk: Ctrl-C waits at most about this long
_TABLEAU = tableau.A, tableau.B, tableau.C, tableau.E, tableau.P   # as the kernels take it


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
    return pack_state(setup.Q, setup.R, setup.W)


def rhs_function(setup):
    """f(y) -> dy/dalpha for this setup, on packed states (n,).

    For gradient descent on erf networks with K >= 5 it also has ``f.jacobian(y, active, step)``,
    the central-difference Jacobian of :func:`plateau.linearise.jacobian` in one compiled call
    (:func:`plateau.kernels.rhs.erf_jacobian`), which that function then uses.
    """
    shape = entry_shape(setup)
    f, model = entries.rhs_entry(*shape), model_arguments(setup)   # once: f is the solvers' hot path
    entries.announce_compile(entries.ode_entry(*shape), entries.ode_kind(*shape), shape[0])
    tab = _TABLEAU

    def rhs(y):
        return f(np.ascontiguousarray(y, dtype=float), model, tab)
    if shape[1] == GD and entries.pairs_vectorised(shape[0], setup.K):
        T, V, K, M, eta, eta_w, sigma, _ = model

        def jacobian(y, active, step):
            return erf_jacobian(np.ascontiguousarray(y, dtype=float), T, V, K, M, eta, eta_w, sigma,
                                np.ascontiguousarray(active, dtype=np.int64), float(step))
        rhs.jacobian = jacobian
    return rhs


def model_arguments(setup):
    """(T, V, K, M, eta, eta_w, sigma, damping): the model tuple of the compiled ODE entries."""
    T, V, K, M, _, eta, eta_w, sigma = kernel_arguments(setup)
    return (T, V, int(K), int(M), float(eta), float(eta_w), float(sigma), float(algorithm_arguments(setup)[1]))


def kernel_arguments(setup):
    """(T, V, K, M, act, eta, eta_w, sigma) as the compiled kernels take them; T, V writable copies
    (a read-only array, as the Setup's, is another Numba type: every kernel would compile again)."""
    return (np.array(setup.T, dtype=float), np.array(setup.V, dtype=float), setup.K, setup.M,
            ACTIVATION_CODES[setup.activation], setup.eta, setup.eta_w, setup.sigma)


def state_eps_g(setup, y):
    """eps_g of one packed state y (n,), by the setup's ODE entry."""
    return _eps_function(setup)(y)


def _eps_function(setup):
    eps, model = entries.eps_entry(*entry_shape(setup)), model_arguments(setup)
    return lambda y: eps(np.ascontiguousarray(y, dtype=float), model, _TABLEAU)


def entry_shape(setup):
    """(act, algo, K, M): what picks the setup's compiled ODE entry (plateau.kernels.entries)."""
    return ACTIVATION_CODES[setup.activation], algorithm_arguments(setup)[0], setup.K, setup.M


def algorithm_arguments(setup):
    """(algo, damping) as the compiled kernels take them (plateau.kernels.flows.rhs_any)."""
    from .natural import algorithm_code
    return algorithm_code(setup)


def trajectory_from_states(setup, alpha, Y, status, message, eps_g=None, **fields):
    """A Trajectory from packed states Y (n_t, n) recorded at alpha (n_t,), with their eps_g (n_t,)
    (computed when None); ``fields`` are further Trajectory fields (method, n_rhs)."""
    K, M, L = setup.K, setup.M, setup.L
    Y = np.ascontiguousarray(Y, dtype=float).reshape(len(alpha), -1)
    Q, R, W = unpack_rows(Y, K, M, L)
    D = W @ np.swapaxes(W, 1, 2)
    E = W @ setup.V.T
    if eps_g is None:
        eps = _eps_function(setup)
        eps_g = np.array([eps(y) for y in Y])
    return Trajectory(alpha=np.asarray(alpha, dtype=float), eps_g=eps_g, Q=Q, R=R, D=D, E=E, W=W,
                      status=status, message=message, engine="ode", setup=setup, **fields)


def integrate(setup, alpha_max, alphas=None, points=DEFAULT_POINTS, method=METHOD,
              rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, divergence_threshold=DIVERGENCE_THRESHOLD, progress=False,
              fill_settled=True):
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
    progress : bool                       a progress bar on stderr (dopri5; after 2 s)
    fill_settled : bool                   dopri5: hold a settled run's state (SettledCheck);
                                          False integrates every time, with no checks

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
        Y, eps, t_reached, code, n_rhs, settled_at = _integrate_in_chunks(
            setup, y0, grid, float(rtol), float(atol), float(divergence_threshold), progress, fill_settled)
        status, message = _describe(code, t_reached, alpha_max, divergence_threshold, setup)
        if settled_at is not None:
            message += (f"; settled on a stable fixed point at alpha = {settled_at:.4g} (later recorded "
                        "times hold its state)")
    else:
        from .scipy_methods import solve
        Y, status, message, n_rhs = solve(rhs_function(setup), y0, grid, method, rtol, atol, divergence_threshold,
                                          lambda alpha: diverged_message(alpha, divergence_threshold, setup))
        eps = None
    return trajectory_from_states(setup, grid[:len(Y)], Y, status, message, eps, method=method, n_rhs=n_rhs)


def _integrate_in_chunks(setup, y0, grid, rtol, atol, threshold, progress, fill_settled=True):
    """The compiled Dormand-Prince loop, run in chunks of about CHUNK_SECONDS each.

    Between chunks Python runs, so Ctrl-C stops a long integration within a
    second (:mod:`plateau.interrupts`), and a progress bar can move.  The chunks
    resume exactly where the last one stopped (state, its derivative, time and proposed
    step), so the result, n_rhs included, is that of one uninterrupted loop; whether the run has settled is
    decided at the recorded times, so no result depends on the chunks.  Returns (Y (n_done, n),
    eps_g (n_done,), t_reached, status code, n_rhs, alpha at which the run settled on a stable
    fixed point or None).
    """
    import time
    shape = entry_shape(setup)
    run = entries.ode_entry(*shape)
    entries.announce_compile(run, entries.ode_kind(*shape), shape[0])
    model, tab = model_arguments(setup), _TABLEAU
    Y, eps = np.empty((len(grid), len(y0))), np.empty(len(grid))
    done, t, y, h, n_rhs, steps, budget = 0, 0.0, y0, -1.0, 0, 0, 100
    f = np.empty(0)       # dy/dalpha at y: unknown at the start, then each chunk's own
    if fill_settled:
        settled, rhs, checked = SettledCheck(setup, rtol), rhs_function(setup), 1
    bar = progress_bar(len(grid), progress, unit="point", desc="ODE")
    with deferred_interrupts():
        try:
            while True:
                begin = time.perf_counter()
                Yc, n_done, t, code, n_c, y, h, n_steps, f, eps_c = run(
                    y, float(t), float(h), grid[done:], model, tab,
                    (rtol, atol, threshold, min(budget, _MAX_STEPS - steps), True), f)
                check_interrupt()
                Y[done:done + n_done], eps[done:done + n_done] = Yc[:n_done], eps_c[:n_done]
                done, n_rhs, steps = done + n_done, n_rhs + int(n_c), steps + int(n_steps)
                bar.update(n_done)
                if code != dopri.TOO_MANY_STEPS or done == len(grid) or steps >= _MAX_STEPS:
                    return Y[:done], eps[:done], t, code, n_rhs, None
                if fill_settled:
                    # At each recorded time in turn, not the chunk's end (that depends on the wall clock).
                    for j in range(checked, done):
                        # Only where the rest would cost more than FILL_SPAN times what came before:
                        # a run that settles within its last decades is integrated to the end, exactly.
                        if grid[-1] >= FILL_SPAN * grid[j] and settled(Y[j], rhs(Y[j])):
                            Y[j + 1:], eps[j + 1:] = Y[j], eps[j]
                            return Y, eps, grid[-1], dopri.FINISHED, n_rhs, float(grid[j])
                    checked = done
                # Aim the next chunk at CHUNK_SECONDS (at most 10x more steps than this one).
                elapsed = max(time.perf_counter() - begin, 1e-6)
                budget = int(min(10 * budget, max(10, budget * CHUNK_SECONDS / elapsed)))
        finally:
            bar.close()


class SettledCheck:
    """Has the run settled on a stable fixed point, to within the tolerance?

    Once |dy/dalpha| <= SETTLED_SPEED, the Jacobian there is computed (central
    differences, :func:`plateau.linearise.jacobian`, over the moving coordinates).
    If every eigenvalue has real part below -UNSTABLE_TOL, the state is within
    |dy/dalpha| / min |Re lambda| of the fixed point and stays there; when that
    distance is below SETTLED_DISTANCE (times max(1, |y|)) the run has settled.
    SETTLED_DISTANCE is 100x below the default rtol because eps_g is linear in the
    order parameters along permutation-symmetric modes: a fill at distance d puts a
    floor ~d/20 under eps_g, far below any plateau and near the rounding floor.  A fixed point with a zero mode (a
    line of fixed points, a trap) or an unstable one is checked once and never
    counts as settled: such runs are integrated to the end.
    """
    SETTLED_SPEED = 1e-10
    SETTLED_DISTANCE = 1e-10
    UNSTABLE_TOL = 1e-7

    def __init__(self, setup, rtol):
        self.setup, self.rtol, self.given_up = setup, rtol, False

    def __call__(self, y, f):
        """``f`` is dy/dalpha at y."""
        if self.given_up:
            return False
        speed = float(np.max(np.abs(f)))
        if speed > self.SETTLED_SPEED:
            return False
        setup = self.setup
        values = np.linalg.eigvals(jacobian(rhs_function(setup), y, active_coordinates(setup.K, setup.M, setup.L,
                                                                                      setup.eta_w > 0)))
        slowest = -float(np.max(values.real))
        if slowest <= self.UNSTABLE_TOL:
            self.given_up = True
            return False
        return speed / slowest <= self.SETTLED_DISTANCE * max(1.0, float(np.max(np.abs(y))))


def _describe(code, t_reached, alpha_max, threshold, setup):
    if code == dopri.FINISHED:
        return "finished", f"integrated to alpha = {alpha_max:g}"
    if code == dopri.DIVERGED:
        return "diverged", diverged_message(t_reached, threshold, setup)
    if code == dopri.NONFINITE_RHS and setup.algorithm == "ngd":
        return "failed", _undefined_message(setup, t_reached)
    if code == dopri.NONFINITE_RHS:
        return "failed", (f"the right-hand side is not finite at alpha = {t_reached:.6g} (order parameters "
                          "too large for the Gaussian averages)")
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


def diverged_message(alpha, threshold, setup):
    """The message of a run that diverged at ``alpha``."""
    return (f"diverged at alpha = {alpha:.4g}: an order parameter became non-finite or exceeded "
            f"{threshold:g} in magnitude (eta = {setup.eta:g}, eta_w = {setup.eta_w:g} may be too large)")
