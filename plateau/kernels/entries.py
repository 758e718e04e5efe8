"""Per-activation entry points of the ODE kernels, and the cold-cache notice.

The activation and the flow (GD or NGD) are compile-time constants of the
compiled ODE code (see :mod:`plateau.kernels.integrals`): each (activation,
algorithm) pair has its own small entry point below, a module-level function
with a stable name, so that Numba caches each one on disk separately and a
run compiles (or loads) only the pair it uses.  Erf networks with many
student units have entries of their own (``ode_erf_wide_*``, see
:data:`plateau.kernels.integrals.WIDE`), so small ones never compile that code.  They pass ``act`` and ``algo`` to the
generic :func:`plateau.kernels.dopri.integrate` as constants, which Numba
types as literals and hands on down the call chain (calls from Python would
give plain integers, and literal dispatch from Python costs milliseconds).

Python picks an entry with :func:`ode_entry` (or :func:`rhs_entry`, the same
entry asked for the right-hand side only); :func:`eps_entry` gives eps_g along
a path, likewise compiled for one activation only.  Before the
first call :func:`announce_compile` checks (cheaply: does the entry's cache
index exist?) whether Numba will compile, and if so prints one line to stderr.
"""
import os
import sys

import numpy as np

from ._jit import jit
from .dopri import integrate
from .erf_pairs import VECTOR_FROM_PAIRS
from .integrals import ACTIVATION_NAMES, ERF, LINEAR, RELU, WIDE
from .ngd import GD, NGD
from .rhs import generalisation_error_path

ERF_WIDE = ERF | WIDE   # a module constant, so that compiled code sees a literal


# --- the integrator, one entry per (activation, algorithm) ---------------------------
@jit
def ode_erf_gd(y0, t0, h0, t_out, model, tab, control):
    return integrate(ERF, GD, y0, t0, h0, t_out, model, tab, control)


@jit
def ode_relu_gd(y0, t0, h0, t_out, model, tab, control):
    return integrate(RELU, GD, y0, t0, h0, t_out, model, tab, control)


@jit
def ode_linear_gd(y0, t0, h0, t_out, model, tab, control):
    return integrate(LINEAR, GD, y0, t0, h0, t_out, model, tab, control)


@jit
def ode_erf_ngd(y0, t0, h0, t_out, model, tab, control):
    return integrate(ERF, NGD, y0, t0, h0, t_out, model, tab, control)


@jit
def ode_relu_ngd(y0, t0, h0, t_out, model, tab, control):
    return integrate(RELU, NGD, y0, t0, h0, t_out, model, tab, control)


@jit
def ode_linear_ngd(y0, t0, h0, t_out, model, tab, control):
    return integrate(LINEAR, NGD, y0, t0, h0, t_out, model, tab, control)


@jit
def ode_erf_wide_gd(y0, t0, h0, t_out, model, tab, control):
    return integrate(ERF_WIDE, GD, y0, t0, h0, t_out, model, tab, control)


@jit
def ode_erf_wide_ngd(y0, t0, h0, t_out, model, tab, control):
    return integrate(ERF_WIDE, NGD, y0, t0, h0, t_out, model, tab, control)


_ODE = {(ERF, GD): ode_erf_gd, (RELU, GD): ode_relu_gd, (LINEAR, GD): ode_linear_gd,
        (ERF, NGD): ode_erf_ngd, (RELU, NGD): ode_relu_ngd, (LINEAR, NGD): ode_linear_ngd,
        (ERF_WIDE, GD): ode_erf_wide_gd, (ERF_WIDE, NGD): ode_erf_wide_ngd}


def wide(act, K):
    """True when a network of K student units with activation code ``act`` takes the I4 sums
    vectorised over pairs of units (erf with at least VECTOR_FROM_PAIRS pairs)."""
    return act == ERF and K * (K + 1) // 2 >= VECTOR_FROM_PAIRS


def ode_entry(act, algo, K):
    """The compiled integrator for activation code ``act``, algorithm code ``algo`` and K student
    units: f(y0, t0, h0, t_out, model, tab, control) -> see plateau.kernels.dopri.integrate."""
    return _ODE[ERF_WIDE if wide(act, K) else act, algo]


def rhs_entry(act, algo, K):
    """The right-hand side for (act, algo, K): f(y, model, tab) -> dy/dalpha (n,).

    It runs the integrator's entry for no step (the loop evaluates f at its start and
    returns it), so one compiled entry point serves the integration, the Jacobians of
    the fixed-point analysis and SciPy's solvers.
    """
    run = ode_entry(act, algo, K)
    start = np.zeros(1)

    def rhs(y, model, tab):
        return run(y, 0.0, -1.0, start, model, tab, (1.0, 1.0, np.inf, 0))[8]
    return rhs


# --- eps_g along a path, one entry per activation ----------------------------------
@jit
def eps_erf(Y, T, V, K, M):
    return generalisation_error_path(Y, T, V, K, M, ERF)


@jit
def eps_relu(Y, T, V, K, M):
    return generalisation_error_path(Y, T, V, K, M, RELU)


@jit
def eps_linear(Y, T, V, K, M):
    return generalisation_error_path(Y, T, V, K, M, LINEAR)


_EPS = {ERF: eps_erf, RELU: eps_relu, LINEAR: eps_linear}


def eps_entry(act):
    """eps_g of packed states for activation code ``act``: f(Y (n_t, n), T, V, K, M) -> (n_t,)."""
    return _EPS[act]


# --- the cold-cache notice ------------------------------------------------------------
# Compile times measured on the 2-core development machine (whole entry point, seconds).
COMPILE_SECONDS = {"ode": 12, "ode-ngd": 25, "ode-large": 16, "ode-ngd-large": 30, "sgd": 10, "sgd-ngd": 15}


def ode_kind(act, algo, K):
    """The COMPILE_SECONDS key of the ODE entry for (act, algo, K)."""
    return ("ode-ngd" if algo else "ode") + ("-large" if wide(act, K) else "")
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
