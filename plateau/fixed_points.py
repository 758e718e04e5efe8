"""Fixed points of the full order-parameter ODEs: find, classify, describe.

:func:`find_fixed_point` polishes a state (typically the slowest point of a
plateau) into a root of the right-hand side f by Gauss-Newton steps with the
SVD pseudo-inverse of the Jacobian: singular values below ``_RANK_TOL`` x the
largest are dropped, so that along the exact zero modes of a continuous family
of fixed points (a line of traps, rotations of the unused output directions)
the step is the minimum-norm one and the iteration lands on the family near
its start instead of wandering along it.  The Jacobian is
:func:`plateau.linearise.jacobian` (central differences, step 1e-6 per
coordinate), over the coordinates that move (W is left out when eta_w = 0).

:func:`classify` reads the eigenvalues of that Jacobian at the fixed point:

- *zero* modes: |Re lambda| <= ``ZERO_TOL`` = 1e-8.  The Jacobian's own error
  is ~1e-10 (truncation h^2 f''' ~ 1e-12, rounding 1e-16 |f| / h ~ 1e-10, and
  the polished point's residual <= 1e-12 moves eigenvalues by less), while the
  physical rates of these models at eta >= 0.01 are >= ~1e-6; 1e-8 sits
  a factor 100 above the error and below every physical rate we have seen.
- *unstable* modes: Re lambda > ``UNSTABLE_TOL`` = 1e-6.
- anything between (1e-8 < |Re lambda| <= 1e-6 with Re > 0) cannot be told
  from zero by this Jacobian: the class is ``undecided``.

Each zero mode must be *explained* as the tangent of a family of fixed points:
re-polishing from the fixed point displaced by 1e-3 along the mode must land on
a fixed point that is still displaced along it (by more than half the step).
If every zero mode is explained, the class is ``saddle`` (some unstable mode)
or ``trap`` (none: a marginally stable attractor, its zero modes listed);
an unexplained zero mode with no unstable mode gives ``undecided``.
"""
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .kernels.state import pack_state, unpack_state
from .linearise import active_coordinates, jacobian

#: |Re lambda| below this is an exact zero mode (see the module docstring).
ZERO_TOL = 1e-8
#: Re lambda above this is an unstable direction.
UNSTABLE_TOL = 1e-6
#: A polished fixed point has max |dy/dalpha| below this (as plateau.stability's).  Polishing
#: usually reaches 1e-15; near the SO(L - rank V) rotation families of many unused outputs it can
#: stall at 1e-10 because the central-difference Jacobian is only that accurate.
RESIDUAL_TOL = 1e-9
_RANK_TOL = 1e-9      # relative singular-value cutoff of the Gauss-Newton pseudo-inverse
_FAMILY_STEP = 1e-3   # displacement along a zero mode in the family test
#: States farther than this (Euclidean, packed coordinates) from the fixed point found are not "near" it.
NEAR_TOL = 0.05


@dataclass
class FixedPoint:
    """A fixed point and what its Jacobian says.  ``y`` (n,) packed state; ``eigenvalues`` (n_active,)."""
    found: bool
    message: str
    y: np.ndarray = None
    residual: float = None
    eps_g: float = None
    eigenvalues: np.ndarray = field(default_factory=lambda: np.empty(0))
    classification: str = "undecided"
    n_unstable: int = 0
    lambda_max: float = None
    zero_modes: int = 0
    distance: float = None
    structure: dict = None
    vectors: np.ndarray = None
    active: np.ndarray = None

    def summary(self):
        """The JSON object of one fixed point."""
        eig = sorted(self.eigenvalues, key=lambda z: -z.real)
        out = {"found": self.found, "message": self.message, "classification": self.classification,
               "eps_g": self.eps_g, "residual": self.residual, "n_unstable": self.n_unstable,
               "lambda_max": self.lambda_max, "zero_modes": self.zero_modes, "distance": self.distance,
               "eigenvalues": [[float(z.real), float(z.imag)] for z in eig], "structure": self.structure}
        return out


