"""A compiled Dormand-Prince 5(4) integrator for the order-parameter ODEs.

This is the fast path of :mod:`plateau.ode`: the same embedded Runge-Kutta pair
as ``scipy.integrate.RK45`` (its Butcher tableau, :mod:`plateau.kernels.tableau`,
is passed in as arrays), the same error norm (RMS of err / (atol + rtol max(|y|, |y_new|)))
and step-size law (safety 0.9, factor in [0.2, 10], exponent -1/5), but the
whole loop runs in Numba.  Requested times inside a step are filled in with the
pair's fourth-order dense output (the tableau's ``P``), so output does not
shorten the steps; only the last step is cut to end exactly at the last time.
``solve_ivp`` stays the reference; a test checks the two against each other.

The loop is resumable: it starts at (t0, y0) with a proposed step h0 (h0 <= 0:
choose one) and stops after ``max_steps`` steps with status 3, returning the
state and the next step to resume from.  Python integrates in such bounded
chunks so that it sees Ctrl-C between them (:func:`plateau.ode.integrate`).

Status codes: 0 finished, 1 diverged (an entry non-finite or above
``max_abs``), 2 step size underflow, 3 step budget used (resume), 4 the
right-hand side is not finite (undefined) at an accepted state, e.g. a singular
NGD metric at eps = 0.

``act`` (the activation code) and ``algo`` (the flow,
:func:`plateau.kernels.flows.rhs_any`: 0 gradient descent, 1 natural gradient
with damping eps) are compile-time constants: :func:`integrate` is compiled
once per pair, and only that pair's Gaussian averages and flow are compiled
into it.  Python calls it through the per-pair entry points of
:mod:`plateau.kernels.entries`, which pass the codes as constants and into
which it is inlined (one compiled level less).
"""
import math

import numpy as np

from ._jit import jit, jit_inline
from .flows import rhs_any

FINISHED = 0
DIVERGED = 1
STEP_UNDERFLOW = 2
TOO_MANY_STEPS = 3
NONFINITE_RHS = 4
UNDEFINED = NONFINITE_RHS   # the name of the NGD code path


@jit
def _rms(x):
    # A loop, not np.mean: the same sum in the same order (see matrices.all_finite for why).
    total = 0.0
    for v in x:
        total += v * v
    return math.sqrt(total / x.size)


@jit
def _ratio(x, scale):
    """x / scale elementwise (n,): loops rather than array expressions, here and below (each
    array expression is a loop kernel of its own for Numba to compile)."""
    out = np.empty(x.size)
    for i in range(x.size):
        out[i] = x[i] / scale[i]
    return out


@jit
def _is_bad(y, max_abs):
    for v in y:
        if not np.isfinite(v) or abs(v) > max_abs:
            return True
    return False


