"""Learning-rate limits at the perfect-learning fixed point: ``eta_max``, ``eta_opt``, the decay rate.

At the perfect state of a matched student (K = M): Q = R = T, W = V, the error
y - f vanishes for every input, so with sigma = 0 every term of the right-hand
side vanishes and the state is a fixed point for every learning rate.  The
right-hand side (:mod:`plateau.kernels.rhs`) is exactly polynomial in the rates:

    dQ = eta F1(y) + eta^2 F2(y),   dR = eta G1(y),   dW = eta_w H1(y),

so its Jacobian there is exactly

    J(eta) = eta A + eta^2 B + eta_w C         (A: F1, G1 rows; B: F2 rows; C: H1 rows).

:func:`pencil` obtains A, B, C from three central-difference Jacobians of the
compiled right-hand side (:func:`plateau.linearise.jacobian`) at (eta, eta_w) =
(1, 0), (2, 0) and (0, 1):  J(1,0) = A + B,  J(2,0) = 2A + 4B,  J(0,1) = C.
With eta_w = r eta (r fixed by the setup; r = 0 freezes W) the eigenvalues are

    lambda(eta) = eta mu(eta),   mu(eta) = eigenvalues of (A + r C) + eta B,

exact functions of eta, with no further differencing.  ``eta_max`` is the first
eta where max Re mu crosses zero (a grid for every crossing, then brentq);
``eta_opt`` maximises the slowest decay rate  s(eta) = min_k (-Re lambda_k(eta))
over (0, eta_max) (a grid, then bounded golden-section search).

Zero modes: continuous symmetries or conserved quantities give eigenvalues that
are zero at every eta (e.g. the rotations of a linear network).  They are
counted as the eigenvalues with |mu| < ZERO_MODE_TOL * max|mu| at three generic
learning rates, and at every eta that many eigenvalues nearest zero are set
aside (reported, never counted as the slowest decay).

eps_g near the fixed point: eps_g is *linear* in the order-parameter deviation
along the permutation-symmetric modes (e.g. a student's norm Q_ii - T_ii) and
quadratic along the others (R_in - T_in is linear in the weight deviation u,
eps_g quadratic in u).  So eps_g decays as exp(-rate_eps alpha) with

    rate_eps = min( slowest mode eps_g sees linearly,  2 x slowest mode ),

which :func:`eps_decay_rate` evaluates (:func:`seen_eigenvalues`: the modes of
the smallest J^T-invariant subspace containing grad eps_g).  The issue's
convention eps_g ~ exp(-2 decay_rate alpha) holds when the slowest mode is one
eps_g sees only quadratically; at eta_opt it is not (see docs/rates_section.md).
"""
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

#: Eigenvalues with |mu| below this times max |mu| at every eta are structural zero modes.
ZERO_MODE_TOL = 1e-7
#: Arnoldi from grad eps_g stops when a new direction is below this fraction (see seen_eigenvalues).
SEEN_TOL = 1e-6

@dataclass
class RatePencil:
    """J(eta) = eta A + eta^2 B (A including ratio x C) over the active coordinates, shape (n, n).

    ``labels`` name the active coordinates (Q[0,0], R[1,0], W[0,0], ...); ``zero_modes`` is the
    number of structural zero eigenvalues; ``gradient`` (n,) is d eps_g / dy at the fixed point.
    """
    A: np.ndarray
    B: np.ndarray
    C: np.ndarray
    ratio: float
    labels: list
    zero_modes: int
    gradient: np.ndarray

    def jacobian(self, eta):
        """J(eta) with eta_w = ratio x eta, (n, n)."""
        return eta * (self.A + self.ratio * self.C) + eta ** 2 * self.B

    def eigenvalues(self, eta, keep_zero_modes=False):
        """Eigenvalues of J(eta), sorted by decreasing real part; zero modes left out unless asked."""
        mu = np.linalg.eigvals(self.A + self.ratio * self.C + eta * self.B)
        if not keep_zero_modes and self.zero_modes:
            mu = mu[np.argsort(np.abs(mu))[self.zero_modes:]]
        return eta * mu[np.argsort(-mu.real)]

    def slowest(self, eta):
        """s(eta) = min_k (-Re lambda_k(eta)) over the non-zero modes (negative when unstable)."""
        return float(-self.eigenvalues(eta)[0].real)