def polish(f, y, active, max_iter=1000):
    """Levenberg-Marquardt on f(y) = 0 over the coordinates ``active``; returns (y, max |f(y)|).

    Steps are V diag(s / (s^2 + mu)) U^T r from the SVD of the Jacobian: directions with s = 0
    (exact zero modes) get no step, so the point lands on a family of fixed points near its start;
    mu grows when a step fails to lower |f| and shrinks when it succeeds, which keeps the
    nearly singular slow directions of a plateau from throwing the point far away.
    """
    y = np.array(y, dtype=float)
    r = f(y)
    if not np.all(np.isfinite(r)):
        return y, float("inf")
    norm = np.linalg.norm(r[active])
    mu = None
    for _ in range(max_iter):
        if np.max(np.abs(r)) < 1e-15:
            break
        U, s, Vt = np.linalg.svd(jacobian(f, y, active))
        mu = 1e-3 * s[0] ** 2 if mu is None else mu
        g = U.T @ r[active]
        while True:
            keep = s > _RANK_TOL * s[0]
            step = Vt[keep].T @ (g[keep] * s[keep] / (s[keep] ** 2 + mu))
            trial = y.copy()
            trial[active] -= step
            r_trial = f(trial)
            trial_norm = np.linalg.norm(r_trial[active]) if np.all(np.isfinite(r_trial)) else np.inf
            if trial_norm < norm:
                y, r, norm = trial, r_trial, trial_norm
                mu = max(mu / 10.0, 1e-30)
                break
            mu *= 10.0
            if mu > 1e20 * s[0] ** 2:
                return y, float(np.max(np.abs(r)))
        if np.linalg.norm(step) < 1e-15 * max(1.0, np.linalg.norm(y)):
            break
    return y, float(np.max(np.abs(r)))


def find_fixed_point(setup, y_start, describe=True):
    """Polish ``y_start`` (packed state (n,)) into a fixed point of ``setup``'s ODEs and classify it.

    Returns a :class:`FixedPoint`; ``found`` is False (class 'undecided') when the residual stays
    above RESIDUAL_TOL.  ``distance`` is |y_fp - y_start|.
    """
    from .ode import rhs_function, state_eps_g
    y_start = np.asarray(y_start, dtype=float)
    if y_start.shape != (len(pack_state(setup.Q, setup.R, setup.W)),):
        raise InputError(f"a state of K={setup.K}, M={setup.M}, L={setup.L} has "
                         f"{len(pack_state(setup.Q, setup.R, setup.W))} entries, got shape {y_start.shape}")
    f = rhs_function(setup)
    active = active_coordinates(setup.K, setup.M, setup.L, setup.eta_w > 0)
    y, residual = polish(f, y_start, active)
    point = FixedPoint(found=residual <= RESIDUAL_TOL, message="", y=y, residual=residual,
                       distance=float(np.linalg.norm(y - y_start)), active=active)
    if not point.found:
        point.message = f"no fixed point near this state (residual {residual:.2g} after polishing)"
        return point
    point.eps_g = state_eps_g(setup, y)
    classify(point, f, setup)
    if describe:
        point.structure = describe_structure(setup, y)
    return point


def classify(point, f, setup):
    """Fill in eigenvalues, n_unstable, lambda_max, zero_modes, classification and message."""
    active = point.active
    values, vectors = np.linalg.eig(jacobian(f, point.y, active))
    point.eigenvalues, point.vectors = values, vectors
    real = values.real
    point.lambda_max = float(real.max())
    point.n_unstable = int(np.sum(real > UNSTABLE_TOL))
    zero = np.abs(real) <= ZERO_TOL
    point.zero_modes = int(zero.sum())
    grey = (real > ZERO_TOL) & (real <= UNSTABLE_TOL)
    # A saddle is a saddle whatever its zero modes are: they are tested only when they decide.
    unexplained = [] if point.n_unstable else [
        k for k in np.nonzero(zero)[0] if not _family_mode(f, point.y, active, vectors[:, k])]
    if point.n_unstable:
        point.classification = "saddle"
        point.message = (f"saddle: {point.n_unstable} unstable direction(s), largest rate "
                         f"{point.lambda_max:.4g}")
    elif grey.any() or unexplained:
        point.classification = "undecided"
        point.message = ("undecided: eigenvalue(s) within tolerance of zero that are not the tangent of a "
                         f"family of fixed points (largest real part {point.lambda_max:.3g})")
    else:
        point.classification = "trap"
        point.message = (f"trap: no unstable direction ({point.zero_modes} marginal zero mode(s) along "
                         "a family of fixed points)" if point.zero_modes else "trap: no unstable direction")
    if point.zero_modes and point.classification == "saddle":
        point.message += f"; {point.zero_modes} zero mode(s)"
    return point


def _family_mode(f, y, active, vector):
    """True when the fixed points continue along ``vector``: re-polishing y + s v stays displaced."""
    v = np.zeros_like(y)
    v[active] = np.real(vector) / np.linalg.norm(np.real(vector))
    for sign in (1.0, -1.0):
        moved, residual = polish(f, y + sign * _FAMILY_STEP * v, active)
        if residual <= RESIDUAL_TOL and abs(np.dot(moved - y, v)) > 0.5 * _FAMILY_STEP:
            return True
    return False


