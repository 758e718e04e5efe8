"""The one place that imports Numba and fixes its options.

Every kernel in :mod:`plateau.kernels` is decorated with :func:`jit`, i.e.
``numba.njit(cache=True)``, so a second process loads the compiled code from
Numba's on-disk cache instead of compiling again.  Setting the environment
variable ``NUMBA_DISABLE_JIT=1`` runs the same kernels as plain Python, which
is the way to debug them.
"""
import numba

jit = numba.njit(cache=True)

# For the SGD kernels, which run in threads (one per seed) and so must release
# the GIL; 'reassoc' and 'contract' let LLVM vectorise the dot products over N
# (results stay reproducible bit for bit on one machine).
jit_nogil = numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})

__all__ = ["jit", "jit_nogil"]
