"""The one place that imports Numba and fixes its options.

Every kernel in :mod:`plateau.kernels` is decorated with :func:`jit`, i.e.
``numba.njit(cache=True)``, so a second process loads the compiled code from
Numba's on-disk cache instead of compiling again.  Setting the environment
variable ``NUMBA_DISABLE_JIT=1`` runs the same kernels as plain Python, which
is the way to debug them.

Start-up: Numba's first compiled call (even one served from the cache) imports
``numba.np.arraymath``, which imports SciPy's BLAS wrappers (0.3 s) only to
learn whether BLAS exists.  No kernel here uses BLAS (no ``@``, ``np.dot``),
so :func:`_import_arraymath_without_scipy` answers that question with
:func:`importlib.util.find_spec` instead of an import.  Numba still imports
SciPy when some code compiles a BLAS call (its ``ensure_blas`` is untouched
outside that one import), and LAPACK calls (``np.linalg.eigh`` in the NGD
kernels) import it when they first run.

Start-up, too: before it loads a function from the cache, Numba "refreshes"
its compiler contexts, importing and installing every typing and lowering
registry it has (0.3 s, most of a warm run's first call).  Loading needs none
of them: it unserialises machine code, which needs only the Numba runtime
(NRT) initialised.  Numba's own compiler refreshes both contexts whenever it
compiles (``CompilerBase.__init__``), so the refresh is only postponed to the
first real compile.  :func:`_load_without_refresh` is that leaner load; it is
installed on plateau's own dispatchers only (other Numba code in the process
keeps the stock one), and a Numba whose cache lacks the methods it uses keeps
the stock load.
"""
import functools
import importlib.util
import types

import numba


def _load_without_refresh(cache, sig, target_context):
    """Numba's ``Cache.load_overload`` without ``target_context.refresh()``."""
    from numba.core.runtime import rtsys
    rtsys.initialize(target_context)
    with cache._guard_against_spurious_io_errors():
        return cache._load_overload(sig, target_context)


def _lean_loading(dispatcher):
    cache = getattr(dispatcher, "_cache", None)     # absent under NUMBA_DISABLE_JIT
    if all(hasattr(cache, name) for name in ("_load_overload", "_guard_against_spurious_io_errors")):
        cache.load_overload = types.MethodType(_load_without_refresh, cache)
    return dispatcher


def _cached_jit(**options):
    """``numba.njit(cache=True, **options)`` whose cache loads without the refresh."""
    compile_ = numba.njit(cache=True, **options)

    @functools.wraps(compile_)
    def decorate(func):
        return _lean_loading(compile_(func))
    return decorate


jit = _cached_jit()

# For glue that compiled callers should inline at Numba's IR level (dispatch
# wrappers, a loop called from one place): each separately compiled level makes
# LLVM link and optimise all the code below it again, which is most of the
# first-run compile time of a deep call chain.  Python calls them as usual.
jit_inline = _cached_jit(inline="always")

# For the SGD kernels, which run in threads (one per seed) and so must release
# the GIL; 'reassoc' and 'contract' let LLVM vectorise the dot products over N
# (results stay reproducible bit for bit on one machine).
jit_nogil = _cached_jit(nogil=True, fastmath={"reassoc", "contract"})

# For loops LLVM should vectorise: NumPy's error model (a division by zero gives
# inf or nan rather than raising), which removes the per-element checks.
jit_vector = _cached_jit(error_model="numpy")


def _import_arraymath_without_scipy():
    try:
        from numba.np import linalg
    except ImportError:       # a Numba without this layout: leave it alone
        return
    real = getattr(linalg, "ensure_blas", None)
    if real is None:
        return

    def probe():
        if importlib.util.find_spec("scipy") is None:
            raise ImportError("scipy is required for linear algebra")

    linalg.ensure_blas = probe
    try:
        from numba.np import arraymath  # noqa: F401
    finally:
        linalg.ensure_blas = real


_import_arraymath_without_scipy()

__all__ = ["jit", "jit_inline", "jit_nogil", "jit_vector"]