def describe_structure(setup, y, tol=1e-3):
    """What the state means, for people: which student units are unspecialised (equal norms and
    overlaps with the teacher) and which of them coincide (equal J),
    which teacher units each student unit has learned (normalised overlap R_in / sqrt(Q_ii T_nn)
    >= 0.5), and which output directions are unused (the complement of the teacher's output span,
    in which W's components are listed)."""
    K, M, L = setup.K, setup.M, setup.L
    Q, R, W = unpack_state(y, K, M, L)
    groups = _groups(K, lambda i, k: abs(Q[i, i] - Q[k, k]) <= tol and np.allclose(R[i], R[k], atol=tol))
    coincide = [g for g in _groups(K, lambda i, k: _coincide(Q, R, i, k, tol)) if len(g) > 1]
    norms = np.sqrt(np.outer(np.clip(np.diag(Q), 1e-300, None), np.diag(setup.T)))
    cosine = R / norms
    learned = {str(i): [n for n in range(M) if abs(cosine[i, n]) >= 0.5] for i in range(K)}
    U, s, Vt = np.linalg.svd(setup.V)
    rank = int(np.sum(s > 1e-10 * max(1.0, s[0] if len(s) else 1.0)))
    unused_basis = Vt[rank:]                     # (L - rank, L)
    unused_w = W @ unused_basis.T                 # (K, L - rank)
    parts = []
    symmetric = [g for g in groups if len(g) > 1]
    if symmetric:
        parts.append("student units " + "; ".join("~".join(map(str, g)) for g in symmetric)
                     + " unspecialised (equal overlaps with the teacher)")
    if coincide:
        parts.append("units " + "; ".join("=".join(map(str, g)) for g in coincide) + " coincide (equal J)")
    for i in range(K):
        names = learned[str(i)]
        parts.append(f"unit {i} " + (f"aligned with teacher unit(s) {','.join(map(str, names))}" if names
                                     else "aligned with no single teacher unit")
                     + f" (cosines {', '.join(f'{c:.2f}' for c in cosine[i])})")
    if L > rank:
        used = np.abs(unused_w).max() if unused_w.size else 0.0
        parts.append(f"{L - rank} output direction(s) unused by the teacher" +
                     (f"; the student's second layer has components up to {used:.3g} along them" if used > tol
                      else ""))
    return {"unspecialised_units": symmetric, "coinciding_units": coincide, "learned": learned,
            "teacher_cosines": cosine.round(6).tolist(), "unused_outputs": L - rank,
            "unused_components": unused_w.round(6).tolist(), "text": "; ".join(parts)}


def _groups(K, same):
    """Partition of range(K) into groups of units equal to the group's first under ``same``."""
    groups, seen = [], set()
    for i in range(K):
        if i not in seen:
            group = [k for k in range(i, K) if k not in seen and same(i, k)]
            seen.update(group)
            groups.append(group)
    return groups


def _coincide(Q, R, i, k, tol):
    """J_i = J_k: |J_i - J_k|^2 / N = Q_ii + Q_kk - 2 Q_ik vanishes."""
    return Q[i, i] + Q[k, k] - 2 * Q[i, k] <= tol and np.allclose(R[i], R[k], atol=tol)


def state_from_overlaps(setup, Q, R, D, E):
    """A packed state whose W reproduces D = W W^T and E = W V^T (seed-averaged SGD curves record D, E
    but their mean W is meaningless): W = E F^+ V plus a component in the unused output directions
    with Gram matrix D - E F^+ E^T, taken up to a rotation (a symmetry of the ODEs)."""
    V = setup.V
    F_pinv = np.linalg.pinv(V @ V.T, rcond=1e-10)
    W_used = E @ F_pinv @ V
    U, s, Vt = np.linalg.svd(V)
    rank = int(np.sum(s > 1e-10 * max(1.0, s[0])))
    basis = Vt[rank:]
    rest = D - E @ F_pinv @ E.T
    values, vectors = np.linalg.eigh(0.5 * (rest + rest.T))
    order = np.argsort(values)[::-1][:len(basis)]
    factor = vectors[:, order] * np.sqrt(np.clip(values[order], 0.0, None))   # (K, L - rank)
    W = W_used + factor @ basis if len(basis) else W_used
    return pack_state(np.asarray(Q, dtype=float), np.asarray(R, dtype=float), W)
