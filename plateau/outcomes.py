"""Every plateau explained: the curve's plateaus, the fixed point behind each, and a truthful outcome.

:func:`explain` runs the curve detector of :mod:`plateau.plateaus` and then, for
each plateau, takes the trajectory's *slowest* recorded state inside it (least
|dy/dalpha|, from the right-hand side evaluated on the recorded state), polishes
it into a fixed point of the full ODEs and classifies it
(:mod:`plateau.fixed_points`).  SGD curves record the seed-averaged Q, R, D, E;
their state is rebuilt from D and E (:func:`plateau.fixed_points.state_from_overlaps`),
so the same code explains both.

The outcome (MODEL.md, "Plateau outcomes") looks at the *last* plateau: left ->
``escaped``; not left -> the fixed point nearest the final state decides:
``trapped`` when it has no unstable direction (class ``trap``), else
``on_plateau_at_end`` (a saddle, or ``undecided``, or the final state is not
near a fixed point (see _near): the code does not guess a trap).  For ODE
runs, each saddle plateau also gets the escape predicted from the plateau
itself (:func:`plateau.escape.predict_from_plateau`).
"""
from dataclasses import replace

import numpy as np

from .fixed_points import NEAR_TOL, find_fixed_point, state_from_overlaps
from .kernels.state import pack_rows
from .plateaus import PlateauCriteria, detect_plateaus

#: A state whose eps_g is within this relative distance of a fixed point's is near it (see _near).
NEAR_REL = 0.05


def trajectory_states(trajectory):
    """Packed states (n_t, n) of a Trajectory: the ODE's own W, or W rebuilt from D and E (SGD)."""
    if trajectory.engine == "ode" and trajectory.W is not None:
        return pack_rows(trajectory.Q, trajectory.R, trajectory.W)
    return np.array([state_from_overlaps(trajectory.setup, q, r, d, e)
                     for q, r, d, e in zip(trajectory.Q, trajectory.R, trajectory.D, trajectory.E)])


def speeds(setup, states):
    """|dy/dalpha| at each packed state (n_t,)."""
    from .ode import rhs_function
    f = rhs_function(setup)
    return np.array([np.linalg.norm(f(y)) for y in states])


def explain(trajectory, criteria=PlateauCriteria(), predict=True):
    """Plateaus of ``trajectory`` with the fixed point behind each and the outcome.

    Returns a :class:`plateau.plateaus.PlateauReport` whose ``fixed_points[k]`` is
    ``{"slowest_alpha", "fixed_point": FixedPoint.summary()}`` (plus
    ``predicted_escape_from_plateau`` for saddles of ODE runs) and whose
    ``final_classification`` is the class of the fixed point at the end of a run
    that ends on a plateau (None otherwise, or 'far' when no fixed point is within
    NEAR_TOL of the final state).
    """
    report = detect_plateaus(trajectory.alpha, trajectory.eps_g, criteria)
    if not report.plateaus or trajectory.setup is None:
        return report
    setup = trajectory.setup
    states = trajectory_states(trajectory)
    speed = speeds(setup, states)
    explained = []
    for plateau in report.plateaus:
        # The order parameters can keep slowing down after the curve has begun to fall: search up to
        # the escape (or the end of the run).
        last = plateau.escape_alpha if plateau.escaped else trajectory.alpha[-1]
        inside = np.nonzero((trajectory.alpha >= plateau.onset) & (trajectory.alpha <= last))[0]
        slowest = int(inside[np.argmin(speed[inside])])
        point = find_fixed_point(setup, states[slowest])
        entry = {"slowest_alpha": float(trajectory.alpha[slowest]), "fixed_point": point.summary(),
                 "near": _near(point, trajectory.eps_g[slowest])}
        if predict and trajectory.engine == "ode" and point.classification == "saddle":
            from .escape import predict_from_plateau
            entry.update(predict_from_plateau(trajectory, states, point, plateau, slowest))
        explained.append(entry)
    final = None
    if not report.plateaus[-1].escaped:
        point = find_fixed_point(setup, states[-1], describe=False)
        final = point.classification if _near(point, trajectory.eps_g[-1]) else "far"
    return replace(report, fixed_points=explained, final_classification=final)


def _near(point, eps_g):
    """The state is near the fixed point: within NEAR_TOL in the packed coordinates, or (slow stable
    directions let a plateau approach its fixed point at rates ~1e-5, so a state on the plateau can
    stay 0.1-0.5 away in those coordinates) within NEAR_REL of its eps_g."""
    if not point.found:
        return False
    return bool(point.distance <= NEAR_TOL or abs(eps_g - point.eps_g) <= NEAR_REL * point.eps_g)
