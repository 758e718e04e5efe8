"""Online SGD in N dimensions: the step loop and the measured order parameters.

Networks (MODEL.md), with J (K, N), B (M, N) the first layers and W (K, L),
V (M, L) the second layers; one step draws xi ~ N(0, I_N) and, when
sigma > 0, zeta ~ N(0, I_L), and sets

    lambda = J xi / sqrt N (K,)        nu = B xi / sqrt N (M,)
    y = V^T g(nu) + sigma zeta (L,)    f = W^T g(lambda) (L,)    e = y - f
    J_i += (eta / sqrt N) g'(lambda_i) (w_i . e) xi
    w_i += (eta_w / N) g(lambda_i) e

(both updates use the W of before the step).  The random numbers come from
NumPy ``Generator`` objects passed in, whose state the kernel advances in place,
so a run split into several calls draws exactly the stream of one long call
(and gives the same result bit for bit), the stream NumPy's own
``rng.standard_normal(N)`` would draw.  Per step the kernel makes one pass over
J (update and the next step's fields together) and one over B; drawing the N
input numbers dominates the time.
"""
import math

import numpy as np

from ._jit import jit_nogil
from .integrals import ERF, RELU

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


@jit_nogil
def activation(act, x):
    """g(x): erf(x / sqrt 2), max(0, x) or x."""
    if act == ERF:
        return math.erf(x * _INV_SQRT2)
    if act == RELU:
        return x if x > 0.0 else 0.0
    return x


@jit_nogil
def activation_derivative(act, x):
    """g'(x): sqrt(2/pi) exp(-x^2/2), 1[x > 0] or 1."""
    if act == ERF:
        return _SQRT_2_OVER_PI * math.exp(-0.5 * x * x)
    if act == RELU:
        return 1.0 if x > 0.0 else 0.0
    return 1.0


@jit_nogil
def sgd_steps(J, W, B, V, n_steps, act, eta, eta_w, sigma, rng_x, rng_z, field_limit):
    """Run ``n_steps`` SGD steps, updating J (K, N) and W (K, L) in place.

    B (M, N) and V (M, L) are the teacher; ``rng_x`` draws the inputs and
    ``rng_z`` the output noise (only when sigma > 0).  Returns the number of
    steps done: fewer than ``n_steps`` when a field or an error component
    became non-finite or exceeded ``field_limit`` in magnitude (the step that
    found it is not applied).
    """
    K, N = J.shape
    M = B.shape[0]
    L = W.shape[1]
    inv_sqrt_n = 1.0 / math.sqrt(N)
    step_j = eta * inv_sqrt_n
    step_w = eta_w / N
    xi = np.empty(N)
    xi_next = np.empty(N)
    lam = np.empty(K)
    nu = np.empty(M)
    g_lam = np.empty(K)
    g_nu = np.empty(M)
    coef = np.empty(K)
    err = np.empty(L)
    if n_steps <= 0:
        return 0
    draw_normal(rng_x, xi)
    scaled_fields(B, xi, inv_sqrt_n, nu)
    # The student's fields go through the same loop as in the steps below (with
    # a zero update), so that splitting a run into calls changes no bit.
    coef[:] = 0.0
    _update_and_fields(J, coef, xi, xi, inv_sqrt_n, lam)
    for t in range(n_steps):
        ok = True
        for n in range(M):
            g_nu[n] = activation(act, nu[n])
        for i in range(K):
            if not abs(lam[i]) <= field_limit:  # also catches NaN
                ok = False
            g_lam[i] = activation(act, lam[i])
            coef[i] = step_j * activation_derivative(act, lam[i])
        if not output_errors(W, V, g_lam, g_nu, sigma, rng_z, field_limit, err) or not ok:
            return t
        for i in range(K):
            s = 0.0
            for l in range(L):
                s += W[i, l] * err[l]
            coef[i] *= s
        if step_w != 0.0:
            for i in range(K):
                for l in range(L):
                    W[i, l] += step_w * g_lam[i] * err[l]
        if t + 1 < n_steps:
            # Draw the next input first, so that one pass over J both applies
            # this step's update and computes the next step's fields.
            draw_normal(rng_x, xi_next)
            scaled_fields(B, xi_next, inv_sqrt_n, nu)
            _update_and_fields(J, coef, xi, xi_next, inv_sqrt_n, lam)
            xi, xi_next = xi_next, xi
        else:
            _update_and_fields(J, coef, xi, xi, inv_sqrt_n, lam)
    return n_steps


@jit_nogil
def output_errors(W, V, g_lam, g_nu, sigma, rng_z, field_limit, err):
    """err (L,) = y - f for one sample: teacher outputs V^T g(nu) plus sigma zeta (zeta drawn from
    rng_z), minus the student's W^T g(lambda).  Returns False when an entry exceeds field_limit."""
    ok = True
    for l in range(err.size):
        y = 0.0
        for n in range(g_nu.size):
            y += V[n, l] * g_nu[n]
        if sigma != 0.0:
            y += sigma * rng_z.standard_normal()
        f = 0.0
        for i in range(g_lam.size):
            f += W[i, l] * g_lam[i]
        err[l] = y - f
        if not abs(err[l]) <= field_limit:
            ok = False
    return ok


@jit_nogil
def draw_normal(rng, out):
    for j in range(out.shape[0]):
        out[j] = rng.standard_normal()


@jit_nogil
def _update_and_fields(J, coef, xi, xi_next, scale, out):
    """J[i] += coef[i] xi, then out[i] = scale * J[i] . xi_next, in one pass over J (K, N)."""
    for i in range(J.shape[0]):
        c = coef[i]
        s = 0.0
        for j in range(J.shape[1]):
            value = J[i, j] + c * xi[j]
            J[i, j] = value
            s += value * xi_next[j]
        out[i] = s * scale


@jit_nogil
def scaled_fields(X, xi, scale, out):
    """out[a] = scale * X[a] . xi for the rows of X (n, N)."""
    for a in range(X.shape[0]):
        s = 0.0
        for j in range(xi.shape[0]):
            s += X[a, j] * xi[j]
        out[a] = s * scale


@jit_nogil
def order_parameters(J, B, W, V):
    """Q = J J^T / N (K, K), R = J B^T / N (K, M), D = W W^T (K, K), E = W V^T (K, M)."""
    K, N = J.shape
    M = B.shape[0]
    L = W.shape[1]
    Q = np.empty((K, K))
    R = np.empty((K, M))
    D = np.empty((K, K))
    E = np.empty((K, M))
    for i in range(K):
        for k in range(i, K):
            s = 0.0
            for j in range(N):
                s += J[i, j] * J[k, j]
            Q[i, k] = s / N
            Q[k, i] = s / N
            s = 0.0
            for l in range(L):
                s += W[i, l] * W[k, l]
            D[i, k] = s
            D[k, i] = s
        for n in range(M):
            s = 0.0
            for j in range(N):
                s += J[i, j] * B[n, j]
            R[i, n] = s / N
            s = 0.0
            for l in range(L):
                s += W[i, l] * V[n, l]
            E[i, n] = s
    return Q, R, D, E
