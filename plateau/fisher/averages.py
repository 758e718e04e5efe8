"""Bivariate Gaussian averages and second-moment blocks that the Fisher matrix needs.

Every quantity here is computed from *field vectors*: an array ``a`` of shape
(..., K, d) whose rows a_i give the student fields as lambda_i = a_i . z with
z ~ N(0, I_d).  For the network itself a_i = J_i / sqrt(N) and z = xi (d = N);
for the small matrices of :mod:`plateau.fisher.spectrum` a = C with C C^T = Q
(d = K).  The fields' covariance is Q_ik = a_i . a_k.  Working with the vectors
instead of Q alone keeps the ReLU formulas accurate when two units are (nearly)
parallel: the sine of their angle is the norm of a perpendicular component,
not the square root of a cancelling determinant.

For a pair (i, k), with Delta_ik = (1 + Q_ii)(1 + Q_kk) - Q_ik^2, theta_ik the
angle between a_i and a_k and s = sin theta_ik:

    J2_ik = E[g'_i g'_k]   erf: (2/pi) / sqrt(Delta)
                           relu: (pi - theta) / (2pi)                     linear: 1
    I2_ik = E[g_i g_k]     erf: (2/pi) asin(Q_ik / sqrt((1 + Q_ii)(1 + Q_kk)))
                           relu: |a_i||a_k| (s + (pi - theta) cos theta) / (2pi)   linear: Q_ik
    H_ik = E[g''_i g_k]    erf: -(2/pi) Q_ik / ((1 + Q_ii) sqrt(Delta))
                           relu: |a_k| s / (2pi |a_i|)                    linear: 0

(ReLU: g'' is Dirac's delta, H_ik = p_i(0) E[relu(lambda_k) | lambda_i = 0].)
The second-moment block, a d x d matrix for every pair,

    M_ik = E[g'(lambda_i) g'(lambda_k) z z^T] - J2_ik I_d,

follows from Stein's lemma E[z_x z_y h(z)] = delta_xy E[h] + E[d_x d_y h]:

    erf, linear:  M_ik = A_ik a_i a_i^T + A_ki a_k a_k^T + B_ik (a_i a_k^T + a_k a_i^T),
                  A_ik = E[g'''_i g'_k] = -(2/pi)(1 + Q_kk) / Delta^(3/2),
                  B_ik = E[g''_i g''_k] = (2/pi) Q_ik / Delta^(3/2)      (both 0 for linear)
    relu:         M_ik = (s / 2pi) [e_i e_k^T + e_k e_i^T - cos theta P_ik]

with e_i = a_i / |a_i| and P_ik the projector on span{a_i, a_k}.  (For ReLU the
Stein terms are distributions whose singular parts cancel; the form above is
the orthant integral E[1{e_i.z > 0, e_k.z > 0} z z^T] done in the plane of
e_i, e_k, and it is O(s), so it vanishes smoothly for parallel units, M_ii = 0.)
A zero vector a_i (a field of zero variance) gives g'(0) = 1/2 for ReLU and
M_ik = 0, H_ik = 0.

The Jw-coupling vector is E[g'(lambda_i) g(lambda_k) z] = H_ik a_i + J2_ik a_k
(Stein's lemma once).
"""
import math

import numpy as np

from ..errors import InputError

ACTIVATIONS = ("erf", "relu", "linear")
_TWO_OVER_PI = 2.0 / math.pi


def pair_geometry(a):
    """Norms, unit vectors, cosines and perpendicular parts of the field vectors.

    Parameters
    ----------
    a : (..., K, d) field vectors

    Returns
    -------
    norm : (..., K)            |a_i|
    unit : (..., K, d)         a_i / |a_i| (0 for a zero vector)
    cos : (..., K, K)          e_i . e_k, clipped to [-1, 1]
    perp : (..., K, K, d)      e_k - cos_ik e_i, the part of e_k perpendicular to e_i
    sin : (..., K, K)          |perp_ik| (the sine of the angle; symmetric up to rounding)
    """
    norm = np.sqrt(np.einsum("...id,...id->...i", a, a))
    safe = np.where(norm > 0, norm, 1.0)
    unit = a / safe[..., None]
    unit = np.where((norm > 0)[..., None], unit, 0.0)
    cos = np.clip(np.einsum("...id,...kd->...ik", unit, unit), -1.0, 1.0)
    perp = unit[..., None, :, :] - cos[..., None] * unit[..., :, None, :]
    sin = np.sqrt(np.einsum("...ikd,...ikd->...ik", perp, perp))
    # symmetrise: sin_ik and sin_ki agree exactly in exact arithmetic
    sin = 0.5 * (sin + np.swapaxes(sin, -1, -2))
    return norm, unit, cos, perp, sin


