"""Packing of the ODE state (Q, R, W) into one vector.

The state is the first-layer overlaps Q, R and the student's second-layer
vectors W themselves (V is fixed); D = W W^T and E = W V^T follow.  Integrating
W rather than (D, E) keeps every state physical: (D, E) has K(K+1)/2 + KM
entries but only KL degrees of freedom when L < K + M, and rounding pushed along
the extra, unphysical directions is not pulled back.

Layout, for K student, M teacher hidden units and L outputs
(n = K(K+1)/2 + KM + KL entries):

    y = [ Q upper triangle, row by row   (K(K+1)/2)
          R row-major                    (K M)
          W row-major                    (K L) ]

Only Q's upper triangle is state, which keeps the Jacobian free of spurious
antisymmetric directions.

:func:`unpack_rows` and :func:`pack_rows` do the same for a whole trajectory in
Python, and :func:`unpack_state`, :func:`pack_state` for one state, with index
maps that :func:`unpack` itself computes (so the layout is written once).  Python
code uses these: calling a compiled kernel from Python means loading or
compiling it for Python's argument types, which a run need not pay for.
"""
import functools

import numpy as np

from ._jit import jit


@jit
def state_size(K, M, L):
    return K * (K + 1) // 2 + K * M + K * L


@jit
def unpack(y, K, M, L):
    """y (n,) -> Q (K,K), R (K,M), W (K,L), fresh arrays."""
    # Element loops rather than slices: slice assignment compiles Numba's shape-error
    # reporting (string formatting) into every kernel that uses it.
    Q = np.empty((K, K))
    p = 0
    for i in range(K):
        for k in range(i, K):
            Q[i, k] = y[p]
            Q[k, i] = y[p]
            p += 1
    R = np.empty((K, M))
    for i in range(K):
        for m in range(M):
            R[i, m] = y[p]
            p += 1
    W = np.empty((K, L))
    for i in range(K):
        for m in range(L):
            W[i, m] = y[p]
            p += 1
    return Q, R, W


@jit
def pack(Q, R, W):
    """Inverse of :func:`unpack`; reads the upper triangle of Q."""
    K, M = R.shape
    L = W.shape[1]
    y = np.empty(state_size(K, M, L))
    p = 0
    for i in range(K):
        for k in range(i, K):
            y[p] = Q[i, k]
            p += 1
    for i in range(K):
        for m in range(M):
            y[p] = R[i, m]
            p += 1
    for i in range(K):
        for m in range(L):
            y[p] = W[i, m]
            p += 1
    return y


@functools.lru_cache(maxsize=32)
def _layout(K, M, L):
    """Positions in y of Q (K,K), R (K,M), W (K,L): :func:`unpack` run on y = 0, 1, ..., n - 1."""
    plain = getattr(unpack, "py_func", unpack)      # the same code as plain Python
    n = K * (K + 1) // 2 + K * M + K * L
    q, r, w = (part.astype(np.intp) for part in plain(np.arange(n, dtype=float), K, M, L))
    upper = np.triu_indices(K)
    return q, r, w, q[upper], upper


def unpack_rows(Y, K, M, L):
    """Y (n_t, n) -> Q (n_t,K,K), R (n_t,K,M), W (n_t,K,L): :func:`unpack` of every row."""
    q, r, w, _, _ = _layout(K, M, L)
    return Y[:, q], Y[:, r], Y[:, w]


def unpack_state(y, K, M, L):
    """:func:`unpack` in Python (no compiled code to load): y (n,) -> fresh Q, R, W."""
    q, r, w, _, _ = _layout(K, M, L)
    y = np.asarray(y, dtype=float)
    return y[q], y[r], y[w]


def pack_state(Q, R, W):
    """:func:`pack` in Python (no compiled code to load): Q (K,K), R (K,M), W (K,L) -> y (n,)."""
    return pack_rows(*(np.asarray(part, dtype=float)[None] for part in (Q, R, W)))[0]


def pack_rows(Q, R, W):
    """Q (n_t,K,K), R (n_t,K,M), W (n_t,K,L) -> Y (n_t, n): :func:`pack` of every time."""
    n_t, K, M = R.shape
    L = W.shape[2]
    q, r, w, q_upper, upper = _layout(K, M, L)
    Y = np.empty((n_t, q_upper.size + r.size + w.size))
    Y[:, q_upper] = Q[:, upper[0], upper[1]]
    Y[:, r] = R
    Y[:, w] = W
    return Y


@jit
def covariance(Q, R, T):
    """Covariance of the fields (lambda_1..K, nu_1..M): [[Q, R], [R^T, T]], shape (K+M, K+M)."""
    K, M = R.shape
    C = np.empty((K + M, K + M))
    for i in range(K):
        for k in range(K):
            C[i, k] = Q[i, k]
        for m in range(M):
            C[i, K + m] = R[i, m]
            C[K + m, i] = R[i, m]
    for m in range(M):
        for p in range(M):
            C[K + m, K + p] = T[m, p]
    return C
