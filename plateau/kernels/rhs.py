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

    <delta_i u_b>     = sum_c A_ic I3(i, b, c)                     (i3_sums)
    <delta_i delta_k> = sum_cd A_ic A_kd I4(i, k, c, d)            (i4_sums)
                        + sigma^2 D_ik J2(i, k)

The noise enters only through the eta^2 term (zeta has zero mean and is
independent of the input).  For the second-layer overlaps this gives
dD/dalpha = dW W^T + W dW^T and dE/dalpha = dW V^T.  The state packing is
:mod:`plateau.kernels.state`.
"""
import numpy as np

from ._jit import jit, jit_entry, jit_inline
from .erf_pairs import i4_sums_change, pair_factors, pair_scalars
from .integrals import ERF, i2, j2
from .matrices import matmul_t
from .state import covariance, pack, unpack
from .sums import i3_sums, i4_sums


@jit_inline
def derivatives(Q, R, W, T, V, act, eta, eta_w, sigma):
    """dQ (K,K), dR (K,M), dW (K,L) at the state (Q, R, W) for teacher (T, V)."""
    C, D, A = fields(Q, R, W, T, V)
    return combine(C, D, A, W, V, i4_sums(act, C, A, W, V), act, eta, eta_w, sigma)


@jit_inline
def fields(Q, R, W, T, V):
    """C (n, n) the fields' covariance, D = W W^T (K, K) and A = [-D, W V^T] (K, n)."""
    # Plain loops rather than array expressions: the same numbers, and each array
    # expression would be a loop kernel of its own for Numba to compile.
    K, M = R.shape
    C = covariance(Q, R, T)
    D = matmul_t(W, W)
    E = matmul_t(W, V)
    A = np.empty((K, K + M))  # w_i.e = sum_c A_ic g(u_c) + noise
    for i in range(K):
        for c in range(K):
            A[i, c] = -D[i, c]
        for m in range(M):
            A[i, K + m] = E[i, m]
    return C, D, A


@jit_inline
def combine(C, D, A, W, V, second, act, eta, eta_w, sigma):
    """dQ, dR, dW from the fields (:func:`fields`) and second (K, K) = sum_cd A_ic A_kd I4(i, k, c, d)."""
    K = D.shape[0]
    M, L = V.shape
    drift = i3_sums(act, C, A)   # drift[i, b] = <delta_i u_b>

    dQ = np.empty((K, K))
    for i in range(K):
        for k in range(i, K):
            s = second[i, k]
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


@jit_entry
def erf_jacobian(y, T, V, K, M, eta, eta_w, sigma, active, step):
    """Central-difference Jacobian (n_a, n_a) of the gradient-descent flow of an erf network.

    Column j is (f(y + h e_j) - f(y - h e_j))[active] / (2 h), h = step max(1, |y_j|), over the
    packed coordinates ``active`` (n_a,) int, the numbers of plateau.linearise.jacobian up to
    rounding.  The I4 sums, nearly all the cost of f, are differenced where they change
    (:func:`plateau.kernels.erf_pairs.i4_sums_change`): a coordinate of Q or R moves one entry
    of C (and its mirror), one of W a row of A = [-W W^T, W V^T] and a column of W W^T; the
    rest of f is computed whole at both states.  For K >= 5, the vectorised I4 sums.
    """
    L = V.shape[1]
    Q, R, W = unpack(y, K, M, L)
    C, D, A = fields(Q, R, W, T, V)
    scal = pair_scalars(C, K)
    rows = np.empty((8, K + M, scal.shape[1]))
    pair_factors(C, A, scal, rows)
    no_second = np.zeros((K, K))
    full = np.zeros((K, K), dtype=np.bool_)
    n_q = K * (K + 1) // 2
    n_r = n_q + K * M
    jac = np.empty((active.size, active.size))
    for col in range(active.size):
        j = active[col]
        h = step * max(1.0, abs(y[j]))
        up = y.copy()
        up[j] += h
        down = y.copy()
        down[j] -= h
        Q, R, W_up = unpack(up, K, M, L)
        C_up, D_up, A_up = fields(Q, R, W_up, T, V)
        Q, R, W_dn = unpack(down, K, M, L)
        C_dn, D_dn, A_dn = fields(Q, R, W_dn, T, V)
        for a in range(K):      # the pairs whose scalars 1 + C_aa, 1 + C_bb, C_ab or rows of A move
            for b in range(K):
                full[a, b] = False
        if j < n_q:             # Q_ik: units i and k
            i, k = _triangle_index(j, K)
            units = np.array([i, k]) if i != k else np.array([i])
            if i == k:
                full[i, :] = True
                full[:, i] = True
            else:
                full[i, k] = True
                full[k, i] = True
        elif j < n_r:           # R_im: C_{i,K+m} moves the factors of the teacher unit K+m only
            units = np.array([K + (j - n_q) % M])   # (of the pairs with i; those of unit i never
            #                                         involve C_{i,K+m}, as no pair holds K+m)
        else:                   # W_il: row i of A, column i of D
            i = (j - n_r) // L
            units = np.array([i])
            full[i, :] = True
            full[:, i] = True
        change = i4_sums_change(C, A, scal, rows, C_up, A_up, C_dn, A_dn, units, full)
        dQ, dR, dW = combine(C_up, D_up, A_up, W_up, V, no_second, ERF, eta, eta_w, sigma)
        f_up = pack(dQ, dR, dW)
        dQ, dR, dW = combine(C_dn, D_dn, A_dn, W_dn, V, no_second, ERF, eta, eta_w, sigma)
        df = f_up - pack(dQ, dR, dW)
        p = 0
        for a in range(K):
            for b in range(a, K):
                df[p] += eta * eta * change[a, b]
                p += 1
        for r in range(active.size):
            jac[r, col] = df[active[r]] / (2.0 * h)
    return jac


@jit
def _triangle_index(p, K):
    """(i, k), i <= k, of entry p of Q's packed upper triangle."""
    for i in range(K):
        if p < K - i:
            return i, i + p
        p -= K - i
    return -1, -1


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
