"""The one place that imports Numba and fixes its options and its cache.

Every kernel in :mod:`plateau.kernels` is decorated with one of the decorators
below, all ``numba.njit(cache=True, ...)``, so a second process loads the
compiled code from Numba's on-disk cache instead of compiling again.  Setting
the environment variable ``NUMBA_DISABLE_JIT=1`` runs the same kernels as plain
Python, which is the way to debug them.

Where the cache lives.  Numba's cache checks only the time stamp of the file
that defines a function, not of the files whose functions it calls and inlines:
after an update of ``relu.py``, a cached ``rhs`` would still run the old ReLU
integrals.  So the kernels are cached in a directory named after a hash of all
kernel sources, ``~/.cache/plateau/numba-<hash>`` (or under $XDG_CACHE_HOME),
and any change to any kernel starts a fresh cache.  Numba reads the directory
when a function is decorated, so the decorators set it for that moment only:
other Numba code in the process keeps its own cache, and each kernel module can
be imported when first needed.  A user who sets NUMBA_CACHE_DIR keeps that
choice (and with it Numba's plain per-file invalidation).

Start-up, three adjustments to how Numba loads (each falls back to Numba's own
behaviour when its internals are not what they expect):

- Before it loads a function from the cache, Numba "refreshes" its compiler
  contexts, importing and installing every typing and lowering registry it has
  (0.15-0.3 s, most of a warm run's first call).  Loading needs none of them: it
  unserialises machine code, which needs only the Numba runtime (NRT)
  initialised.  Numba's compiler refreshes both contexts whenever it compiles
  (``CompilerBase.__init__``), so the refresh is only postponed to the first real
  compile.  :func:`_load_without_refresh` is that leaner load, installed on
  plateau's own dispatchers only.
- That refresh imports ``numba.np.arraymath``, which imports SciPy's BLAS
  wrappers (0.3 s) only to learn whether BLAS exists.  No kernel here uses BLAS
  (no ``@``, ``np.dot``), so before plateau's first compile
  :func:`_import_arraymath_without_scipy` answers that question with
  :func:`importlib.util.find_spec` instead.  Numba still imports SciPy when some
  code compiles a BLAS call (its ``ensure_blas`` is untouched outside that one
  import), and LAPACK calls (``np.linalg.eigh`` in the NGD kernels) import it
  when they first run.
- Loading compiled code imports the modules its pieces came from; code that uses
  NumPy's reductions (``np.all``, ``np.mean``) comes from ``numba.np.arraymath``,
  whose import imports SciPy.  So the ODE kernels use small loops instead
  (:func:`plateau.kernels.matrices.all_finite`), and a warm erf ODE run imports
  neither (a test checks this).
"""
import contextlib
import functools
import hashlib
import importlib.util
import os
import sys
import types

import numba
from numba.core import config

_HERE = os.path.dirname(os.path.abspath(__file__))


def _source_hash():
    digest = hashlib.sha256()
    for name in sorted(os.listdir(_HERE)):
        if name.endswith(".py"):
            with open(os.path.join(_HERE, name), "rb") as handle:
                digest.update(name.encode() + b"\0" + handle.read())
    return digest.hexdigest()[:16]


def cache_directory():
    """Where the kernels are cached: $NUMBA_CACHE_DIR if set, else <cache home>/plateau/numba-<hash>."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.environ["NUMBA_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "plateau", "numba-" + _SOURCE_HASH)


_SOURCE_HASH = _source_hash()


@contextlib.contextmanager
def _cache_in(directory):
    saved = config.CACHE_DIR
    config.CACHE_DIR = directory
    try:
        yield
    finally:
        config.CACHE_DIR = saved


def _load_without_refresh(cache, sig, target_context):
    """Numba's ``Cache.load_overload`` without ``target_context.refresh()``."""
    from numba.core.runtime import rtsys
    rtsys.initialize(target_context)
    with cache._guard_against_spurious_io_errors():
        loaded = cache._load_overload(sig, target_context)
    if loaded is None:              # not cached: Numba compiles next
        _import_arraymath_without_scipy()
    return loaded


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
        with _cache_in(cache_directory()):
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
    if "numba.np.arraymath" in sys.modules:
        return
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


__all__ = ["jit", "jit_inline", "jit_nogil", "jit_vector"]
