"""Right-hand side of the order-parameter ODEs and the generalisation error.

With error vector e = y - f, the student unit's back-propagated error
delta_i = g'(lambda_i) w_i.e, and fields u = (lambda_1..K, nu_1..M), MODEL.md's
update gives in the limit N -> infinity (alpha = t/N):

    dQ_ik/dalpha = eta (<delta_i lambda_k> + <delta_k lambda_i>) + eta^2 <delta_i delta_k>
    dR_in/dalpha = eta <delta_i nu_n>
    dw_i/dalpha  = eta_w <g(lambda_i) e>
                 = eta_w (sum_n I2(i, n) v_n - sum_j I2(i, j) w_j)

(the O(eta_w^2 / N) second-order term of the w update vanishes as N -> infinity).
Writing w_i.e = sum_c A_ic g(u_c) + sigma w_i.zeta with A = [-D, E] (K x (K+M)),
D = W W^T, E = W V^T:

    <delta_i u_b>     = sum_c A_ic I3(i, b, c)                     (i3_contract)
    <delta_i delta_k> = sum_cd A_ic A_kd I4(i, k, c, d)            (i4_contract)
                        + sigma^2 D_ik J2(i, k)

The noise enters only through the eta^2 term (zeta has zero mean and is
independent of the input).  For the second-layer overlaps this gives
dD/dalpha = dW W^T + W dW^T and dE/dalpha = dW V^T.  The state packing is
:mod:`plateau.kernels.state`.
"""
import numpy as np

from ._jit import jit, jit_inline
from .integrals import i2, i3_contract, i4_contract, j2
from .matrices import matmul_t
from .state import covariance, pack, unpack


@jit_inline
def derivatives(Q, R, W, T, V, act, eta, eta_w, sigma):
    """dQ (K,K), dR (K,M), dW (K,L) at the state (Q, R, W) for teacher (T, V)."""
    # Plain loops rather than array expressions: the same numbers, and each array
    # expression would be a loop kernel of its own for Numba to compile.
    K, M = R.shape
    L = W.shape[1]
    n = K + M
    C = covariance(Q, R, T)
    D = matmul_t(W, W)
    E = matmul_t(W, V)
    A = np.empty((K, n))  # w_i.e = sum_c A_ic g(u_c) + noise
    for i in range(K):
        for c in range(K):
            A[i, c] = -D[i, c]
        for m in range(M):
            A[i, K + m] = E[i, m]

    # drift[i, b] = <delta_i u_b>
    drift = np.empty((K, n))
    for i in range(K):
        row = i3_contract(act, C, i, A[i])
        for b in range(n):
            drift[i, b] = row[b]

    dQ = np.empty((K, K))
    for i in range(K):
        for k in range(i, K):
            s = i4_contract(act, C, i, k, A[i], A[k])
            if sigma != 0.0:
                s += sigma * sigma * D[i, k] * j2(act, C, i, k)
            value = eta * (drift[i, k] + drift[k, i]) + eta * eta * s
            dQ[i, k] = value
            dQ[k, i] = value

    dR = np.empty((K, M))
    for i in range(K):
        for m in range(M):
            dR[i, m] = eta * drift[i, K + m]

    dW = np.zeros((K, L))
    if eta_w != 0.0:
        with_students = np.empty(K)  # I2(i, j)
        with_teachers = np.empty(M)  # I2(i, n)
        for i in range(K):
            # dw_i = eta_w (sum_n I2(i, n) v_n - sum_j I2(i, j) w_j)
            for j in range(K):
                with_students[j] = i2(act, C, i, j)
            for m in range(M):
                with_teachers[m] = i2(act, C, i, K + m)
            for l in range(L):
                gain = 0.0
                for m in range(M):
                    gain += with_teachers[m] * V[m, l]
                loss = 0.0
                for j in range(K):
                    loss += with_students[j] * W[j, l]
                dW[i, l] = eta_w * (gain - loss)
    return dQ, dR, dW


@jit
def rhs(y, T, V, K, M, act, eta, eta_w, sigma):
    """d y / d alpha for the packed state y (n,); returns a new (n,) array."""
    Q, R, W = unpack(y, K, M, V.shape[1])
    dQ, dR, dW = derivatives(Q, R, W, T, V, act, eta, eta_w, sigma)
    return pack(dQ, dR, dW)


@jit_inline
def generalisation_error(Q, R, D, E, T, F, act):
    """eps_g = 1/2 [sum_ij D_ij I2(i,j) - 2 sum_in E_in I2(i,n) + sum_nm F_nm I2(n,m)]."""
    K, M = R.shape
    C = covariance(Q, R, T)
    s = 0.0
    for i in range(K):
        for j in range(K):
            s += D[i, j] * i2(act, C, i, j)
        for m in range(M):
            s -= 2.0 * E[i, m] * i2(act, C, i, K + m)
    for m in range(M):
        for p in range(M):
            s += F[m, p] * i2(act, C, K + m, K + p)
    return 0.5 * s


@jit_inline
def generalisation_error_path(Y, T, V, K, M, act):
    """eps_g for every packed state, Y (n_times, n) -> (n_times,)."""
    out = np.empty(Y.shape[0])
    F = matmul_t(V, V)
    for t in range(Y.shape[0]):
        Q, R, W = unpack(Y[t], K, M, V.shape[1])
        out[t] = generalisation_error(Q, R, matmul_t(W, W), matmul_t(W, V), T, F, act)
    return out
