"""Online natural-gradient (NGD) steps in N dimensions, at O(K^2 N) per step.

One step draws xi (and zeta) as :func:`plateau.kernels.sgd.sgd_steps` does, from
the same generators in the same order, and moves along z = (Gs + eps I)^{-1} r
(MODEL.md) without any N x N matrix (derivation: :mod:`plateau.kernels.ngd`):
with a = chol(Q) (Q = J J^T / N, lower triangular), xi_par = a^{-1} lambda,
Phi = (Gamma + eps I)^{-1} and c = (S + eps I)^{-1} [delta_i xi_par,x ; g(lambda_i) e_m],

    z_J,i = (Phi delta)_i xi + sum_k beta_ik J_k / sqrt N,     beta = gamma a^{-1},
    gamma_ix = c_ix - (Phi delta)_i xi_par,x,                  z_w,i = c_w,i,

    J_i += (eta / sqrt N) z_J,i,    w_i += (eta_w / N) z_w,i.

Per step: a K x K Cholesky, the small metric S (P = K^2 + K L, or K^2 when
eta_w = 0) and its Cholesky solve, then one pass over J that applies the update
and computes both the next step's fields and the new Q, and one pass over B.
"""
import math

import numpy as np

from ._jit import jit_nogil
from .fisher_blocks import cholesky_solve, damped_cholesky, new_workspace, pair_averages, small_fisher
from .sgd import activation, activation_derivative, draw_normal, output_errors, scaled_fields

SINGULAR = -1


@jit_nogil
def ngd_coefficients(act, Q, W, lam, delta, g_lam, err, eps, trained, ws, out_phid, out_beta, out_cw):
    """The step's coefficients for per-sample directions r_J = delta (x) xi, r_w = g(lambda) err^T.

    Fills out_phid (K,) = Phi delta, out_beta (K, K) and out_cw (K, L) so that
    z_J,i = out_phid_i xi + sum_k out_beta_ik J_k / sqrt N and z_w = out_cw.
    ``ws`` is the workspace of :func:`workspace`.  Returns False when Q or a damped
    metric is singular.
    """
    a, G, xpar, rhs, D, J2, I2, H, A, B, S, F = ws
    K = Q.shape[0]
    L = W.shape[1]
    if not damped_cholesky(Q, 0.0, a):
        return False
    for i in range(K):                              # xpar = a^{-1} lambda
        s = lam[i]
        for p in range(i):
            s -= a[i, p] * xpar[p]
        xpar[i] = s / a[i, i]
    for i in range(K):
        for k in range(K):
            s = 0.0
            for m in range(L):
                s += W[i, m] * W[k, m]
            D[i, k] = s
    pair_averages(act, a, J2, I2, H, A, B)
    small_fisher(act, a, W, D, trained, J2, I2, H, A, B, S)
    for i in range(K):
        for k in range(K):
            H[i, k] = D[i, k] * J2[i, k]            # Gamma (H is not needed any more)
    if not damped_cholesky(H, eps, G) or not damped_cholesky(S, eps, F):
        return False
    for i in range(K):
        out_phid[i] = delta[i]
    cholesky_solve(G, out_phid)
    for i in range(K):
        for x in range(K):
            rhs[i * K + x] = delta[i] * xpar[x]
    if trained:
        for i in range(K):
            for m in range(L):
                rhs[K * K + i * L + m] = g_lam[i] * err[m]
    cholesky_solve(F, rhs)
    for i in range(K):                              # gamma, then beta a = gamma row by row
        for x in range(K - 1, -1, -1):
            s = rhs[i * K + x] - out_phid[i] * xpar[x]
            for p in range(x + 1, K):
                s -= out_beta[i, p] * a[p, x]
            out_beta[i, x] = s / a[x, x]
        if trained:
            for m in range(L):
                out_cw[i, m] = rhs[K * K + i * L + m]
    return True


@jit_nogil
def workspace(K, L, trained):
    J2, I2, H, A, B, S, F = new_workspace(K, K, L, trained)
    return (np.zeros((K, K)), np.zeros((K, K)), np.empty(K), np.empty(S.shape[0]), np.empty((K, K)),
            J2, I2, H, A, B, S, F)


