"""Dispatch of the Gaussian averages, and of their contractions, on an activation code.

The right-hand side and the error kernels call ``i2(act, C, a, b)`` and friends,
where ``act`` is one of the codes below and ``C`` is the (K+M) x (K+M)
covariance of the fields (lambda_1..lambda_K, nu_1..nu_M):

    C = [[Q, R], [R^T, T]].

Python code maps activation names to codes with :data:`ACTIVATION_CODES`.
The contractions ``i3_contract`` and ``i4_contract`` are the sums the ODE's
right-hand side needs; erf and linear have fast codings, relu sums elementwise.
:mod:`plateau.kernels.sums` has them for every student unit, and every pair of
them, at once.

Specialisation.  Each function here is a Numba overload chosen by the *type*
of ``act`` (and inlined into compiled callers): when the caller's ``act`` is a
compile-time constant (a Numba literal, as in the per-activation entry points of
:mod:`plateau.kernels.entries`, passed down as an argument)
only that activation's code is compiled (an erf run never compiles ReLU's
I4); with a run-time integer (a call from Python, e.g. the tests) the code
branches on it and all three are compiled.  Both give the same numbers.
"""
import numpy as np
from numba import types
from numba.extending import overload

from ._jit import COMPILED_ONLY, jit, jit_inline
from . import erf

relu = linear = None   # imported by the first compile that may need them (_import_other_activations)

ERF = 0
RELU = 1
LINEAR = 2
ACTIVATION_CODES = {"erf": ERF, "relu": RELU, "linear": LINEAR}
ACTIVATION_NAMES = {code: name for name, code in ACTIVATION_CODES.items()}
#: Added to ERF in the compiled entry points of erf networks with at least
#: erf_pairs.VECTOR_FROM_PAIRS pairs of student units or more than erf.SCALAR_UP_TO fields
#: (:func:`plateau.kernels.entries.wide`): their I4 sums are vectorised over pairs of units
#: (:mod:`plateau.kernels.erf_pairs`) or of fields (:func:`plateau.kernels.erf.i4_contract`).
#: A code of its own, so that a run of a small network compiles neither (they would double
#: the first run's compile).
WIDE = 4


def _import_other_activations():
    """Import the ReLU and linear kernels, at compile time (the overloads below call this): a run
    that loads compiled code from the cache never needs their dispatchers (a few ms of start-up)."""
    global relu, linear
    from . import linear, relu  # noqa: F811


def literal_code(act):
    """The activation code (ERF, RELU or LINEAR) when ``act`` is a compile-time constant, else None."""
    return act.literal_value & ~WIDE if isinstance(act, types.IntegerLiteral) else None


def is_wide(act):
    """True when ``act`` is the compile-time constant ERF | WIDE."""
    return isinstance(act, types.IntegerLiteral) and act.literal_value == ERF | WIDE


@jit
def _relu_i3_contract(C, a, x):
    n = C.shape[0]
    out = np.zeros(n)
    for b in range(n):
        for c in range(n):
            if x[c] != 0.0:
                out[b] += x[c] * relu.i3(C, a, b, c)
    return out


@jit
def _relu_i4_contract(C, a, b, x, y):
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


# --- the dispatching stubs and their overloads ------------------------------------------
def _i2(act, C, a, b):
    raise NotImplementedError   # compiled only (overloaded below)


def _i3(act, C, a, b, c):
    raise NotImplementedError


def _i4(act, C, a, b, c, d):
    raise NotImplementedError


def _j2(act, C, a, b):
    raise NotImplementedError


def _i3c(act, C, a, x):
    raise NotImplementedError


def _i4c(act, C, a, b, x, y):
    raise NotImplementedError


@overload(_i2, prefer_literal=True, jit_options=COMPILED_ONLY)
def _ov_i2(act, C, a, b):
    _import_other_activations()
    code = literal_code(act)
    if code == ERF:
        return lambda act, C, a, b: erf.i2(C, a, b)
    if code == RELU:
        return lambda act, C, a, b: relu.i2(C, a, b)
    if code == LINEAR:
        return lambda act, C, a, b: linear.i2(C, a, b)

    def any_activation(act, C, a, b):
        if act == ERF:
            return erf.i2(C, a, b)
        if act == RELU:
            return relu.i2(C, a, b)
        return linear.i2(C, a, b)
    return any_activation


