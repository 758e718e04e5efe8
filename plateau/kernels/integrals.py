"""Dispatch of the Gaussian averages, and of their contractions, on an activation code.

The right-hand side and the error kernels call ``i2(act, C, a, b)`` and friends,
where ``act`` is one of the codes below and ``C`` is the (K+M) x (K+M)
covariance of the fields (lambda_1..lambda_K, nu_1..nu_M):

    C = [[Q, R], [R^T, T]].

Python code maps activation names to codes with :data:`ACTIVATION_CODES`.
The contractions ``i3_contract`` and ``i4_contract`` are the sums the ODE's
right-hand side needs; erf and linear have fast codings, relu sums elementwise.
"""
import numpy as np

from ._jit import jit
from . import erf, linear, relu

ERF = 0
RELU = 1
LINEAR = 2
ACTIVATION_CODES = {"erf": ERF, "relu": RELU, "linear": LINEAR}


@jit
def i2(act, C, a, b):
    """E[g(u_a) g(u_b)]."""
    if act == ERF:
        return erf.i2(C, a, b)
    if act == RELU:
        return relu.i2(C, a, b)
    return linear.i2(C, a, b)


@jit
def i3(act, C, a, b, c):
    """E[g'(u_a) u_b g(u_c)]."""
    if act == ERF:
        return erf.i3(C, a, b, c)
    if act == RELU:
        return relu.i3(C, a, b, c)
    return linear.i3(C, a, b, c)


@jit
def i4(act, C, a, b, c, d):
    """E[g'(u_a) g'(u_b) g(u_c) g(u_d)]."""
    if act == ERF:
        return erf.i4(C, a, b, c, d)
    if act == RELU:
        return relu.i4(C, a, b, c, d)
    return linear.i4(C, a, b, c, d)


@jit
def j2(act, C, a, b):
    """E[g'(u_a) g'(u_b)]."""
    if act == ERF:
        return erf.j2(C, a, b)
    if act == RELU:
        return relu.j2(C, a, b)
    return linear.j2(C, a, b)


@jit
def i3_contract(act, C, a, x):
    """out[b] = sum_c x_c I3(a, b, c); x (n,) -> out (n,)."""
    if act == ERF:
        return erf.i3_contract(C, a, x)
    if act == LINEAR:
        return C @ x
    n = C.shape[0]
    out = np.zeros(n)
    for b in range(n):
        for c in range(n):
            if x[c] != 0.0:
                out[b] += x[c] * relu.i3(C, a, b, c)
    return out


@jit
def i4_contract(act, C, a, b, x, y):
    """sum_cd x_c y_d I4(a, b, c, d) for x, y (n,)."""
    if act == ERF:
        return erf.i4_contract(C, a, b, x, y)
    if act == LINEAR:
        return x @ C @ y
    n = C.shape[0]
    total = 0.0
    for c in range(n):
        for d in range(c, n):
            # I4(a, b, c, d) is symmetric in (c, d): each unordered pair once.
            weight = x[c] * y[d]
            if d != c:
                weight += x[d] * y[c]
            if weight != 0.0:
                total += weight * relu.i4(C, a, b, c, d)
    return total