def averages(activation, a):
    """The pair averages J2, I2, H of the module docstring, each (..., K, K).

    Parameters
    ----------
    activation : {'erf', 'relu', 'linear'}
    a : (..., K, d) field vectors

    Returns
    -------
    dict with 'Q', 'J2', 'I2', 'H' (each (..., K, K)) and 'M' (..., K, K, d, d).
    """
    if activation not in ACTIVATIONS:
        raise InputError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    Q = np.einsum("...id,...kd->...ik", a, a)
    d = a.shape[-1]
    if activation == "linear":
        ones = np.ones(Q.shape)
        M = np.zeros(Q.shape + (d, d))
        return dict(Q=Q, J2=ones, I2=Q, H=np.zeros(Q.shape), M=M)
    qd = np.einsum("...ii->...i", Q)
    qi, qk = qd[..., :, None], qd[..., None, :]
    if activation == "erf":
        delta = (1.0 + qi) * (1.0 + qk) - Q * Q
        J2 = _TWO_OVER_PI / np.sqrt(delta)
        I2 = _TWO_OVER_PI * np.arcsin(np.clip(Q / np.sqrt((1.0 + qi) * (1.0 + qk)), -1.0, 1.0))
        H = -_TWO_OVER_PI * Q / ((1.0 + qi) * np.sqrt(delta))
        A = -_TWO_OVER_PI * (1.0 + qk) / delta ** 1.5          # A[i, k] = E[g'''_i g'_k]
        B = _TWO_OVER_PI * Q / delta ** 1.5
        ai = a[..., :, None, :]                                # a_i, broadcast over k
        ak = a[..., None, :, :]                                # a_k, broadcast over i
        outer = lambda x, y: x[..., :, None] * y[..., None, :]  # noqa: E731
        At = np.swapaxes(A, -1, -2)
        M = (A[..., None, None] * outer(ai, ai) + At[..., None, None] * outer(ak, ak)
             + B[..., None, None] * (outer(ai, ak) + outer(ak, ai)))
        return dict(Q=Q, J2=J2, I2=I2, H=H, M=M)
    # relu
    norm, unit, cos, perp, sin = pair_geometry(a)
    ni, nk = norm[..., :, None], norm[..., None, :]
    zero = (ni <= 0) | (nk <= 0)
    theta = np.where(zero, 0.5 * math.pi, np.arctan2(sin, cos))
    J2 = (math.pi - theta) / (2.0 * math.pi)
    I2 = ni * nk * (sin + (math.pi - theta) * cos) / (2.0 * math.pi)
    H = np.where(ni > 0, nk * sin / (2.0 * math.pi * np.where(ni > 0, ni, 1.0)), 0.0)
    ei = unit[..., :, None, :]
    ek = unit[..., None, :, :]
    outer = lambda x, y: x[..., :, None] * y[..., None, :]  # noqa: E731
    # sin * P_ik = sin e_i e_i^T + perp perp^T / sin  (perp perp^T / sin -> 0 with sin)
    safe_sin = np.where(sin > 0, sin, 1.0)
    pp = np.where((sin > 0)[..., None, None], outer(perp, perp) / safe_sin[..., None, None], 0.0)
    sinP = sin[..., None, None] * outer(ei, ei) + pp
    M = (sin[..., None, None] * (outer(ei, ek) + outer(ek, ei)) - cos[..., None, None] * sinP) / (2.0 * math.pi)
    M = np.where(zero[..., None, None], 0.0, M)
    return dict(Q=Q, J2=J2, I2=I2, H=H, M=M)
