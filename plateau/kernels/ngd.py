"""Right-hand side of the natural-gradient (NGD) order-parameter ODEs.

NGD (MODEL.md) replaces the per-sample directions r_J,i = delta_i xi,
r_w,i = g(lambda_i) e by z = (Gs + eps I)^{-1} r.  Structure of Gs (see
plateau.fisher.spectrum): with a (K x K) any factor of Q = a a^T and U the
orthonormal basis of span{J} in which J_i / sqrt(N) = sum_x a_ix U_x,

* on R^K (x) span{J}^perp, Gs = Gamma (x) I,  Gamma = D o J2 (K x K);
* R^K (x) span{J} (+) the w's is invariant, where Gs is the small metric
  S (P = K^2 + K L, or K^2 frozen) of :mod:`plateau.kernels.fisher_blocks`.

Split xi = U^T xi_par + xi_perp with xi_par = a^+ lambda.  Then, exactly,

    z_J,i = (Phi delta)_i xi_perp + sum_x c_ix U_x,   z_w,i = c_w,i,
    Phi = (Gamma + eps I)^{-1},   c = (S + eps I)^{-1} s,   s = [delta_i xi_par,x ; g(lambda_i) e_m].

(an O(K^2 N + P^3) direction, no N x N matrix: kernels.sgd_ngd).  With
J_i += (eta / sqrt N) z_J,i and w_i += (eta_w / N) z_w,i, since xi_perp is
orthogonal to every J_k, xi_perp . B_n / sqrt N = nu_n - (xi_par . Rt)_n with
Rt = a^+ R, and |xi_perp|^2 / N -> 1, the N -> infinity limit is

    dQ/dalpha = eta (X + X^T) + eta^2 Phi <delta delta^T> Phi,    X = cbar_J a^T
    dR/dalpha = eta [Phi (<delta nu^T> - sbar_J Rt) + cbar_J Rt]
    dW/dalpha = eta_w cbar_w

with sbar = E[s] = [<delta lambda^T> a^+T ; <g(lambda) e^T>] and cbar =
(S + eps I)^{-1} sbar (S and Phi are deterministic).  <delta u^T> and
<delta delta^T> (noise included) are the GD right-hand side's I3 and I4/J2
contractions, <g e^T> its I2 sums; S and Gamma need J2, I2, H (and for erf
A, B): the Fisher averages.  The eta^2 term carries Phi twice: where Gamma
is nearly singular and eps small it dominates, which is how NGD can make the
plateau a trap.  As eps -> infinity with eta / eps fixed, Phi and
(S + eps)^{-1} -> I / eps and the equations become GD's at rate eta / eps,
with corrections of relative order |Gamma| / eps.

a is the eigenvector factor of Q (eigenvalues below 1e-13 of the largest
count as zero; a^+ is its pseudo-inverse), so a singular Q is allowed.  When a
damped matrix is singular (eps = 0 and a degenerate metric) the right-hand
side is NaN, which the integrator reports as a failure.
"""
import math

import numpy as np

from ._jit import jit
from .fisher_blocks import cholesky_solve, damped_cholesky, new_workspace, pair_averages, small_fisher
from .integrals import i2, j2
from .matrices import all_finite, matmul, matmul_t
from .state import covariance
from .sums import i3_sums, i4_sums

_RANK_CUTOFF = 1e-13


@jit
def field_factor(Q):
    """a (K, K) with a a^T = Q (eigenvector factor) and its pseudo-inverse a^+ (K, K)."""
    K = Q.shape[0]
    q, vecs = np.linalg.eigh(0.5 * (Q + Q.T))
    top = max(abs(q.max()), 1e-300)
    a = np.zeros((K, K))
    a_plus = np.zeros((K, K))
    for x in range(K):
        if q[x] > _RANK_CUTOFF * top:
            root = math.sqrt(q[x])
            for i in range(K):
                a[i, x] = vecs[i, x] * root
                a_plus[x, i] = vecs[i, x] / root
    return a, a_plus


