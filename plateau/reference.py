"""Plain NumPy codings of the compiled kernels: test references and benchmark baselines.

:func:`rhs` is the ODE right-hand side; :func:`numpy_steps` the online SGD update.

It follows the equations of :mod:`plateau.kernels.rhs` but is written
independently, vectorised over all index tuples at once (full (K, K, n, n)
tensors of I4 with n = K + M), on full matrices rather than packed states.
erf and linear use their closed forms here; relu borrows the compiled I2..J2
(its I4 has no closed form), so for relu only the assembly is independent.
"""
import math

import numpy as np

from .kernels import integrals
from .kernels.state import pack, unpack


def _erf_tensors(C, K):
    n = C.shape[0]
    s = 1.0 + np.diag(C)                      # (n,) 1 + C_aa
    i = np.arange(K)
    a = i[:, None, None]
    b = np.arange(n)[None, :, None]
    c = np.arange(n)[None, None, :]
    I2 = (2 / np.pi) * np.arcsin(np.clip(C / np.sqrt(np.outer(s, s)), -1, 1))
    lam3 = s[a] * s[c] - C[a, c] ** 2
    I3 = (2 / np.pi) * (C[b, c] * s[a] - C[a, b] * C[a, c]) / (s[a] * np.sqrt(lam3))
    ia, ib = i[:, None, None, None], i[None, :, None, None]
    ic, idd = np.arange(n)[None, None, :, None], np.arange(n)[None, None, None, :]
    lam4 = s[ia] * s[ib] - C[ia, ib] ** 2
    lam0 = (lam4 * C[ic, idd] - C[ib, ic] * C[ib, idd] * s[ia] - C[ia, ic] * C[ia, idd] * s[ib]
            + C[ia, ib] * C[ia, ic] * C[ib, idd] + C[ia, ib] * C[ia, idd] * C[ib, ic])
    lam1 = lam4 * s[ic] - C[ib, ic] ** 2 * s[ia] - C[ia, ic] ** 2 * s[ib] + 2 * C[ia, ib] * C[ia, ic] * C[ib, ic]
    lam2 = lam4 * s[idd] - C[ib, idd] ** 2 * s[ia] - C[ia, idd] ** 2 * s[ib] + 2 * C[ia, ib] * C[ia, idd] * C[ib, idd]
    I4 = (4 / np.pi ** 2) * np.arcsin(np.clip(lam0 / np.sqrt(lam1 * lam2), -1, 1)) / np.sqrt(lam4)
    J2 = (2 / np.pi) / np.sqrt(np.outer(s[:K], s[:K]) - C[:K, :K] ** 2)
    return I2, I3, I4, J2


def _linear_tensors(C, K):
    n = C.shape[0]
    I3 = np.broadcast_to(C[None, :, :], (K, n, n))
    I4 = np.broadcast_to(C[None, None, :, :], (K, K, n, n))
    return C, I3, I4, np.ones((K, K))


def _compiled_tensors(C, K, act):
    n = C.shape[0]
    I2 = np.array([[integrals.i2(act, C, a, b) for b in range(n)] for a in range(n)])
    I3 = np.array([[[integrals.i3(act, C, a, b, c) for c in range(n)] for b in range(n)] for a in range(K)])
    I4 = np.array([[[[integrals.i4(act, C, a, b, c, d) for d in range(n)] for c in range(n)]
                    for b in range(K)] for a in range(K)])
    J2 = np.array([[integrals.j2(act, C, a, b) for b in range(K)] for a in range(K)])
    return I2, I3, I4, J2


def gaussian_tensors(C, K, activation):
    """I2 (n, n), I3 (K, n, n), I4 (K, K, n, n), J2 (K, K) for the covariance C (n, n)."""
    if activation == "erf":
        return _erf_tensors(C, K)
    if activation == "linear":
        return _linear_tensors(C, K)
    return _compiled_tensors(C, K, integrals.ACTIVATION_CODES[activation])


def derivatives(Q, R, W, T, V, activation, eta, eta_w, sigma):
    """dQ, dR, dW from full matrices (see :mod:`plateau.kernels.rhs` for the equations)."""
    K = Q.shape[0]
    C = np.block([[Q, R], [R.T, T]])
    I2, I3, I4, J2 = gaussian_tensors(C, K, activation)
    D = W @ W.T
    A = np.hstack([-D, W @ V.T])              # w_i.e  = A_ic g(u_c) + noise
    drift = np.einsum("ic,ibc->ib", A, I3)    # <delta_i u_b>
    second = np.einsum("ic,kd,ikcd->ik", A, A, I4) + sigma ** 2 * D * J2
    dQ = eta * (drift[:, :K] + drift[:, :K].T) + eta ** 2 * second
    dR = eta * drift[:, K:]
    dW = eta_w * (I2[:K, K:] @ V - I2[:K, :K] @ W)   # <g(lambda_i) e>
    return dQ, dR, dW


def rhs(y, setup):
    """Packed dy/dalpha (n,) for a Setup, through the NumPy coding."""
    Q, R, W = unpack(np.ascontiguousarray(y, dtype=float), setup.K, setup.M, setup.L)
    parts = derivatives(Q, R, W, setup.T, setup.V, setup.activation, setup.eta, setup.eta_w, setup.sigma)
    return pack(*parts)


def numpy_steps(J, W, B, V, n_steps, activation, eta, eta_w, sigma, rng_x, rng_z):
    """The update of :func:`plateau.kernels.sgd.sgd_steps` written plainly in NumPy, one step per
    Python iteration: the lockstep reference of the tests and the baseline of the benchmark.

    Draws xi = rng_x.standard_normal(N) and zeta = rng_z.standard_normal(L) (when sigma > 0)
    per step, i.e. the same numbers as the kernel.  Updates J (K, N) and W (K, L) in place.
    """
    from scipy.special import erf
    N = J.shape[1]
    g, dg = {
        "erf": (lambda x: erf(x / math.sqrt(2.0)), lambda x: math.sqrt(2.0 / math.pi) * np.exp(-0.5 * x * x)),
        "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x > 0.0).astype(float)),
        "linear": (lambda x: x, np.ones_like),
    }[activation]
    root = math.sqrt(N)
    for _ in range(n_steps):
        xi = rng_x.standard_normal(N)
        lam, nu = J @ xi / root, B @ xi / root
        y = V.T @ g(nu)
        if sigma != 0.0:
            y = y + sigma * rng_z.standard_normal(V.shape[1])
        e = y - W.T @ g(lam)
        coef = (eta / root) * dg(lam) * (W @ e)
        if eta_w != 0.0:
            W += (eta_w / N) * np.outer(g(lam), e)
        J += np.outer(coef, xi)