@jit_inline
def integrate(act, algo, y0, t0, h0, t_out, model, tab, control, f0):
    """Integrate from (t0, y0) and record y at each t_out (sorted, >= t0).

    ``model`` is (T, V, K, M, eta, eta_w, sigma, damping), ``tab`` the tableau
    (A, B, C, E, P) and ``control`` (rtol, atol, max_abs, max_steps); ``act`` and
    ``algo``: see the module docstring.  ``f0`` is dy/dalpha at y0 when known (the f
    a run returned, to resume it), else an empty array.

    Returns (Y, n_recorded, t_reached, status, n_rhs, y, h_next, steps, f); Y has shape
    (len(t_out), len(y0)) and rows past n_recorded are NaN; (t_reached, y, h_next, f)
    resume the integration after status TOO_MANY_STEPS exactly, and counting each
    evaluation once; f is dy/dalpha at y.
    """
    T, V, K, M, eta, eta_w, sigma, damping = model
    A, B, C, E, P = tab
    rtol, atol, max_abs, max_steps = control
    n = y0.size
    n_stages = B.size
    Y = np.empty((t_out.size, n))
    for i in range(t_out.size):   # NaN (np.full of a shape would be one more kernel to compile)
        for j in range(n):
            Y[i, j] = np.nan
    t = t0
    y = y0.copy()
    if f0.size == n:   # resuming: dy/dalpha at y0 is known, and evaluating it again would be counted
        f = f0.copy()
        n_rhs = 0
    else:
        f = rhs_any(y, T, V, K, M, act, eta, eta_w, sigma, algo, damping)
        n_rhs = 1
    idx = np.intp(0)   # not the constant 0: _set_row would compile again for Literal[int](0)
    while idx < t_out.size and t_out[idx] <= t:
        _set_row(Y, idx, y)
        idx += 1
    if idx == t_out.size:
        return Y, idx, t, FINISHED, n_rhs, y, h0, 0, f
    if _is_bad(f, np.inf):
        return Y, idx, t, NONFINITE_RHS, n_rhs, y, h0, 0, f

    if h0 > 0.0:
        h_proposed = h0
    else:
        # Initial step as in Hairer, Norsett & Wanner (and SciPy's select_initial_step).
        scale = np.empty(n)
        for i in range(n):
            scale[i] = atol + rtol * abs(y[i])
        d0 = _rms(_ratio(y, scale))
        d1 = _rms(_ratio(f, scale))
        h_first = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
        if not (h_first > 0.0 and h_first < np.inf):   # extreme states: d0 / d1 is 0, inf or NaN
            h_first = 1e-6
        y1 = np.empty(n)
        for i in range(n):
            y1[i] = y[i] + h_first * f[i]
        f1 = rhs_any(y1, T, V, K, M, act, eta, eta_w, sigma, algo, damping)
        n_rhs += 1
        for i in range(n):
            f1[i] -= f[i]
        d2 = _rms(_ratio(f1, scale)) / h_first
        if d1 <= 1e-15 and d2 <= 1e-15:
            h1 = max(1e-6, h_first * 1e-3)
        elif max(d1, d2) > 0.0:
            h1 = (0.01 / max(d1, d2)) ** 0.2
        else:
            h1 = h_first
        h_proposed = min(100.0 * h_first, h1)
        if not (h_proposed > 0.0 and h_proposed < np.inf):   # NaN would never shrink to an underflow
            h_proposed = h_first

    k = np.empty((n_stages + 1, n))
    t_end = t_out[-1]
    status = FINISHED
    steps = 0
    while idx < t_out.size:
        if steps >= max_steps:
            status = TOO_MANY_STEPS
            break
        clipped = h_proposed >= t_end - t
        h = t_end - t if clipped else h_proposed
        if h < 10.0 * np.spacing(t):
            status = STEP_UNDERFLOW
            break

        for j in range(n):   # (_set_row(k, 0, f) would compile again, for Literal[int](0))
            k[0, j] = f[j]
        for s in range(1, n_stages):
            _set_row(k, s, rhs_any(_advance(y, h, k, A[s], s), T, V, K, M, act, eta, eta_w, sigma, algo, damping))
        y_new = _advance(y, h, k, B, n_stages)
        f_new = rhs_any(y_new, T, V, K, M, act, eta, eta_w, sigma, algo, damping)
        _set_row(k, n_stages, f_new)
        n_rhs += n_stages
        err_norm = _error_norm(y, y_new, h, k, E, atol, rtol)
        steps += 1

        if np.isfinite(err_norm) and err_norm < 1.0:
            t_new = t_end if clipped else t + h
            if _is_bad(y_new, max_abs):
                status = DIVERGED
                t = t_new
                break
            if _is_bad(f_new, np.inf):
                status = NONFINITE_RHS
                t = t_new
                break
            while idx < t_out.size and t_out[idx] <= t_new:
                if t_out[idx] == t_new:
                    _set_row(Y, idx, y_new)
                else:
                    _set_row(Y, idx, _dense(y, k, P, h, (t_out[idx] - t) / h))
                idx += 1
            t = t_new
            y = y_new
            f = f_new
            factor = 10.0 if err_norm == 0.0 else min(10.0, 0.9 * err_norm ** -0.2)
            h_proposed = h * factor
        else:
            if not np.isfinite(err_norm):
                h_proposed = 0.2 * h
                if _is_bad(y_new, max_abs) and h < 1e-12 * max(1.0, t):
                    status = DIVERGED
                    break
            else:
                h_proposed = h * max(0.2, 0.9 * err_norm ** -0.2)
    return Y, idx, t, status, n_rhs, y, h_proposed, steps, f


@jit
def _set_row(X, i, v):
    """X[i] = v element by element (a row assignment compiles Numba's shape-error reporting)."""
    for j in range(v.size):
        X[i, j] = v[j]


@jit
def _advance(y, h, k, weights, count):
    """y + h sum_{j < count} weights_j k_j, (n,)."""
    out = np.empty(y.size)
    for i in range(y.size):
        dy = 0.0
        for j in range(count):
            dy += weights[j] * k[j, i]
        out[i] = y[i] + h * dy
    return out


@jit
def _error_norm(y, y_new, h, k, E, atol, rtol):
    """RMS of err / (atol + rtol max(|y|, |y_new|)) with err = h sum_j E_j k_j."""
    scaled = np.empty(y.size)
    for i in range(y.size):
        err = 0.0
        for j in range(k.shape[0]):
            err += E[j] * k[j, i]
        scaled[i] = (err * h) / (atol + rtol * max(abs(y[i]), abs(y_new[i])))
    return _rms(scaled)


@jit
def _dense(y, k, P, h, x):
    """y(t + x h) = y + h sum_j k_j sum_m P_jm x^(m+1), the pair's continuous extension."""
    out = y.copy()
    for j in range(k.shape[0]):
        weight = 0.0
        power = 1.0
        for m in range(P.shape[1]):
            power *= x
            weight += P[j, m] * power
        step = h * weight
        for i in range(out.size):
            out[i] += step * k[j, i]
    return out
