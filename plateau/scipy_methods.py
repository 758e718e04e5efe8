"""The ODE methods of SciPy (``plateau ode --method RK45`` and the others but dopri5).

The default, dopri5, is compiled (:mod:`plateau.kernels.dopri`); these call
``scipy.integrate.solve_ivp`` with the same compiled right-hand side, for
cross-checks and for stiff problems (Radau, BDF, LSODA).
"""
import numpy as np


def solve(f, y0, grid, method, rtol, atol, threshold, diverged_message):
    """Integrate dy/dalpha = f(y) (y (n,) -> (n,), the compiled right-hand side of
    :func:`plateau.ode.rhs_function`) with ``scipy.integrate.solve_ivp(method=...)``.

    Returns (Y (n_t, n) at the first n_t times of ``grid``, status, message, n_rhs), as
    :func:`plateau.ode.integrate` reports them; a state past ``threshold`` ends the run, with
    the message ``diverged_message(alpha)``.
    """
    from scipy.integrate import solve_ivp  # imported here: it costs 0.5 s of start-up

    def blow_up(t, y):
        return threshold - np.max(np.abs(y)) if np.all(np.isfinite(y)) else -1.0
    blow_up.terminal = True

    try:
        with np.errstate(all="ignore"):
            sol = solve_ivp(lambda t, y: f(y), (0.0, grid[-1]), y0, method=method, t_eval=grid,
                            rtol=rtol, atol=atol, events=blow_up)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:   # e.g. the event's root finder on NaN
        return y0[None, :], "failed", f"solve_ivp ({method}) failed: {exc} (is the right-hand side finite?)", 0
    Y = sol.y.T
    finite = np.all(np.isfinite(Y), axis=1) & (np.max(np.abs(Y), axis=1) <= threshold)
    Y = Y[:np.argmin(finite)] if not finite.all() else Y
    n_rhs = int(sol.nfev)
    if sol.status == 1 or len(Y) < len(sol.t):
        t_stop = sol.t_events[0][0] if len(sol.t_events[0]) else sol.t[len(Y) - 1]
        return Y, "diverged", diverged_message(t_stop), n_rhs
    if sol.status != 0:
        return Y, "failed", f"solve_ivp ({method}) failed: {sol.message}", n_rhs
    return Y, "finished", f"integrated to alpha = {grid[-1]:g}", n_rhs
