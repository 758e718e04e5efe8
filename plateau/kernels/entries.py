"""Per-activation entry points of the ODE kernels, and the cold-cache notice.

The activation and the flow (GD or NGD) are compile-time constants of the
compiled ODE code (see :mod:`plateau.kernels.integrals`): each (activation,
algorithm) pair has its own small entry point below, a module-level function
with a stable name, so that Numba caches each one on disk separately and a
run compiles (or loads) only the pair it uses.  Large erf networks (:func:`wide`:
K >= 5, or K + M > 8) have entries of their own (``ode_erf_wide_*``, see
:data:`plateau.kernels.integrals.WIDE`), so small ones never compile that code.  They pass ``act`` and ``algo`` to the
generic :func:`plateau.kernels.dopri.integrate` as constants, which Numba
types as literals and hands on down the call chain (calls from Python would
give plain integers, and literal dispatch from Python costs milliseconds).

Each entry returns what :func:`plateau.kernels.dopri.integrate` returns and, last,
eps_g of the recorded states (when ``control[4]``, "with eps", is true), so that a
run compiles and loads one entry point.  Python picks an entry with
:func:`ode_entry`; :func:`rhs_entry` and :func:`eps_entry` ask the same entry for
the right-hand side or for eps_g of one state.  Before the first call
:func:`announce_compile` checks (cheaply: does the entry's cache index exist?)
whether Numba will compile, and if so prints one line to stderr.
"""
import os
import sys

import numpy as np

from ._jit import jit_entry, jit_inline
from .dopri import integrate
from .erf import SCALAR_UP_TO
from .erf_pairs import VECTOR_FROM_PAIRS
from .integrals import ACTIVATION_NAMES, ERF, LINEAR, RELU, WIDE
from .flows import GD, NGD
from .rhs import generalisation_error_path

ERF_WIDE = ERF | WIDE   # a module constant, so that compiled code sees a literal


# --- the integrator, one entry per (activation, algorithm) ---------------------------
@jit_inline
def _with_eps(act, result, model, with_eps):
    """dopri.integrate's ``result`` (for control[:4]) and, last, eps_g (len(t_out),) of its
    recorded states when ``with_eps`` (control[4]) is true (NaN past them, all NaN when false).
    (A wrapper of the result, not of the integrator: inlining the inlined integrator again
    would cost half a second of every first run.)"""
    Y, n_done, t, status, n_rhs, y, h, steps, f = result
    eps = np.full(Y.shape[0], np.nan)
    if with_eps:
        path = generalisation_error_path(Y[:n_done], model[0], model[1], model[2], model[3], act)
        for j in range(n_done):
            eps[j] = path[j]
    return Y, n_done, t, status, n_rhs, y, h, steps, f, eps


@jit_entry
def ode_erf_gd(y0, t0, h0, t_out, model, tab, control, f0):
    return _with_eps(ERF, integrate(ERF, GD, y0, t0, h0, t_out, model, tab, control[:4], f0), model,
                     control[4])


@jit_entry
def ode_relu_gd(y0, t0, h0, t_out, model, tab, control, f0):
    return _with_eps(RELU, integrate(RELU, GD, y0, t0, h0, t_out, model, tab, control[:4], f0), model,
                     control[4])


@jit_entry
def ode_linear_gd(y0, t0, h0, t_out, model, tab, control, f0):
    return _with_eps(LINEAR, integrate(LINEAR, GD, y0, t0, h0, t_out, model, tab, control[:4], f0), model,
                     control[4])


@jit_entry
def ode_erf_ngd(y0, t0, h0, t_out, model, tab, control, f0):
    return _with_eps(ERF, integrate(ERF, NGD, y0, t0, h0, t_out, model, tab, control[:4], f0), model,
                     control[4])


@jit_entry
def ode_relu_ngd(y0, t0, h0, t_out, model, tab, control, f0):
    return _with_eps(RELU, integrate(RELU, NGD, y0, t0, h0, t_out, model, tab, control[:4], f0), model,
                     control[4])


@jit_entry
def ode_linear_ngd(y0, t0, h0, t_out, model, tab, control, f0):
    return _with_eps(LINEAR, integrate(LINEAR, NGD, y0, t0, h0, t_out, model, tab, control[:4], f0), model,
                     control[4])


@jit_entry
def ode_erf_wide_gd(y0, t0, h0, t_out, model, tab, control, f0):
    return _with_eps(ERF_WIDE, integrate(ERF_WIDE, GD, y0, t0, h0, t_out, model, tab, control[:4], f0), model,
                     control[4])


@jit_entry
def ode_erf_wide_ngd(y0, t0, h0, t_out, model, tab, control, f0):
    return _with_eps(ERF_WIDE, integrate(ERF_WIDE, NGD, y0, t0, h0, t_out, model, tab, control[:4], f0), model,
                     control[4])


