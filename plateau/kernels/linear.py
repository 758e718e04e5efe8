"""Gaussian averages for the linear activation g(x) = x, g'(x) = 1.

Same signatures as :mod:`plateau.kernels.erf`:

    I2(a,b) = C_ab,  I3(a,b,c) = C_bc,  I4(a,b,c,d) = C_cd,  J2(a,b) = 1.
"""
import numpy as np

from ._jit import jit


@jit
def i2(C, a, b):
    return C[a, b]


@jit
def i3(C, a, b, c):
    return C[b, c]


@jit
def i4(C, a, b, c, d):
    return C[c, d]


@jit
def j2(C, a, b):
    return 1.0


@jit
def i3_contract(C, a, x):
    """out[b] = sum_c x_c C_bc (= C x); x (n,) -> out (n,)."""
    n = C.shape[0]
    out = np.zeros(n)
    for b in range(n):
        s = 0.0
        for c in range(n):
            s += C[b, c] * x[c]
        out[b] = s
    return out


@jit
def i4_contract(C, a, b, x, y):
    """sum_cd x_c C_cd y_d (= x . C y)."""
    n = C.shape[0]
    total = 0.0
    for c in range(n):
        s = 0.0
        for d in range(n):
            s += C[c, d] * y[d]
        total += x[c] * s
    return total