@jit
def ngd_derivatives(Q, R, W, T, V, act, eta, eta_w, sigma, eps):
    """dQ (K,K), dR (K,M), dW (K,L) of the NGD flow; NaN arrays when a damped metric is singular."""
    K, M = R.shape
    L = W.shape[1]
    n = K + M
    trained = eta_w != 0.0
    if not (all_finite(Q) and all_finite(R) and all_finite(W)):
        return np.full((K, K), np.nan), np.full((K, M), np.nan), np.full((K, L), np.nan)
    C = covariance(Q, R, T)
    D = matmul_t(W, W)
    coef = np.empty((K, n))          # w_i.e = sum_c coef_ic g(u_c) + noise
    coef[:, :K] = -D
    coef[:, K:] = matmul_t(W, V)
    drift = i3_sums(act, C, coef)    # <delta_i u_b>
    second = i4_sums(act, C, coef, W, V)   # <delta_i delta_k>, noise added below
    for i in range(K):
        for k in range(i, K):
            s = second[i, k]
            if sigma != 0.0:
                s += sigma * sigma * D[i, k] * j2(act, C, i, k)
            second[i, k] = s
            second[k, i] = s

    a, a_plus = field_factor(Q)
    J2, I2, H, A, B, S, F = new_workspace(K, K, L, trained)
    pair_averages(act, a, J2, I2, H, A, B)
    small_fisher(act, a, W, D, trained, J2, I2, H, A, B, S)
    gamma = D * J2
    G = np.zeros((K, K))
    ok = damped_cholesky(gamma, eps, G) and damped_cholesky(S, eps, F)
    if not ok:
        nan = np.full((K, K), np.nan)
        return nan, np.full((K, M), np.nan), np.full((K, L), np.nan)

    s_bar_J = matmul_t(drift[:, :K], a_plus)   # E[delta_i xi_par,x]
    rhs = np.empty(S.shape[0])
    rhs[:K * K] = s_bar_J.ravel()
    if trained:
        with_teachers = np.empty((K, M))
        for i in range(K):
            for m in range(M):
                with_teachers[i, m] = i2(act, C, i, K + m)
        rhs[K * K:] = (matmul(with_teachers, V) - matmul(I2, W)).ravel()   # <g(lambda_i) e>
    cholesky_solve(F, rhs)
    c_J = rhs[:K * K].copy().reshape((K, K))
    Rt = matmul(a_plus, R)

    # Phi applied to the columns of <delta nu^T> - sbar_J Rt and of <delta delta^T>
    drive = drift[:, K:] - matmul(s_bar_J, Rt)             # <delta nu^T> - sbar_J Rt
    phi_drive = np.empty((K, M))
    for m in range(M):
        col = drive[:, m].copy()
        cholesky_solve(G, col)
        phi_drive[:, m] = col
    phi_second = np.empty((K, K))
    for k in range(K):
        col = second[:, k].copy()
        cholesky_solve(G, col)
        phi_second[:, k] = col
    for i in range(K):                             # Phi (Phi <dd>)^T = Phi <dd> Phi
        row = phi_second[i].copy()
        cholesky_solve(G, row)
        phi_second[i] = row

    X = matmul_t(c_J, a)
    dQ = eta * (X + X.T) + eta * eta * 0.5 * (phi_second + phi_second.T)
    dR = eta * (phi_drive + matmul(c_J, Rt))
    dW = np.zeros((K, L))
    if trained:
        dW = eta_w * rhs[K * K:].copy().reshape((K, L))
    return dQ, dR, dW


@jit
def metric_ok(Q, W, act, eps, trained):
    """True when Gamma + eps I and S + eps I are positive definite at (Q, W)."""
    K = Q.shape[0]
    L = W.shape[1]
    if not (all_finite(Q) and all_finite(W)):
        return False
    a, _ = field_factor(Q)
    J2, I2, H, A, B, S, F = new_workspace(K, K, L, trained)
    pair_averages(act, a, J2, I2, H, A, B)
    D = matmul_t(W, W)
    small_fisher(act, a, W, D, trained, J2, I2, H, A, B, S)
    G = np.zeros((K, K))
    return damped_cholesky(D * J2, eps, G) and damped_cholesky(S, eps, F)
