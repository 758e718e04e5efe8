"""Dispatch of the Gaussian averages on an integer activation code.

The right-hand side and the error kernels call ``i2(act, C, a, b)`` and friends,
where ``act`` is one of the codes below and ``C`` is the (K+M) x (K+M)
covariance of the fields (lambda_1..lambda_K, nu_1..nu_M):

    C = [[Q, R], [R^T, T]].

Python code maps activation names to codes with :data:`ACTIVATION_CODES`.
"""
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
