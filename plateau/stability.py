"""The plateau's fixed point, its stability, and the escape time it predicts.

The plateau is the neighbourhood of the *unspecialised* fixed point: all
student hidden units equal.  States with that symmetry form the subspace

    Q = q I + c (1 1^T - I),   R = 1 r^T,   W = 1 w^T      (r in R^M, w in R^L)

which the ODE flow leaves invariant (the equations are equivariant under
permutations of the student units).  For a frozen second layer this is the
symmetric subspace of Saad & Solla; with a trained second layer it is its
analogue with equal rows of W.  :func:`analyse` then

1. projects the setup's start onto the subspace (averaging over the student
   units) and integrates the projected start, which stays in the subspace and
   settles on the unspecialised fixed point; a root finder on the equations
   restricted to the subspace polishes it;
2. computes the Jacobian of the full right-hand side there by central
   differences (step 1e-6 per coordinate, truncation error ~1e-12) over the
   coordinates that move (W is left out when eta_w = 0) and its eigenvalues;
   lambda_max is the largest real part;
3. predicts the escape: the start's distance from the subspace, u(0) = y0 - P y0,
   is carried along the symmetric trajectory by the linearised flow
   du/dalpha = J(y_s(alpha)) u until the trajectory has settled on the fixed
   point, where its component a along the unstable eigenspace grows as
   exp(lambda_max alpha).  Escape along the unstable manifold, started at the
   fixed point plus eps v, takes tau(eps) until eps_g falls to
   ``escape_fraction`` times the plateau level, which defines the amplitude
   a* = eps exp(lambda_max tau(eps)) at which escape completes.  Then

       predicted_escape_alpha = ln(a* / A0) / lambda_max,   A0 = a(alpha) exp(-lambda_max alpha),

   the same definition of escape as :mod:`plateau.plateaus` uses, to first
   order in the initial asymmetry.

The flow is the setup's: plain gradient descent, or the natural gradient
(``setup.algorithm == 'ngd'``, with its damping), whose right-hand side
:func:`plateau.ode.rhs_function` picks; a stable fixed point (no unstable
direction) is reported as a trap (:attr:`StabilityResult.trapped`).
"""
from dataclasses import dataclass, field

import numpy as np

from .kernels.state import pack_state, unpack_state
from .ode import initial_state, integrate, rhs_function, state_eps_g
from .escape import escape_amplitude
from .linearise import active_coordinates, jacobian
from .plateaus import PlateauCriteria

# A fixed point is accepted when its residual |dy/dalpha| is below this.
_RESIDUAL_TOL = 1e-9
# Eigenvalues with real part above this count as unstable (the Jacobian's own error is ~1e-9).
_UNSTABLE_TOL = 1e-7


@dataclass
class StabilityResult:
    """What :func:`analyse` found.  Arrays: ``eigenvalues`` (n_active,), complex."""
    found: bool
    message: str
    Q: np.ndarray = None
    R: np.ndarray = None
    W: np.ndarray = None
    eps_g: float = None
    eigenvalues: np.ndarray = field(default_factory=lambda: np.empty(0))
    lambda_max: float = None
    initial_asymmetry: float = None
    unstable_amplitude: float = None
    escape_amplitude: float = None
    predicted_escape_alpha: float = None

    @property
    def trapped(self):
        """The fixed point was found and has no unstable direction: the plateau is a trap."""
        return self.found and self.lambda_max is not None and self.lambda_max <= _UNSTABLE_TOL

    @property
    def unstable(self):
        return self.found and self.lambda_max is not None and self.lambda_max > _UNSTABLE_TOL

    def summary(self, setup):
        """The JSON object of `plateau stability`."""
        fixed_point = None
        if self.found:
            fixed_point = {"eps_g": self.eps_g, "Q": self.Q.tolist(), "R": self.R.tolist(),
                           "W": self.W.tolist(), "D": (self.W @ self.W.T).tolist(),
                           "E": (self.W @ setup.V.T).tolist()}
        eig = sorted(self.eigenvalues, key=lambda z: -z.real)
        return {"found": self.found, "message": self.message, "algorithm": setup.algorithm,
                "damping": setup.damping, "fixed_point": fixed_point, "trapped": self.trapped,
                "eigenvalues": [[float(z.real), float(z.imag)] for z in eig],
                "lambda_max": self.lambda_max, "unstable": self.unstable,
                "initial_asymmetry": self.initial_asymmetry,
                "predicted_escape_alpha": self.predicted_escape_alpha}


