"""Random draws of networks: the one place where a start's random matrices are made.

Both starts of a student come from here: the ODE's initial overlaps
(:func:`plateau.builders.build_setup`) and the SGD networks
(:func:`plateau.networks.make_networks`, start 'draw'), so the two describe the
same initialisation.  With s = init_scale:

- ``random``: J (K, N) has i.i.d. N(0, s^2) entries; a trained second layer W (K, L)
  has i.i.d. N(0, s^2 / L) entries;
- ``orthogonal``: J = s sqrt(N) O with O (K, N) Haar-distributed orthonormal rows, so
  Q = J J^T / N = s^2 I exactly; W = s c P with P (K, L) a Haar-distributed
  semi-orthogonal matrix (orthonormal rows if K <= L, else orthonormal columns) and
  c = max(1, sqrt(K / L)), so that mean_i |w_i|^2 = s^2.

Both distributions are invariant under rotations of R^N (and, for W, of R^L):
the overlaps R = J B^T / N with any fixed teacher B then have mean 0 and
variance s^2 T_nn / N for either init, and every sign is + or - with probability 1/2.

Every draw takes an explicit ``numpy.random.Generator``; the number and order of
the normal variates drawn is part of the contract (saved seeds reproduce their setups).
"""
import numpy as np

from .choices import INITS
from .errors import InputError, choose


def gram_factor(G):
    """S (n, n) with S S^T = G, for a symmetric positive semidefinite G (n, n).

    S = U diag(sqrt(max(lambda, 0))) from the eigendecomposition G = U diag(lambda) U^T,
    so a singular G is fine; eigenvalues that rounding made slightly negative count as 0.
    """
    values, vectors = np.linalg.eigh(G)
    return vectors * np.sqrt(np.clip(values, 0.0, None))


def orthonormal_rows(n, N, rng):
    """O (n, N) with orthonormal rows, Haar-distributed (uniform on the Stiefel manifold), n <= N.

    O^T is the Q factor of the QR factorisation of Z (N, n) with i.i.d. N(0, 1) entries,
    with the signs of R's diagonal made positive: without that fix the factor depends on
    LAPACK's sign convention (Householder QR makes diag R < 0 for almost every Z), which
    biases the signs of O's entries.  Draws ``rng.standard_normal((N, n))``.
    """
    if n > N:
        raise InputError(f"cannot draw {n} orthonormal vectors in {N} dimensions")
    Q, R = np.linalg.qr(rng.standard_normal((N, n)))
    return (Q * np.where(np.diag(R) < 0, -1.0, 1.0)).T


def semi_orthogonal(K, L, rng):
    """P (K, L), Haar-distributed, with orthonormal rows (K <= L) or orthonormal columns (K > L)."""
    if K <= L:
        return orthonormal_rows(K, L, rng)
    return orthonormal_rows(L, K, rng).T


def check_scale(scale):
    """``scale`` as a float, or InputError unless it is a positive finite number."""
    if isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating)) \
            or not (np.isfinite(scale) and scale > 0):
        raise InputError(f"init_scale must be a positive number, got {scale!r}")
    return float(scale)


def draw_student(K, N, init, scale, rng):
    """The first layer J (K, N) of a freshly initialised student (module docstring).

    Parameters
    ----------
    K, N : int                      hidden units and input dimension (N >= K for 'orthogonal')
    init : {'random', 'orthogonal'}
    scale : float > 0               s: random entries N(0, s^2); orthogonal rows of norm s sqrt(N)
    rng : numpy.random.Generator    draws one (K, N) ('random') or (N, K) ('orthogonal')
                                    block of standard normals
    """
    choose("init", init, INITS)
    scale = check_scale(scale)
    if init == "random":
        return scale * rng.standard_normal((K, N))
    return scale * np.sqrt(N) * orthonormal_rows(K, N, rng)


def draw_second_layer(K, L, init, scale, rng):
    """A trained student's second layer W (K, L), drawn like J (module docstring).

    Random: W_il ~ N(0, s^2 / L); orthogonal: s max(1, sqrt(K / L)) times a semi-orthogonal
    matrix.  Either way E|w_i|^2 = s^2 on average over i, and W_il has variance s^2 / L.
    """
    choose("init", init, INITS)
    scale = check_scale(scale)
    if init == "random":
        return scale / np.sqrt(L) * rng.standard_normal((K, L))
    return scale * max(1.0, np.sqrt(K / L)) * semi_orthogonal(K, L, rng)
