"""Numba kernels: Gaussian averages, the ODE right-hand side, the integrator, SGD steps.

Kernels take arrays and scalars only; Python code elsewhere owns validation.

Numba's on-disk cache (``cache=True``) checks only the time stamp of the file
that defines a function, not of the files whose functions it calls and inlines:
after an update of ``relu.py``, a cached ``rhs`` would still run the old ReLU
integrals.  So the kernels are cached in a directory named after a hash of all
kernel sources, ``~/.cache/plateau/numba-<hash>`` (or under $XDG_CACHE_HOME),
and any change to any kernel starts a fresh cache.  The directory is set only
while the kernel modules are imported here, so other Numba code in the same
process keeps its own cache.  A user who sets NUMBA_CACHE_DIR keeps that
choice (and with it Numba's plain per-file invalidation).
"""
import contextlib
import hashlib
import os

from numba.core import config


def _source_hash():
    digest = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.endswith(".py"):
            with open(os.path.join(here, name), "rb") as handle:
                digest.update(name.encode() + b"\0" + handle.read())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _cache_keyed_by_source():
    if os.environ.get("NUMBA_CACHE_DIR"):
        yield
        return
    saved = config.CACHE_DIR
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    config.CACHE_DIR = os.path.join(base, "plateau", "numba-" + _source_hash())
    try:
        yield
    finally:
        config.CACHE_DIR = saved


with _cache_keyed_by_source():
    from . import erf, linear, relu, integrals, matrices, state, rhs, tableau, dopri, sgd  # noqa: F401
    from . import fisher_blocks, ngd, sgd_ngd, entries  # noqa: F401