def measure_escape(setup, result, criteria=PlateauCriteria(), alpha_max=None):
    """Integrate ``setup`` and explain its plateaus (:func:`plateau.outcomes.explain`), to check a
    :class:`StabilityResult`'s prediction.

    ``alpha_max`` defaults to 3x the predicted escape (at least 1e3), or 1e4 when
    there is no prediction.  Returns (Trajectory, PlateauReport).
    """
    from .outcomes import explain
    if alpha_max is None:
        predicted = result.predicted_escape_alpha
        alpha_max = max(1e3, 3 * predicted) if predicted else 1e4
    trajectory = integrate(setup, alpha_max, points=800)
    return trajectory, explain(trajectory, criteria)



# --- the symmetric subspace --------------------------------------------------------
def symmetric_projection(Q, R, W):
    """The nearest unit-symmetric state: (q I + c (11^T - I), 1 r^T, 1 w^T), averaging over units."""
    K = Q.shape[0]
    q = np.mean(np.diag(Q))
    c = (Q.sum() - np.trace(Q)) / (K * (K - 1)) if K > 1 else 0.0
    Qs = np.full((K, K), c) + (q - c) * np.eye(K)
    Rs = np.repeat(R.mean(axis=0, keepdims=True), K, axis=0)
    Ws = np.repeat(W.mean(axis=0, keepdims=True), K, axis=0)
    return Qs, Rs, Ws


def _embed(z, K, M, L):
    q, c, r, w = z[0], z[1], z[2:2 + M], z[2 + M:2 + M + L]
    Q = np.full((K, K), c) + (q - c) * np.eye(K)
    return Q, np.repeat(r[None, :], K, axis=0), np.repeat(w[None, :], K, axis=0)


def _reduce(Q, R, W):
    K = Q.shape[0]
    c = Q[0, 1] if K > 1 else 0.0
    return np.concatenate([[Q[0, 0], c], R[0], W[0]])


def analyse(setup, criteria=PlateauCriteria(), settle_alpha=None):
    """Find the unspecialised fixed point of ``setup``, its eigenvalues and the predicted escape.

    Parameters
    ----------
    setup : Setup
    criteria : PlateauCriteria      its ``escape_fraction`` defines the escape, as in detection
    settle_alpha : float, optional  how long the symmetric start is integrated to settle
                                    (default 2e3 / eta, at least 1e3)
    Returns
    -------
    StabilityResult
    """
    K, M, L = setup.K, setup.M, setup.L
    trained = setup.eta_w > 0
    f = rhs_function(setup)
    settle = settle_alpha if settle_alpha is not None else max(1e3, 2e3 / setup.eta)

    def reduced_flow(t, z):
        # The flow on the subspace itself: integrating the full state instead would let rounding
        # asymmetry grow like exp(lambda_max alpha) and leave the subspace.
        return _reduce(*unpack_state(f(pack_state(*_embed(z, K, M, L))), K, M, L))

    y0 = initial_state(setup)
    z0 = _reduce(*symmetric_projection(setup.Q, setup.R, setup.W))
    ys0 = pack_state(*_embed(z0, K, M, L))
    asym = float(np.linalg.norm(y0 - ys0))
    if not np.all(np.isfinite(f(ys0))):
        return StabilityResult(False, "the right-hand side is not finite at the symmetric start (order parameters "
                               "too large for the Gaussian averages)", initial_asymmetry=asym)
    path = _solve(reduced_flow, z0, settle)
    if path.status < 0 or not np.all(np.isfinite(path.y[:, -1])):
        return StabilityResult(False, f"the symmetric start did not settle: {path.message}",
                               initial_asymmetry=asym)
    z_fp, residual = _polish(f, path.y[:, -1], K, M, L, trained)
    if residual > _RESIDUAL_TOL:
        return StabilityResult(False, "no unspecialised fixed point: the symmetric start does not settle "
                               f"(residual {residual:.2g} after alpha = {settle:g})", initial_asymmetry=asym)
    Q, R, W = _embed(z_fp, K, M, L)
    y_fp = pack_state(Q, R, W)
    eps_fp = state_eps_g(setup, y_fp)
    active = active_coordinates(K, M, L, trained)
    values, vectors = np.linalg.eig(jacobian(f, y_fp, active))
    lam = float(values.real.max())
    result = StabilityResult(True, "", Q=Q, R=R, W=W, eps_g=eps_fp, eigenvalues=values, lambda_max=lam,
                             initial_asymmetry=asym)
    if lam <= _UNSTABLE_TOL:
        result.message = (f"the unspecialised fixed point (eps_g = {eps_fp:.6g}) has no unstable direction "
                          f"(lambda_max = {lam:.3g}): the plateau is a trap, no escape to predict")
        return result
    if asym == 0.0:
        result.message = (f"unstable (lambda_max = {lam:.4g}) but the start is exactly symmetric: "
                          "it never escapes")
        return result
    unstable = np.abs(values.real - lam) <= 1e-6 * max(1.0, abs(lam))
    amplitude = _unstable_amplitude(f, reduced_flow, z0, y0 - ys0, settle, vectors, unstable, active, lam,
                                    y_fp, (K, M, L))
    a_star = escape_amplitude(setup, y_fp, vectors[:, np.argmax(values.real)].real, active, lam,
                               criteria.escape_fraction * eps_fp)
    result.unstable_amplitude, result.escape_amplitude = amplitude, a_star
    if not amplitude or a_star is None:
        result.message = f"unstable (lambda_max = {lam:.4g}); the escape time could not be predicted"
        return result
    result.predicted_escape_alpha = float(np.log(a_star / amplitude) / lam)
    result.message = (f"unspecialised fixed point with eps_g = {eps_fp:.6g}, unstable with lambda_max = "
                      f"{lam:.4g}; predicted escape at alpha = {result.predicted_escape_alpha:.4g}")
    return result


