"""The one place that imports Numba and fixes its options.

Every kernel in :mod:`plateau.kernels` is decorated with :func:`jit`, i.e.
``numba.njit(cache=True)``, so a second process loads the compiled code from
Numba's on-disk cache instead of compiling again.  Setting the environment
variable ``NUMBA_DISABLE_JIT=1`` runs the same kernels as plain Python, which
is the way to debug them.
"""
import numba

jit = numba.njit(cache=True)

__all__ = ["jit"]
