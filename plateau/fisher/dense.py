"""The Fisher matrix as a dense P x P matrix: exact (closed forms) and Monte Carlo.

Parameters theta = (J_1..J_K in R^N, w_1..w_K in R^L), in this order, J_i's
entries contiguous, then w_i's; with a frozen second layer theta = J only.
P = K N (+ K L).  With the field vectors a_i = J_i / sqrt(N) (see
:mod:`plateau.fisher.averages`) and D = W W^T, the scaled metric Gs = S G S
(S = sqrt(N) on J entries, 1 on w entries) has the blocks

    Gs[J_i, J_k]   = D_ik (J2_ik I_N + M_ik)                      (N x N)
    Gs[J_i, w_km]  = W_im (H_ik a_i + J2_ik a_k)                  (N,)
    Gs[w_im, w_kn] = I2_ik delta_mn

(from d f_l / d J_i = w_il g'(lambda_i) xi / sqrt(N), d f_l / d w_im =
delta_lm g(lambda_i), and Stein's lemma), and the plain FIM is G = S^-1 Gs S^-1.
These functions are meant for small N (tests, checks); the spectrum at any N
comes from :func:`plateau.fisher.fisher_spectrum` without forming P x P matrices.
"""
import math

import numpy as np
from scipy.special import erf as _erf

from .averages import ACTIVATIONS, averages
from ..errors import InputError


def fisher_from_vectors(activation, a, W, trained=True):
    """Dense Gs for field vectors a (..., K, d) and second layer W (..., K, L).

    Returns an array (..., K d + K L, K d + K L), or (..., K d, K d) when
    ``trained`` is False.  This is the scaled metric of a network with
    J = sqrt(d) a in d dimensions; :mod:`plateau.fisher.spectrum` calls it with
    d = K to build the small matrices.
    """
    K, d = a.shape[-2:]
    L = W.shape[-1]
    avg = averages(activation, a)
    D = np.einsum("...im,...km->...ik", W, W)
    eye_d = np.eye(d)
    JJ = D[..., None, None] * (avg["J2"][..., None, None] * eye_d + avg["M"])     # (..., K, K, d, d)
    JJ = np.swapaxes(JJ, -3, -2).reshape(a.shape[:-2] + (K * d, K * d))          # rows (i, x), cols (k, y)
    if not trained:
        return JJ
    vec = avg["H"][..., None] * a[..., :, None, :] + avg["J2"][..., None] * a[..., None, :, :]  # (..., i, k, d)
    Jw = W[..., :, None, None, :] * vec[..., :, :, :, None]                      # (..., i, k, x, m)
    Jw = np.swapaxes(Jw, -3, -2).reshape(a.shape[:-2] + (K * d, K * L))          # rows (i, x), cols (k, m)
    ww = avg["I2"][..., :, None, :, None] * np.eye(L)[:, None, :]                # (..., i, m, k, n)
    ww = ww.reshape(a.shape[:-2] + (K * L, K * L))
    top = np.concatenate([JJ, Jw], axis=-1)
    bottom = np.concatenate([np.swapaxes(Jw, -1, -2), ww], axis=-1)
    return np.concatenate([top, bottom], axis=-2)


def _check_network(J, W, activation):
    if activation not in ACTIVATIONS:
        raise InputError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    J = np.asarray(J, dtype=float)
    W = np.asarray(W, dtype=float)
    if J.ndim != 2 or W.ndim != 2 or W.shape[0] != J.shape[0]:
        raise InputError(f"J must be (K, N) and W (K, L) with the same K, got {J.shape} and {W.shape}")
    if not (np.all(np.isfinite(J)) and np.all(np.isfinite(W))):
        raise InputError("J and W must be finite")
    return J, W


def _unscale(G, K, N):
    """G = S^-1 Gs S^-1: divide the first K N rows and columns by sqrt(N)."""
    s = np.ones(G.shape[-1])
    s[:K * N] = 1.0 / math.sqrt(N)
    return G * s[:, None] * s[None, :]