@overload(_i3, prefer_literal=True, jit_options=COMPILED_ONLY)
def _ov_i3(act, C, a, b, c):
    _import_other_activations()
    code = literal_code(act)
    if code == ERF:
        return lambda act, C, a, b, c: erf.i3(C, a, b, c)
    if code == RELU:
        return lambda act, C, a, b, c: relu.i3(C, a, b, c)
    if code == LINEAR:
        return lambda act, C, a, b, c: linear.i3(C, a, b, c)

    def any_activation(act, C, a, b, c):
        if act == ERF:
            return erf.i3(C, a, b, c)
        if act == RELU:
            return relu.i3(C, a, b, c)
        return linear.i3(C, a, b, c)
    return any_activation


@overload(_i4, prefer_literal=True, jit_options=COMPILED_ONLY)
def _ov_i4(act, C, a, b, c, d):
    _import_other_activations()
    code = literal_code(act)
    if code == ERF:
        return lambda act, C, a, b, c, d: erf.i4(C, a, b, c, d)
    if code == RELU:
        return lambda act, C, a, b, c, d: relu.i4(C, a, b, c, d)
    if code == LINEAR:
        return lambda act, C, a, b, c, d: linear.i4(C, a, b, c, d)

    def any_activation(act, C, a, b, c, d):
        if act == ERF:
            return erf.i4(C, a, b, c, d)
        if act == RELU:
            return relu.i4(C, a, b, c, d)
        return linear.i4(C, a, b, c, d)
    return any_activation


@overload(_j2, prefer_literal=True, jit_options=COMPILED_ONLY)
def _ov_j2(act, C, a, b):
    _import_other_activations()
    code = literal_code(act)
    if code == ERF:
        return lambda act, C, a, b: erf.j2(C, a, b)
    if code == RELU:
        return lambda act, C, a, b: relu.j2(C, a, b)
    if code == LINEAR:
        return lambda act, C, a, b: linear.j2(C, a, b)

    def any_activation(act, C, a, b):
        if act == ERF:
            return erf.j2(C, a, b)
        if act == RELU:
            return relu.j2(C, a, b)
        return linear.j2(C, a, b)
    return any_activation


@overload(_i3c, prefer_literal=True, jit_options=COMPILED_ONLY)
def _ov_i3c(act, C, a, x):
    _import_other_activations()
    code = literal_code(act)
    if code == ERF:
        return lambda act, C, a, x: erf.i3_contract(C, a, x)
    if code == RELU:
        return lambda act, C, a, x: _relu_i3_contract(C, a, x)
    if code == LINEAR:
        return lambda act, C, a, x: linear.i3_contract(C, a, x)

    def any_activation(act, C, a, x):
        if act == ERF:
            return erf.i3_contract(C, a, x)
        if act == RELU:
            return _relu_i3_contract(C, a, x)
        return linear.i3_contract(C, a, x)
    return any_activation


@overload(_i4c, prefer_literal=True, jit_options=COMPILED_ONLY)
def _ov_i4c(act, C, a, b, x, y):
    _import_other_activations()
    code = literal_code(act)
    if code == ERF and not is_wide(act):   # the entries of small erf networks (entries.wide)
        return lambda act, C, a, b, x, y: erf.i4_contract_scalar(C, a, b, x, y)
    if code == ERF:
        return lambda act, C, a, b, x, y: erf.i4_contract(C, a, b, x, y)
    if code == RELU:
        return lambda act, C, a, b, x, y: _relu_i4_contract(C, a, b, x, y)
    if code == LINEAR:
        return lambda act, C, a, b, x, y: linear.i4_contract(C, a, b, x, y)

    def any_activation(act, C, a, b, x, y):
        if act == ERF:
            return erf.i4_contract(C, a, b, x, y)
        if act == RELU:
            return _relu_i4_contract(C, a, b, x, y)
        return linear.i4_contract(C, a, b, x, y)
    return any_activation


# --- the public kernels (callable from Python and from compiled code) -------------------
@jit_inline
def i2(act, C, a, b):
    """E[g(u_a) g(u_b)]."""
    return _i2(act, C, a, b)


@jit_inline
def i3(act, C, a, b, c):
    """E[g'(u_a) u_b g(u_c)]."""
    return _i3(act, C, a, b, c)


@jit_inline
def i4(act, C, a, b, c, d):
    """E[g'(u_a) g'(u_b) g(u_c) g(u_d)]."""
    return _i4(act, C, a, b, c, d)


@jit_inline
def j2(act, C, a, b):
    """E[g'(u_a) g'(u_b)]."""
    return _j2(act, C, a, b)


@jit_inline
def i3_contract(act, C, a, x):
    """out[b] = sum_c x_c I3(a, b, c); x (n,) -> out (n,)."""
    return _i3c(act, C, a, x)


@jit_inline
def i4_contract(act, C, a, b, x, y):
    """sum_cd x_c y_d I4(a, b, c, d) for x, y (n,)."""
    return _i4c(act, C, a, b, x, y)

