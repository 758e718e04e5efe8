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

First run, one adjustment to how Numba compiles: Numba compiles every jitted
function a kernel calls as a library of its own and, linking it into its
caller, runs LLVM's whole module pipeline over it again, so the code at the
bottom of a deep call chain (the Gaussian averages under the right-hand side
under the integrator) is optimised once per level.  While an entry point
(:data:`jit_entry`) compiles, :class:`_EntryCompile` skips those module passes for the
libraries of the plateau functions it compiles on the way (each keeps its
per-function passes) and runs them once, on the entry's own library, over
everything linked into it: LLVM then optimises the whole program in one module,
as a C compiler would.  That saves a sixth of a first run; the machine code does
the same arithmetic (without fast-math flags LLVM's passes keep every rounding)
and the ODE runs as fast.  Code compiled on the way is not written to the cache,
and before any other kernel compiles, its dispatchers forget it (the SGD step
loop, built on such code, ran 40 % slower).  This tracks compiles with Numba's
documented event API ("numba:compile"), patches one method,
``CPUCodeLibrary._optimize_final_module``, which acts only inside the compile of
an entry, and calls ``Dispatcher._reset_overloads``.
"""
import contextlib
import functools
import hashlib
import importlib.util
import os
import re
import sys
import types

import numba
from numba.core import config, event

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
_CACHE_NAME = re.compile(r"numba-[0-9a-f]{16}")


def stale_cache_directories():
    """The kernel caches of other plateau versions (earlier installs, edited kernels): the
    numba-<hash> directories beside this version's, sorted; none when $NUMBA_CACHE_DIR chooses
    the cache (its directory is the user's, not plateau's)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return []
    current = cache_directory()
    home = os.path.dirname(current)
    try:
        names = os.listdir(home)
    except OSError:
        return []
    paths = (os.path.join(home, name) for name in sorted(names) if _CACHE_NAME.fullmatch(name))
    return [path for path in paths if path != current and os.path.isdir(path) and not os.path.islink(path)]


@contextlib.contextmanager
def _cache_in(directory):
    saved = config.CACHE_DIR
    config.CACHE_DIR = directory
    try:
        yield
    finally:
        config.CACHE_DIR = saved


class _EntryCompile(event.Listener):
    """Which functions Numba compiles now, outermost first (from its "numba:compile" events), and
    which plateau kernels compile as one program (:data:`jit_entry`).

    The code compiled on the way to an entry lacks its module passes, which only the entry's
    whole program gets.  Entries share it with each other; before anything else compiles, the
    dispatchers forget it (``unfinished``), so that other kernels are built on code compiled
    the usual way.  (A Python call of such a function in between runs it: the same numbers.)
    """

    def __init__(self):
        self.stack = []
        self.entries = set()
        self.unfinished = set()

    def on_start(self, ev):
        dispatcher = ev.data.get("dispatcher")
        func = getattr(dispatcher, "py_func", None)
        if not self.stack and func not in self.entries:
            for other in self.unfinished:
                other._reset_overloads()
            self.unfinished.clear()
        self.stack.append(func)
        if self.inner():
            self.unfinished.add(dispatcher)

    def on_end(self, ev):
        self.stack.pop()

    def in_entry(self):
        """True while an entry compiles (Numba compiles its callees inside that)."""
        return bool(self.stack) and self.stack[0] in self.entries

    def inner(self):
        """True while a plateau function compiles on the way to an entry."""
        return (len(self.stack) >= 2 and self.in_entry()
                and getattr(self.stack[-1], "__module__", "").startswith(__package__))


def _install_entry_compile():
    """Module passes once per entry (see the module docstring); returns the compile tracker."""
    nesting = _EntryCompile()
    try:
        from numba.core.codegen import CPUCodeLibrary
        from numba.core.dispatcher import Dispatcher
        module_passes = CPUCodeLibrary._optimize_final_module
        Dispatcher._reset_overloads
    except (ImportError, AttributeError):      # another Numba layout: compile as Numba does
        return nesting
    event.register("numba:compile", nesting)

    def optimize_final_module(library):
        if not nesting.inner():
            module_passes(library)
    CPUCodeLibrary._optimize_final_module = optimize_final_module
    return nesting


_NESTING = _install_entry_compile()


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
    if hasattr(cache, "save_overload"):
        cache.save_overload = _outside_entries(cache.save_overload)
    return dispatcher


def _outside_entries(save):
    """``save`` except for code compiled on the way to an entry: it has not had its module
    passes, so a Python call should compile its own (and it is typed for the entry's literals)."""
    @functools.wraps(save)
    def save_overload(sig, data):
        if not _NESTING.in_entry():
            save(sig, data)
    return save_overload


def _cached_jit(entry=False, **options):
    """``numba.njit(cache=True, **options)`` whose cache loads without the refresh; ``entry``:
    compiled as one program (:data:`jit_entry`).  No kernel is a first-class function (passed
    to another, or its ``.address`` taken), so none needs Numba's C-callable wrapper."""
    compile_ = numba.njit(cache=True, no_cfunc_wrapper=True, **options)

    @functools.wraps(compile_)
    def decorate(func):
        if entry:
            _NESTING.entries.add(func)
        with _cache_in(cache_directory()):
            return _lean_loading(compile_(func))
    return decorate


jit = _cached_jit()

#: jit_options of the overloads that pick a kernel by its literal activation or flow code: Numba
#: compiles their implementations for compiled callers only, which need no Python wrapper.
COMPILED_ONLY = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True}

# For the entry points of the ODE kernels (plateau.kernels.entries): the module
# passes run once, over the whole program (see the module docstring).  Not for
# the SGD kernels: their step loop ran 40 % slower compiled that way.
jit_entry = _cached_jit(entry=True)

# For glue that compiled callers should inline at Numba's IR level (dispatch
# wrappers, a loop called from one place): a separately compiled level costs its
# own typing, wrappers and machine code (and outside the entries, LLVM optimises
# all the code below it again).  Inlining copies and retypes the callee at each
# call site, so it pays only for such glue: the integrator's small helpers took
# 11 % longer to compile inlined.  Python calls them as usual.
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


__all__ = ["COMPILED_ONLY", "jit", "jit_entry", "jit_inline", "jit_nogil", "jit_vector"]