def perfect_state(setup):
    """The packed perfect state y* (Q = R = T, W = V) of ``setup``; InputError when there is none."""
    from ..kernels.state import pack_state
    if setup.K != setup.M:
        raise InputError(f"rates need K = M (a student that can equal its teacher); got K = {setup.K}, "
                         f"M = {setup.M}: no perfect fixed point is defined")
    if setup.sigma != 0:
        raise InputError(f"with output noise sigma = {setup.sigma:g} the perfect state is not a fixed point "
                         "(the noise keeps driving Q); give --sigma 0")
    if setup.activation == "relu":
        raise InputError("the ReLU right-hand side is not differentiable at the perfect state (student and "
                         "teacher fields coincide there); use --activation erf or linear")
    if setup.eta_w == 0 and not np.allclose(setup.W, setup.V, rtol=0, atol=1e-12):
        raise InputError("the frozen second layer W is not the teacher's V, so the student cannot equal its "
                         "teacher; train it (--eta-w > 0) or give a setup with W = V")
    return pack_state(np.array(setup.T), np.array(setup.T), np.array(setup.V))

def _labels(K, M, L, n_active):
    names = [f"Q[{i},{k}]" for i in range(K) for k in range(i, K)]
    names += [f"R[{i},{n}]" for i in range(K) for n in range(M)]
    names += [f"W[{i},{l}]" for i in range(K) for l in range(L)]
    return names[:n_active]

def pencil(setup):
    """The exact eta-dependence of the Jacobian at the perfect state: a :class:`RatePencil`."""
    from ..kernels.rhs import generalisation_error, rhs
    from ..kernels.state import unpack_state
    from ..ode import kernel_arguments
    from ..linearise import active_coordinates, jacobian
    y = perfect_state(setup)
    T, V, K, M, act = kernel_arguments(setup)[:5]
    L = setup.L
    trained = setup.eta_w > 0
    active = active_coordinates(K, M, L, trained)

    def at(eta, eta_w):
        return jacobian(lambda z: rhs(np.ascontiguousarray(z), T, V, K, M, act, eta, eta_w, 0.0), y, active)

    J1, J2, C = at(1.0, 0.0), at(2.0, 0.0), at(0.0, 1.0)
    B = (J2 - 2.0 * J1) / 2.0
    A = J1 - B
    F = V @ V.T

    def eps(z):
        Q, R, W = unpack_state(np.ascontiguousarray(z), K, M, L)
        return generalisation_error(Q, R, W @ W.T, W @ V.T, T, F, act)

    gradient = np.empty(len(active))
    for col, j in enumerate(active):
        h = 1e-6 * max(1.0, abs(y[j]))
        up, down = y.copy(), y.copy()
        up[j] += h
        down[j] -= h
        gradient[col] = (eps(up) - eps(down)) / (2 * h)
    ratio = setup.eta_w / setup.eta
    result = RatePencil(A=A, B=B, C=C, ratio=ratio, labels=_labels(K, M, L, len(active)), zero_modes=0,
                        gradient=gradient)
    result.zero_modes = _count_zero_modes(result)
    return result

def _count_zero_modes(p):
    counts = []
    for eta in (0.0137, 0.291, 1.73):   # generic rates: a crossing there would be a coincidence
        mu = np.linalg.eigvals(p.A + p.ratio * p.C + eta * p.B)
        counts.append(int(np.sum(np.abs(mu) < ZERO_MODE_TOL * max(np.abs(mu).max(), 1e-300))))
    return min(counts)

def seen_eigenvalues(J, g):
    """Eigenvalues of J that eps_g sees at linear order: those of J^T on the smallest invariant
    subspace containing g (Arnoldi from g, stopped when J^T v adds less than SEEN_TOL of a new
    direction).  Robust where eigenvectors are not (degenerate or defective J)."""
    basis = []
    v = g / np.linalg.norm(g)
    for _ in range(len(g)):
        size = np.linalg.norm(v)
        for _ in range(2):
            for b in basis:
                v = v - (b @ v) * b
        if np.linalg.norm(v) <= SEEN_TOL * max(size, 1e-300):
            break
        v = v / np.linalg.norm(v)
        basis.append(v)
        v = J.T @ v
    U = np.array(basis).T
    return np.linalg.eigvals(U.T @ J.T @ U)

def eps_decay_rate(p, eta):
    """The rate of eps_g ~ exp(-rate alpha) near the fixed point at ``eta`` (see the module docstring):
    min(slowest mode eps_g sees linearly, twice the slowest mode)."""
    J = p.jacobian(eta)
    seen = seen_eigenvalues(J, p.gradient)
    scale = max(np.abs(np.linalg.eigvals(J)).max(), 1e-300)
    seen = seen[np.abs(seen) > ZERO_MODE_TOL * scale]
    linear = float(np.min(-seen.real)) if len(seen) else np.inf
    return min(linear, 2.0 * p.slowest(eta))