def dense_fisher(J, W, activation="erf", trained=True, scaled=True):
    """The exact Fisher matrix of a network with first layer J (K, N), second layer W (K, L).

    Parameters
    ----------
    J : (K, N) first-layer vectors (rows J_i)
    W : (K, L) second-layer vectors (rows w_i)
    activation : {'erf', 'relu', 'linear'}
    trained : bool         include the w parameters (False: a frozen second layer, theta = J)
    scaled : bool          return Gs = S G S (default) or the plain FIM G

    Returns
    -------
    (P, P) array, P = K N + K L (or K N), parameter order as in the module docstring.
    """
    J, W = _check_network(J, W, activation)
    K, N = J.shape
    Gs = fisher_from_vectors(activation, J / math.sqrt(N), W, trained)
    return Gs if scaled else _unscale(Gs, K, N)


def _g_and_gprime(activation, x):
    if activation == "erf":
        return _erf(x / math.sqrt(2.0)), math.sqrt(2.0 / math.pi) * np.exp(-0.5 * x * x)
    if activation == "relu":
        return np.maximum(x, 0.0), (x > 0).astype(float)
    return x, np.ones_like(x)


def monte_carlo_fisher(J, W, activation="erf", trained=True, n_samples=1_000_000, rng=None,
                       scaled=True, batch=10_000):
    """Monte Carlo estimate of the Fisher matrix from ``n_samples`` Gaussian inputs.

    The estimator is the sample mean of sum_l (d f_l/d theta)(d f_l/d theta)^T over
    inputs xi ~ N(0, I_N).  Per sample, sum_l w_il w_kl = D_ik and sum_l of the w-part
    gives delta_mn, so the blocks are accumulated as D_ik g'_i g'_k xi xi^T,
    w_im g'_i g_k xi and g_i g_k delta_mn (the same numbers, fewer operations).

    Parameters
    ----------
    J, W, activation, trained, scaled : as in :func:`dense_fisher`
    n_samples : int        number of inputs, split into batches of ``batch``
    rng : numpy.random.Generator (default: default_rng(0))
    batch : int            inputs per batch; the batch means give the standard error

    Returns
    -------
    mean : (P, P)          the estimate
    sem : (P, P)           its standard error, std(batch means) / sqrt(n_batches)
    """
    J, W = _check_network(J, W, activation)
    K, N = J.shape
    L = W.shape[1]
    n_batches = int(n_samples) // int(batch)
    if n_batches < 2:
        raise InputError(f"n_samples must be at least two batches of {batch}, got {n_samples}")
    rng = np.random.default_rng(0) if rng is None else rng
    D = W @ W.T
    total = None
    total_sq = None
    for _ in range(n_batches):
        xi = rng.standard_normal((batch, N))
        lam = xi @ J.T / math.sqrt(N)
        g, gp = _g_and_gprime(activation, lam)
        X = (gp[:, :, None] * xi[:, None, :]).reshape(batch, K * N)
        JJ = (X.T @ X / batch).reshape(K, N, K, N) * D[:, None, :, None]
        JJ = JJ.reshape(K * N, K * N)
        if trained:
            Jw = (X.T @ g / batch).reshape(K, N, K)[:, :, :, None] * W[:, None, None, :]   # (i, x, k, m)
            Jw = Jw.reshape(K * N, K * L)
            ww = np.kron(g.T @ g / batch, np.eye(L))
            G = np.block([[JJ, Jw], [Jw.T, ww]])
        else:
            G = JJ
        total = G if total is None else total + G
        total_sq = G * G if total_sq is None else total_sq + G * G
    mean = total / n_batches
    var = np.maximum(total_sq / n_batches - mean * mean, 0.0) * n_batches / (n_batches - 1)
    sem = np.sqrt(var / n_batches)
    if not scaled:
        mean, sem = _unscale(mean, K, N), _unscale(sem, K, N)
    return mean, sem