_ODE = {(ERF, GD): ode_erf_gd, (RELU, GD): ode_relu_gd, (LINEAR, GD): ode_linear_gd,
        (ERF, NGD): ode_erf_ngd, (RELU, NGD): ode_relu_ngd, (LINEAR, NGD): ode_linear_ngd,
        (ERF_WIDE, GD): ode_erf_wide_gd, (ERF_WIDE, NGD): ode_erf_wide_ngd}


def pairs_vectorised(act, K):
    """True when a network of K student units with activation code ``act`` takes the I4 sums
    vectorised over pairs of units (erf with at least VECTOR_FROM_PAIRS pairs, K >= 5)."""
    return act == ERF and K * (K + 1) // 2 >= VECTOR_FROM_PAIRS


def wide(act, K, M):
    """True when an erf network of K student and M teacher units takes the entries with
    vectorised I4 sums (over pairs of units, or over pairs of its K + M > SCALAR_UP_TO fields)."""
    return act == ERF and (pairs_vectorised(act, K) or K + M > SCALAR_UP_TO)


def ode_entry(act, algo, K, M):
    """The compiled integrator for activation code ``act``, algorithm code ``algo``, K student
    and M teacher units: f(y0, t0, h0, t_out, model, tab, control, f0) -> see
    plateau.kernels.dopri.integrate."""
    return _ODE[ERF_WIDE if wide(act, K, M) else act, algo]


_START, _UNKNOWN = np.zeros(1), np.empty(0)


def _no_step(run):
    """The integrator's entry ``run`` run for no step: g(y, model, tab, with_eps, f0) -> its result,
    which records y at alpha = 0 and, when f0 is empty, evaluates dy/dalpha there (else returns f0)."""
    def at_start(y, model, tab, with_eps, f0):
        return run(y, 0.0, -1.0, _START, model, tab, (1.0, 1.0, np.inf, 0, with_eps), f0)
    return at_start


def rhs_entry(act, algo, K, M):
    """The right-hand side for (act, algo, K, M): f(y, model, tab) -> dy/dalpha (n,).

    It runs the integrator's entry for no step (the loop evaluates f at its start and
    returns it), so one compiled entry point serves the integration, the Jacobians of
    the fixed-point analysis and SciPy's solvers.
    """
    return rhs_of(ode_entry(act, algo, K, M))


def rhs_of(run):
    """The right-hand side f(y, model, tab) -> dy/dalpha (n,) that the integrator's entry ``run``
    (one of ``ode_*`` above) computes."""
    at_start = _no_step(run)

    def rhs(y, model, tab):
        return at_start(y, model, tab, False, _UNKNOWN)[8]
    return rhs


def eps_entry(act, algo, K, M):
    """eps_g of one packed state for (act, algo, K, M): f(y, model, tab) -> float, by the
    integrator's entry run for no step.  A stand-in derivative (zeros, returned unused) spares
    the right-hand side there."""
    at_start = _no_step(ode_entry(act, algo, K, M))

    def eps(y, model, tab):
        return float(at_start(y, model, tab, True, np.zeros(y.size))[9][0])
    return eps


# --- the cold-cache notice ------------------------------------------------------------
# Compile times measured on the 2-core development machine (whole entry point, seconds).
COMPILE_SECONDS = {"ode": 10, "ode-ngd": 20, "ode-large": 14, "ode-ngd-large": 24, "sgd": 10, "sgd-ngd": 15}


def ode_kind(act, algo, K, M):
    """The COMPILE_SECONDS key of the ODE entry for (act, algo, K, M)."""
    return ("ode-ngd" if algo else "ode") + ("-large" if wide(act, K, M) else "")
_announced = set()


def is_cached(dispatcher):
    """True when Numba's on-disk cache already holds an index for this entry point.

    Reads only the existence of one file; an unknown Numba layout counts as cached
    (no notice rather than a wrong one).
    """
    try:
        return os.path.exists(dispatcher._cache._cache_file._index_path)
    except AttributeError:
        return True


def announce_compile(dispatcher, kind, act=None, stream=None):
    """Print "compiling kernels, once: ~N s" to stderr before the first compile of an entry.

    ``kind`` is a key of COMPILE_SECONDS; at most one line per entry and process.
    """
    if dispatcher in _announced or is_cached(dispatcher):
        return
    _announced.add(dispatcher)
    what = kind + (f", {ACTIVATION_NAMES[act]}" if act is not None else "")
    stream = stream or sys.stderr
    stream.write(f"plateau: compiling kernels ({what}), once: ~{COMPILE_SECONDS[kind]} s "
                 f"(then cached; `plateau warm-up` does it ahead)\n")
    stream.flush()
