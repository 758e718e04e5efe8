"""The learning algorithm's codes, and the right-hand side of either flow.

``algo`` is :data:`GD` (gradient descent, :func:`plateau.kernels.rhs.derivatives`) or
:data:`NGD` (natural gradient with damping eps, :func:`plateau.kernels.ngd.ngd_derivatives`).
:func:`rhs_any` is what the integrator calls.  Like the activation (see
:mod:`plateau.kernels.integrals`), a literal ``algo`` (the entry points of
:mod:`plateau.kernels.entries`) compiles only its own flow; a run-time integer compiles both.
The NGD kernels (and the Fisher blocks they use) are imported by the first compile that may
need them, so that a gradient-descent run never loads them.
"""
import numpy as np
from numba import types
from numba.extending import overload

from ._jit import COMPILED_ONLY, jit
from .matrices import all_finite
from .rhs import derivatives
from .state import pack, unpack

ngd = None   # imported by the first compile that may need it (_ov_flow)

GD = 0
NGD = 1
ALGORITHM_CODES = {"gd": GD, "ngd": NGD}


def _flow(algo, Q, R, W, T, V, act, eta, eta_w, sigma, eps):
    raise NotImplementedError   # compiled only (overloaded below)


@overload(_flow, prefer_literal=True, jit_options=COMPILED_ONLY)
def _ov_flow(algo, Q, R, W, T, V, act, eta, eta_w, sigma, eps):
    """GD or NGD derivatives: dQ (K, K), dR (K, M), dW (K, L)."""
    global ngd
    code = algo.literal_value if isinstance(algo, types.IntegerLiteral) else None
    if code == GD:
        return lambda algo, Q, R, W, T, V, act, eta, eta_w, sigma, eps: derivatives(
            Q, R, W, T, V, act, eta, eta_w, sigma)
    from . import ngd  # noqa: F811
    if code == NGD:
        return lambda algo, Q, R, W, T, V, act, eta, eta_w, sigma, eps: ngd.ngd_derivatives(
            Q, R, W, T, V, act, eta, eta_w, sigma, eps)

    def any_flow(algo, Q, R, W, T, V, act, eta, eta_w, sigma, eps):
        if algo == NGD:
            return ngd.ngd_derivatives(Q, R, W, T, V, act, eta, eta_w, sigma, eps)
        return derivatives(Q, R, W, T, V, act, eta, eta_w, sigma)
    return any_flow


@jit
def rhs_any(y, T, V, K, M, act, eta, eta_w, sigma, algo, eps):
    """d y / d alpha (n,) of the GD (algo 0) or NGD (algo 1, damping eps) flow, packed state y (n,).

    A non-finite state gives a NaN derivative without calling the averages (the ReLU
    quadrature reads out of bounds on NaN fields)."""
    if not all_finite(y):
        return np.full(y.size, np.nan)
    Q, R, W = unpack(y, K, M, V.shape[1])
    dQ, dR, dW = _flow(algo, Q, R, W, T, V, act, eta, eta_w, sigma, eps)
    return pack(dQ, dR, dW)
