"""Right-hand side of the order-parameter ODEs and the generalisation error.

With error vector e = y - f, the student unit's back-propagated error
delta_i = g'(lambda_i) w_i.e, and fields u = (lambda_1..K, nu_1..M), MODEL.md's
update gives in the limit N -> infinity (alpha = t/N):

    dQ_ik/dalpha = eta (<delta_i lambda_k> + <delta_k lambda_i>) + eta^2 <delta_i delta_k>
    dR_in/dalpha = eta <delta_i nu_n>
    dD_ij/dalpha = eta_w (<g(lambda_i) w_j.e> + <g(lambda_j) w_i.e>)
    dE_in/dalpha = eta_w <g(lambda_i) v_n.e>

Writing w_i.e = sum_c A_ic g(u_c) + sigma w_i.zeta and v_n.e = sum_c B_nc g(u_c)
+ sigma v_n.zeta, with A = [-D, E] (K x (K+M)) and B = [-E^T, F] (M x (K+M)):

    <delta_i u_b>         = sum_c A_ic I3(i, b, c)
    <delta_i delta_k>     = sum_cd A_ic A_kd I4(i, k, c, d) + sigma^2 D_ik J2(i, k)
    <g(lambda_i) w_j.e>   = sum_c A_jc I2(i, c)
    <g(lambda_i) v_n.e>   = sum_c B_nc I2(i, c)

The noise enters only through the eta^2 term (zeta has zero mean and is
independent of the input).  The state packing is :mod:`plateau.kernels.state`.
"""
import numpy as np

from ._jit import jit
from .integrals import i2, i3, i4, j2
from .state import covariance, pack, unpack


@jit
def error_coefficients(D, E, F):
    """A = [-D, E] (K x (K+M)) and B = [-E^T, F] (M x (K+M))."""
    K, M = E.shape
    A = np.empty((K, K + M))
    B = np.empty((M, K + M))
    A[:, :K] = -D
    A[:, K:] = E
    B[:, :K] = -E.T
    B[:, K:] = F
    return A, B


@jit
def derivatives(Q, R, D, E, T, F, act, eta, eta_w, sigma):
    """dQ, dR, dD, dE (shapes of Q, R, D, E) at the given order parameters."""
    K, M = R.shape
    n = K + M
    C = covariance(Q, R, T)
    A, B = error_coefficients(D, E, F)

    # drift[i, b] = <delta_i u_b>
    drift = np.zeros((K, n))
    for i in range(K):
        for b in range(n):
            s = 0.0
            for c in range(n):
                if A[i, c] != 0.0:
                    s += A[i, c] * i3(act, C, i, b, c)
            drift[i, b] = s

    dQ = np.empty((K, K))
    for i in range(K):
        for k in range(i, K):
            # I4(i,k,c,d) is symmetric in (c, d): sum each unordered pair once.
            s = 0.0
            for c in range(n):
                for d in range(c, n):
                    weight = A[i, c] * A[k, d]
                    if d != c:
                        weight += A[i, d] * A[k, c]
                    if weight != 0.0:
                        s += weight * i4(act, C, i, k, c, d)
            if sigma != 0.0:
                s += sigma * sigma * D[i, k] * j2(act, C, i, k)
            value = eta * (drift[i, k] + drift[k, i]) + eta * eta * s
            dQ[i, k] = value
            dQ[k, i] = value

    dR = np.empty((K, M))
    for i in range(K):
        for m in range(M):
            dR[i, m] = eta * drift[i, K + m]

    dD = np.zeros((K, K))
    dE = np.zeros((K, M))
    if eta_w != 0.0:
        g_student = np.empty((K, n))  # I2(i, c)
        for i in range(K):
            for c in range(n):
                g_student[i, c] = i2(act, C, i, c)
        GA = g_student @ A.T  # GA[i, j] = <g(lambda_i) w_j.e>
        GB = g_student @ B.T  # GB[i, n] = <g(lambda_i) v_n.e>
        for i in range(K):
            for j in range(K):
                dD[i, j] = eta_w * (GA[i, j] + GA[j, i])
            for m in range(M):
                dE[i, m] = eta_w * GB[i, m]
    return dQ, dR, dD, dE


@jit
def rhs(y, T, F, K, M, act, eta, eta_w, sigma):
    """d y / d alpha for the packed state y (n,); returns a new (n,) array."""
    Q, R, D, E = unpack(y, K, M)
    dQ, dR, dD, dE = derivatives(Q, R, D, E, T, F, act, eta, eta_w, sigma)
    return pack(dQ, dR, dD, dE)


@jit
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


@jit
def generalisation_error_path(Y, T, F, K, M, act):
    """eps_g for every row of Y (n_times, n)."""
    out = np.empty(Y.shape[0])
    for t in range(Y.shape[0]):
        Q, R, D, E = unpack(Y[t], K, M)
        out[t] = generalisation_error(Q, R, D, E, T, F, act)
    return out