def _solve(flow, z0, alpha_end, **kwargs):
    from scipy.integrate import solve_ivp
    return solve_ivp(flow, (0.0, alpha_end), z0, method="RK45", rtol=1e-10, atol=1e-13, **kwargs)


def _polish(f, z, K, M, L, trained):
    """Polish the fixed point within the subspace by a root finder on its reduced coordinates
    (q, [c if K > 1], r, [w if trained]); returns (z, max |dy/dalpha| there)."""
    from scipy.optimize import root

    free = ([0] + ([1] if K > 1 else []) + list(range(2, 2 + M))
            + (list(range(2 + M, 2 + M + L)) if trained else []))

    def embedded(x):
        zz = z.copy()
        zz[free] = x
        return zz

    def residual(x):
        y = pack_state(*_embed(embedded(x), K, M, L))
        return _reduce(*unpack_state(f(y), K, M, L))[free]

    sol = root(residual, z[free], method="hybr", options={"xtol": 1e-14})
    z_fp = embedded(sol.x)
    return z_fp, float(np.max(np.abs(f(pack_state(*_embed(z_fp, K, M, L))))))


def _unstable_amplitude(f, reduced_flow, z0, u0, settle, vectors, unstable, active, lam, y_fp, shape):
    """Carry u0 along the symmetric trajectory by the linearised flow; A0 = |P_u u(alpha)| e^(-lam alpha).

    Integrates the symmetric trajectory (reduced coordinates z) with
    w = u exp(-lam alpha), dw/dalpha = (J(y_s) - lam) w (J w by a central
    difference along w), which stays O(|u0|) while the unstable part of u grows;
    it stops when y_s is within 1e-7 of the fixed point, or at ``settle``.  The
    component along the unstable eigenspace is then taken with the left
    eigenvectors.
    """
    from scipy.integrate import solve_ivp

    n_z = len(z0)
    scale = np.linalg.norm(u0)

    def augmented(t, state):
        z, w = state[:n_z], state[n_z:]
        y = pack_state(*_embed(z, *shape))
        h = 1e-6 / max(np.linalg.norm(w), 1e-300)
        return np.concatenate([reduced_flow(t, z), (f(y + h * w) - f(y - h * w)) / (2 * h) - lam * w])

    def settled(t, state):
        y = pack_state(*_embed(state[:n_z], *shape))
        return np.linalg.norm(y - y_fp) - 1e-7 * max(1.0, np.linalg.norm(y_fp))
    settled.terminal = True

    # w is normalised to 1 at the start; its finite-difference noise is ~1e-10, hence its atol.
    atol = np.concatenate([np.full(n_z, 1e-13), np.full(len(u0), 1e-9)])
    sol = solve_ivp(augmented, (0.0, settle), np.concatenate([z0, u0 / scale]), method="RK45",
                    rtol=1e-8, atol=atol, events=settled)
    if sol.status < 0:
        return None
    w = sol.y[n_z:, -1][active]
    left = np.linalg.inv(vectors)
    component = vectors[:, unstable] @ (left[unstable] @ w)
    return float(np.linalg.norm(component.real) * scale)
