"""Teacher and student networks in N dimensions that start where a Setup starts.

Two ways to make the first layers, J (K, N) of the student and B (M, N) of the
teacher (the second layers are always the setup's: W = setup.W, V = setup.V):

``'exact'``
    J and B have exactly the setup's overlaps, to rounding: factor the joint
    Gram matrix G = [[Q, R], [R^T, T]] = S S^T ((K+M) x (K+M); eigh-based, so a
    singular G is fine) and place it on random orthonormal directions,

        [J; B] = sqrt(N) S O,     O (K+M, N) with orthonormal rows,

    so that [J; B] [J; B]^T / N = S O O^T S^T = G.  O comes from the QR
    factorisation of a Gaussian (N, K+M) matrix drawn from the given generator
    (:func:`plateau.draws.orthonormal_rows`).
``'draw'``
    B has overlaps exactly T (B = sqrt(N) S_T O_B), and the student is drawn
    the way a user initialises a network, independently of B, as the setup's
    ``init`` says (set by :func:`plateau.builders.build_setup`), by
    :func:`plateau.draws.draw_student`, the function that drew the ODE's start:
    ``init='random'`` gives J_ik ~ N(0, s^2) i.i.d. and ``init='orthogonal'``
    gives J = s sqrt(N) times K Haar-distributed orthonormal rows, with s =
    ``setup.init_scale``.  Q and R then differ from one draw to the
    next by O(s / sqrt N), the fluctuations that end a plateau in a real
    network; their averages over draws are the setup's in distribution only.
``'auto'``
    ``'draw'`` when the setup's student was drawn (``init`` random or orthogonal),
    else (``init='given'``) ``'exact'``.  A setup whose student was replaced
    (``Setup.with_student``) is 'given', so 'auto' starts SGD from its new overlaps exactly.
"""
from dataclasses import dataclass

import numpy as np

from .choices import STARTS
from .draws import draw_student, gram_factor, orthonormal_rows
from .errors import InputError, choose


@dataclass
class Networks:
    """First layers J (K, N), B (M, N) and second layers W (K, L), V (M, L) of student and teacher."""
    J: np.ndarray
    B: np.ndarray
    W: np.ndarray
    V: np.ndarray

    @property
    def N(self):
        return self.J.shape[1]

    def overlaps(self):
        """(Q, R, T) = (J J^T / N, J B^T / N, B B^T / N)."""
        N = self.N
        return self.J @ self.J.T / N, self.J @ self.B.T / N, self.B @ self.B.T / N


def resolve_start(setup, start):
    """'exact' or 'draw' for a requested start in :data:`STARTS` (InputError otherwise)."""
    choose("start", start, STARTS)
    if start == "auto":
        return "draw" if setup.drawn else "exact"
    if start == "draw" and not setup.drawn:
        raise InputError("start='draw' needs a setup whose student was drawn (init random or "
                         "orthogonal); use start='exact' for this setup")
    return start


def check_size(setup, N):
    """N as an int, or InputError if it cannot hold K + M independent directions."""
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise InputError(f"N must be an integer >= 1, got {N!r}")
    if N < setup.K + setup.M:
        raise InputError(f"N = {N} must be at least K + M = {setup.K + setup.M} "
                         "(the student and teacher vectors need independent directions)")
    return int(N)


def make_networks(setup, N, rng, start="auto"):
    """Networks in N dimensions starting at ``setup`` (see the module docstring).

    Parameters
    ----------
    setup : Setup
    N : int >= K + M
    rng : numpy.random.Generator     source of every random direction
    start : {'auto', 'exact', 'draw'}

    Returns
    -------
    Networks with fresh, C-contiguous float arrays.
    """
    N = check_size(setup, N)
    mode = resolve_start(setup, start)
    K, M = setup.K, setup.M
    if mode == "exact":
        X = np.sqrt(N) * gram_factor(setup.joint_overlaps()) @ orthonormal_rows(K + M, N, rng)
        J, B = X[:K], X[K:]
    else:
        B = np.sqrt(N) * gram_factor(np.asarray(setup.T)) @ orthonormal_rows(M, N, rng)
        J = draw_student(K, N, setup.init, setup.init_scale, rng)
    return Networks(J=np.ascontiguousarray(J), B=np.ascontiguousarray(B),
                    W=np.array(setup.W, dtype=float), V=np.array(setup.V, dtype=float))

