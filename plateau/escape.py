"""The escape predicted from the plateau itself.

On a plateau the trajectory sits near a saddle y_fp whose largest eigenvalue
lambda_max > 0 has eigenvector v (right) and u (left, u.v = 1).  Its amplitude
along the unstable direction, a(alpha) = |u . (y(alpha) - y_fp)|, grows as
exp(lambda_max alpha) once the stable components have decayed.  Measured at
the plateau's slowest recorded point alpha_s (where the stable components are
smallest while a is still small), the escape is predicted at

    alpha_esc = alpha_s + ln(a* / a(alpha_s)) / lambda_max,

with a* the amplitude at which a trajectory leaving y_fp along +-v (the sign the
trajectory has) reaches the plateau's escape level (the same definition as the
detector's, :func:`escape_amplitude`).  Unlike the prediction
from the start (:mod:`plateau.stability`, first order in the initial
asymmetry), this one needs only the linearisation near the saddle: it holds
while a(alpha_s) << a*; ``linear_ratio`` = a(alpha_s) / a* reports how well
(below ~0.1 the nonlinear part of the growth to a* is already in a*).
"""
import numpy as np

from .errors import InputError
from .kernels.state import unpack_state
from .ode import integrate
from .plateaus import first_crossing

#: The amplitude is measured at the last plateau point where it is below this fraction of a*.
LINEAR_FRACTION = 0.1


def predict_from_plateau(trajectory, states, point, plateau, slowest):
    """Fields ``predicted_escape_from_plateau``, ``unstable_amplitude``, ``linear_ratio`` for one plateau.

    Parameters
    ----------
    trajectory : Trajectory (ODE)        its recorded alpha (n_t,)
    states : (n_t, n) packed states of the trajectory
    point : FixedPoint (a saddle)       with eigenvalues, vectors, active
    plateau : Plateau                   its onset and escape_level
    slowest : int                       index of the plateau's slowest recorded state
    """
    values, vectors, active = point.eigenvalues, point.vectors, point.active
    lam = float(values.real.max())
    # The unstable eigenspace: every eigenvalue at lambda_max (K >= 3 student units make it
    # degenerate: the permutations of the units act on it irreducibly).
    unstable = np.abs(values - lam) <= 1e-6 * max(1.0, abs(lam))
    if np.any(np.abs(values[unstable].imag) > 1e-12):
        return {"predicted_escape_from_plateau": None}
    left = np.linalg.inv(vectors)[unstable]
    right = vectors[:, unstable]

    def component(j):
        return (right @ (left @ (states[j] - point.y)[active])).real

    c_s = component(slowest)
    a_s = float(np.linalg.norm(c_s))
    if a_s == 0.0:
        return {"predicted_escape_from_plateau": None}
    # a* along the direction the trajectory takes within the unstable eigenspace.
    a_star = escape_amplitude(trajectory.setup, point.y, c_s / a_s, active, lam, plateau.escape_level)
    if a_star is None:
        return {"predicted_escape_from_plateau": None}
    # Measure as late as the linear regime allows: the last recorded point after the slowest one
    # whose amplitude is still below LINEAR_FRACTION x a* (the less is extrapolated, the less the
    # slow drift of the stable components along the way matters).
    j = slowest
    while j + 1 < len(states) and np.linalg.norm(component(j + 1)) <= LINEAR_FRACTION * a_star:
        j += 1
    a_j = float(np.linalg.norm(component(j)))
    return {"predicted_escape_from_plateau": float(trajectory.alpha[j] + np.log(a_star / a_j) / lam),
            "prediction_alpha": float(trajectory.alpha[j]), "unstable_amplitude": a_j,
            "linear_ratio": float(a_s / a_star), "unstable_dimension": int(unstable.sum())}


#: Initial asymmetries above this are outside the first-order prediction's regime (soft committee
#: machine, eta = 0.1, asymmetry on R's diagonal: 5 % late at 1e-6, 10 % at 1e-4, 15 % at 1e-3,
#: 26 % at 1e-2; tests/test_escape.py).
LINEAR_ASYMMETRY = 1e-3


def warnings(result, plateaus):
    """Readable warnings about :mod:`plateau.stability`'s prediction from the start, given the run's
    explained plateaus (:func:`plateau.outcomes.explain`); a list of strings."""
    out = []
    if result.initial_asymmetry is not None and result.initial_asymmetry > LINEAR_ASYMMETRY:
        out.append(f"the start's asymmetry {result.initial_asymmetry:.3g} is far outside the linear regime of "
                   f"the prediction from the start (first order, reliable below ~{LINEAR_ASYMMETRY:g}): "
                   "the escape predicted from the plateau does not have this limitation")
    if plateaus.outcome == "trapped":
        out.append("the run ends on a trap (a fixed point with no unstable direction): it does not escape, "
                   "whatever the unspecialised saddle predicts")
    fixed = plateaus.fixed_points or []
    if result.found and plateaus.main is not None and fixed[plateaus.main]["fixed_point"]["found"]:
        eps = fixed[plateaus.main]["fixed_point"]["eps_g"]
        if abs(eps - result.eps_g) > 1e-4 * result.eps_g:
            out.append(f"the main plateau sits at another fixed point (eps_g {eps:.6g}), "
                       f"not the unspecialised one ({result.eps_g:.6g})")
    return out


def escape_amplitude(setup, y_fp, direction, active, lam, threshold, eps=1e-7):
    """a* = eps exp(lam tau), tau the time from y_fp + eps v until eps_g <= threshold."""
    v = np.zeros_like(y_fp)
    v[active] = direction / np.linalg.norm(direction)
    try:
        start = setup.with_student(*unpack_state(y_fp + eps * v, setup.K, setup.M, setup.L))
    except InputError:  # +v leaves the PSD cone: the opposite direction is the physical one
        start = setup.with_student(*unpack_state(y_fp - eps * v, setup.K, setup.M, setup.L))
    horizon = 50.0 / lam
    # No settled-run checks: a first crossing is sought, not the state after it.
    traj = integrate(start, horizon, alphas=np.geomspace(1e-3, horizon, 4000), rtol=1e-10, atol=1e-14,
                     fill_settled=False)
    tau = first_crossing(traj.alpha[1:], np.maximum(traj.eps_g[1:], 1e-300), 0, threshold)
    return None if tau is None else float(eps * np.exp(lam * tau))
