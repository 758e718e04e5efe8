"""Packing of the order parameters (Q, R, D, E) into one ODE state vector.

Layout, for K student and M teacher hidden units (n = K(K+1) + 2KM entries):

    y = [ Q upper triangle, row by row   (K(K+1)/2)
          R row-major                    (K M)
          D upper triangle, row by row   (K(K+1)/2)
          E row-major                    (K M) ]

Q and D are symmetric, so only their upper triangles are state; this keeps the
Jacobian free of spurious antisymmetric directions.
"""
import numpy as np

from ._jit import jit


@jit
def state_size(K, M):
    return K * (K + 1) + 2 * K * M


@jit
def unpack(y, K, M):
    """y (n,) -> Q (K,K), R (K,M), D (K,K), E (K,M), fresh arrays."""
    Q = np.empty((K, K))
    D = np.empty((K, K))
    R = np.empty((K, M))
    E = np.empty((K, M))
    tri = K * (K + 1) // 2
    p = 0
    for i in range(K):
        for k in range(i, K):
            Q[i, k] = y[p]
            Q[k, i] = y[p]
            D[i, k] = y[p + tri + K * M]
            D[k, i] = y[p + tri + K * M]
            p += 1
    for i in range(K):
        for n in range(M):
            R[i, n] = y[tri + i * M + n]
            E[i, n] = y[2 * tri + K * M + i * M + n]
    return Q, R, D, E


@jit
def pack(Q, R, D, E):
    """Inverse of :func:`unpack`; reads the upper triangles of Q and D."""
    K, M = R.shape
    y = np.empty(state_size(K, M))
    tri = K * (K + 1) // 2
    p = 0
    for i in range(K):
        for k in range(i, K):
            y[p] = Q[i, k]
            y[p + tri + K * M] = D[i, k]
            p += 1
    for i in range(K):
        for n in range(M):
            y[tri + i * M + n] = R[i, n]
            y[2 * tri + K * M + i * M + n] = E[i, n]
    return y


@jit
def covariance(Q, R, T):
    """Covariance of the fields (lambda_1..K, nu_1..M): [[Q, R], [R^T, T]], shape (K+M, K+M)."""
    K, M = R.shape
    C = np.empty((K + M, K + M))
    C[:K, :K] = Q
    C[:K, K:] = R
    C[K:, :K] = R.T
    C[K:, K:] = T
    return C