@jit_nogil
def ngd_steps(J, W, B, V, n_steps, act, eta, eta_w, sigma, eps, rng_x, rng_z, field_limit):
    """Run ``n_steps`` NGD steps, updating J (K, N) and W (K, L) in place.

    Arguments as :func:`plateau.kernels.sgd.sgd_steps`, plus the damping eps.
    Returns the number of steps done: fewer than ``n_steps`` when a field or an
    error component left [-field_limit, field_limit] (or became NaN), or when Q
    or a damped metric became singular (the step that found it is not applied).
    """
    K, N = J.shape
    M = B.shape[0]
    L = W.shape[1]
    trained = eta_w != 0.0
    inv_sqrt_n = 1.0 / math.sqrt(N)
    step_j = eta * inv_sqrt_n
    step_span = eta / N
    step_w = eta_w / N
    xi = np.empty(N)
    xi_next = np.empty(N)
    lam = np.empty(K)
    nu = np.empty(M)
    g_lam = np.empty(K)
    g_nu = np.empty(M)
    delta = np.empty(K)
    err = np.empty(L)
    Q = np.empty((K, K))
    coef = np.zeros(K)
    beta = np.zeros((K, K))
    c_w = np.zeros((K, L))
    old = np.empty(K)
    new = np.empty(K)
    ws = workspace(K, L, trained)
    if n_steps <= 0:
        return 0
    draw_normal(rng_x, xi)
    scaled_fields(B, xi, inv_sqrt_n, nu)
    _update_fields_gram(J, coef, beta, xi, xi, inv_sqrt_n, lam, Q, old, new)
    for t in range(n_steps):
        ok = True
        for n in range(M):
            g_nu[n] = activation(act, nu[n])
        for i in range(K):
            if not abs(lam[i]) <= field_limit:
                ok = False
            g_lam[i] = activation(act, lam[i])
        if not output_errors(W, V, g_lam, g_nu, sigma, rng_z, field_limit, err) or not ok:
            return t
        for i in range(K):
            s = 0.0
            for l in range(L):
                s += W[i, l] * err[l]
            delta[i] = activation_derivative(act, lam[i]) * s
        if not ngd_coefficients(act, Q, W, lam, delta, g_lam, err, eps, trained, ws, coef, beta, c_w):
            return t
        for i in range(K):
            coef[i] *= step_j
            for k in range(K):
                beta[i, k] *= step_span
        if trained:
            for i in range(K):
                for l in range(L):
                    W[i, l] += step_w * c_w[i, l]
        if t + 1 < n_steps:
            draw_normal(rng_x, xi_next)
            scaled_fields(B, xi_next, inv_sqrt_n, nu)
            _update_fields_gram(J, coef, beta, xi, xi_next, inv_sqrt_n, lam, Q, old, new)
            xi, xi_next = xi_next, xi
        else:
            _update_fields_gram(J, coef, beta, xi, xi, inv_sqrt_n, lam, Q, old, new)
    return n_steps


@jit_nogil
def _update_fields_gram(J, coef, beta, xi, xi_next, scale, lam, Q, old, new):
    """J_i += coef_i xi + sum_k beta_ik J_k (old J), then lam = scale J xi_next and Q = J J^T / N,
    in one pass over J (K, N)."""
    K, N = J.shape
    for i in range(K):
        lam[i] = 0.0
        for k in range(K):
            Q[i, k] = 0.0
    for j in range(N):
        x = xi[j]
        xn = xi_next[j]
        for i in range(K):
            old[i] = J[i, j]
        for i in range(K):
            value = old[i] + coef[i] * x
            for k in range(K):
                value += beta[i, k] * old[k]
            new[i] = value
            J[i, j] = value
            lam[i] += value * xn
        for i in range(K):
            for k in range(i + 1):
                Q[i, k] += new[i] * new[k]
    for i in range(K):
        lam[i] *= scale
        for k in range(i + 1):
            Q[i, k] /= N
            Q[k, i] = Q[i, k]
