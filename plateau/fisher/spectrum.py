"""The spectrum of the Fisher matrix at any N from K x K order parameters.

Structure (derivation in docs/fisher_section.md and the test file).  Let
C (K x K) be any factor with C C^T = Q: the fields are lambda = C z with z
standard normal in the K-dimensional span of the J_i (completed by arbitrary
orthonormal directions when Q is singular).  Split xi = P_J xi + P_perp xi.
On R^K (x) span{J}^perp, of dimension K (N - K), the J-block of Gs is exactly
Gamma (x) I with

    Gamma_ik = D_ik E[g'(lambda_i) g'(lambda_k)]        (K x K, the "bulk" matrix),

and the other K^2 + K L dimensions (R^K (x) span{J} plus the w's) are invariant.
So the spectrum of Gs is

* the eigenvalues of Gamma, each with multiplicity N - K ("bulk"),
* the K^2 + K L eigenvalues of the small matrix S = the dense Gs of a network
  with field vectors a = C in d = K dimensions and the same W ("outliers"; K^2
  for a frozen second layer).

The plain FIM G = S^-1 Gs S^-1 leaves both subspaces invariant too: its bulk is
eig(Gamma) / N and its outliers are the eigenvalues of Sigma S Sigma,
Sigma = diag(N^-1/2 on the K^2 J-coordinates, 1 on the w's) -- a congruence,
not a similarity, so these are not the outliers of Gs divided by anything.

W enters only through D = W W^T: an orthogonal L x L rotation W -> W O rotates
the w-coordinates of S.  Given D instead of W, a factor E (K x L') with
E E^T = D, L' = min(K, L), is used (eigendecomposition of D; the K - L'
smallest eigenvalues, zero when rank D <= L, are dropped), and the L - L' output
directions orthogonal to all w_i contribute eig(I2) (I2_ik = E[g_i g_k]) each,
which are added to the outliers.

C comes from the eigendecomposition Q = V diag(q) V^T, C = V diag(sqrt(max(q, 0))):
no inverse of Q is ever formed, so singular or nearly singular Q (J_2 = J_1 +
small noise, or exactly equal units on a symmetric plateau) is handled: a zero
eigenvalue of Q gives a zero column of C, i.e. a direction of z that no field
sees, exactly as for an orthogonal direction of the N-space.  Rank cutoff:
eigenvalues of Q below 1e-13 times the largest are set to 0 (rounding of a
singular Q; see _RANK_CUTOFF), and negative ones below -1e-9 times the largest
make Q an InputError (not positive semidefinite).

Statistics (P = K N + K L, or K N when frozen):

    mean = tr Gs / P = ((N - K) tr Gamma + tr S) / P,
    second_moment = tr Gs^2 / P = ((N - K) tr Gamma^2 + tr S^2) / P.

With N = None they are the limits N -> infinity, where the bulk dominates:
mean = tr Gamma / K, second_moment = tr Gamma^2 / K (the finite-N values
approach these as 1/N).
"""
import math
from dataclasses import dataclass

import numpy as np

from .averages import ACTIVATIONS, averages
from .dense import fisher_from_vectors
from ..errors import InputError

_PSD_RTOL = 1e-9
# Eigenvalues of Q below this times the largest are rounding of a singular Q and are set to 0.
# Q's entries carry rounding ~1e-16 relative, so a zero eigenvalue comes out as +-1e-16 and its
# square root, a column of C, as ~1e-8: for ReLU, whose E[g'g'] is linear in the angle
# between units, that alone would open exactly equal units by an angle ~1e-8.  With the
# cutoff, units closer than an angle of ~sqrt(1e-13) = 3e-7 are treated as parallel: from Q
# alone, ReLU results for nearly parallel units are good to ~3e-7 absolute (in units of
# the largest Q), erf and linear ones (quadratic in the angle) to ~1e-13.
_RANK_CUTOFF = 1e-13


@dataclass
class FisherSpectrum:
    """The Fisher spectrum of one state, or of n_t states (then every field has a leading axis n_t).

    Fields (scaled metric Gs)
    -------------------------
    bulk : (K,)                eigenvalues of Gamma, ascending
    bulk_multiplicity : int or None     N - K (None: N not given, N -> infinity)
    outliers : (n_out,)        ascending; n_out = K^2 + K L (K^2 when frozen)
    lambda_max, lambda_min : float      largest and smallest eigenvalue of Gs (with the bulk)
    lambda_min_bulk : float    smallest bulk eigenvalue
    lambda_min_outlier : float smallest outlier
    mean, second_moment : float    tr Gs / P, tr Gs^2 / P (N -> infinity limits when N is None)
    N : int or None, n_params : int or None (P), trained : bool

    Fields (plain FIM G, only when N is given; else None)
    ------------------------------------------------------
    G_bulk, G_outliers, G_lambda_max, G_lambda_min, G_lambda_min_bulk, G_lambda_min_outlier,
    G_mean, G_second_moment
    """
    bulk: np.ndarray
    bulk_multiplicity: int
    outliers: np.ndarray
    lambda_max: np.ndarray
    lambda_min: np.ndarray
    lambda_min_bulk: np.ndarray
    lambda_min_outlier: np.ndarray
    mean: np.ndarray
    second_moment: np.ndarray
    N: int = None
    n_params: int = None
    trained: bool = True
    G_bulk: np.ndarray = None
    G_outliers: np.ndarray = None
    G_lambda_max: np.ndarray = None
    G_lambda_min: np.ndarray = None
    G_lambda_min_bulk: np.ndarray = None
    G_lambda_min_outlier: np.ndarray = None
    G_mean: np.ndarray = None
    G_second_moment: np.ndarray = None

    def eigenvalues(self, plain=False):
        """Every eigenvalue with its multiplicity, ascending (needs N); shape (..., P)."""
        if self.N is None:
            raise InputError("the full list of eigenvalues needs N")
        bulk, out = (self.G_bulk, self.G_outliers) if plain else (self.bulk, self.outliers)
        full = np.concatenate([np.repeat(bulk, self.N - bulk.shape[-1], axis=-1), out], axis=-1)
        return np.sort(full, axis=-1)


def _check_int(name, value, low):
    if isinstance(value, bool) or int(value) != value or value < low:
        raise InputError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)


def _validate(Q, D, W, activation, trained, N, L):
    if activation not in ACTIVATIONS:
        raise InputError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    Q = np.asarray(Q, dtype=float)
    if Q.ndim < 2 or Q.shape[-1] != Q.shape[-2]:
        raise InputError(f"Q must have shape (K, K) or (n_t, K, K), got {Q.shape}")
    K = Q.shape[-1]
    if (D is None) == (W is None):
        raise InputError("give exactly one of D (K x K) and W (K x L)")
    if W is not None:
        W = np.asarray(W, dtype=float)
        if W.ndim != Q.ndim or W.shape[:-1] != Q.shape[:-1]:
            raise InputError(f"W must have shape {Q.shape[:-1] + ('L',)} to match Q {Q.shape}, got {W.shape}")
        if L is not None and int(L) != W.shape[-1]:
            raise InputError(f"L = {L} does not match W with {W.shape[-1]} columns")
        L = W.shape[-1]
    else:
        D = np.asarray(D, dtype=float)
        if D.shape != Q.shape:
            raise InputError(f"D must have the shape of Q {Q.shape}, got {D.shape}")
        if L is None:
            if trained:
                raise InputError("a trained second layer needs L (the number of outputs) when D is given")
        else:
            L = _check_int("L", L, 1)
    for name, arr in (("Q", Q), ("D", D), ("W", W)):
        if arr is not None and not np.all(np.isfinite(arr)):
            raise InputError(f"{name} must be finite")
    if N is not None:
        N = _check_int("N", N, 1)
        if N < K:
            raise InputError(f"N = {N} must be at least K = {K}")
    return Q, D, W, K, N, L


def _psd_factor(X, name, keep=None, cutoff=0.0):
    """A factor F (..., K, keep) with F F^T = X, from the eigendecomposition (largest `keep`)."""
    X = 0.5 * (X + np.swapaxes(X, -1, -2))
    values, vectors = np.linalg.eigh(X)
    scale = np.maximum(np.abs(values).max(axis=-1, keepdims=True), 1e-300)
    if np.any(values < -_PSD_RTOL * scale):
        raise InputError(f"{name} is not positive semidefinite (eigenvalue {values.min():.3g})")
    values = np.where(values > cutoff * scale, values, 0.0)
    if keep is not None and keep < X.shape[-1]:
        dropped = values[..., :X.shape[-1] - keep]
        if np.any(dropped > 1e-8 * scale):
            raise InputError(f"{name} has rank above L = {keep}, so it is not W W^T of one network (a seed average?)")
        values, vectors = values[..., -keep:], vectors[..., -keep:]
    return vectors * np.sqrt(values)[..., None, :]


def bulk_matrix(Q, D, activation="erf"):
    """Gamma_ik = D_ik E[g'(lambda_i) g'(lambda_k)], the bulk matrix; Q, D (..., K, K) -> (..., K, K).

    Its eigenvalues are the bulk of the spectrum of Gs (each N - K times); an eigenvector
    x says how the units move together: delta J_i = x_i u with u orthogonal to every J_k
    changes the outputs by (sum_i x_i w_i g'(lambda_i)) (u . xi) / sqrt(N).
    """
    Q, D, _, _, _, _ = _validate(Q, D, None, activation, False, None, None)
    avg = averages(activation, _psd_factor(Q, "Q", cutoff=_RANK_CUTOFF))
    gamma = D * avg["J2"]
    return 0.5 * (gamma + np.swapaxes(gamma, -1, -2))


def fisher_spectrum(Q, D=None, W=None, activation="erf", trained=True, N=None, L=None):
    """The spectrum of the Fisher matrix of a student with overlaps Q and second layer W (or D).

    Parameters
    ----------
    Q : (K, K) or (n_t, K, K)      student overlaps J_i.J_k / N
    D : (K, K) or (n_t, K, K)      D = W W^T (give D or W, not both)
    W : (K, L) or (n_t, K, L)      second-layer vectors
    activation : {'erf', 'relu', 'linear'}
    trained : bool                 whether the w's are parameters (False: frozen second layer)
    N : int >= K, optional         input dimension; without it the N -> infinity statements
    L : int, optional              number of outputs; needed with D and a trained second layer

    Returns
    -------
    FisherSpectrum (arrays with a leading n_t axis when Q is 3-d).  See the module
    docstring for the formulas.
    """
    Q, D, W, K, N, L = _validate(Q, D, W, activation, trained, N, L)
    C = _psd_factor(Q, "Q", cutoff=_RANK_CUTOFF)
    extra = 0
    if W is None:
        keep = K if L is None else min(K, L)
        W = _psd_factor(D, "D", keep)
        extra = 0 if L is None else L - keep
    else:
        D = np.einsum("...im,...km->...ik", W, W)
    avg = averages(activation, C)
    gamma = D * avg["J2"]
    bulk = np.linalg.eigvalsh(0.5 * (gamma + np.swapaxes(gamma, -1, -2)))
    S = fisher_from_vectors(activation, C, W, trained)
    S = 0.5 * (S + np.swapaxes(S, -1, -2))
    out = np.linalg.eigvalsh(S)
    free = None
    if trained and extra > 0:
        free = np.linalg.eigvalsh(avg["I2"])                          # w-directions orthogonal to every w_i
        out = np.sort(np.concatenate([out] + [free] * extra, axis=-1), axis=-1)
    n_params = None if N is None else K * N + (K * L if trained else 0)
    stats = _stats(bulk, out, N, K, n_params)
    result = dict(bulk=bulk, bulk_multiplicity=None if N is None else N - K, outliers=out, **stats,
                  N=N, n_params=n_params, trained=trained)
    if N is not None:
        sigma = np.ones(S.shape[-1])
        sigma[:K * K] = 1.0 / math.sqrt(N)
        G_out = np.linalg.eigvalsh(S * sigma[:, None] * sigma[None, :])
        if free is not None:
            G_out = np.sort(np.concatenate([G_out] + [free] * extra, axis=-1), axis=-1)
        G_stats = _stats(bulk / N, G_out, N, K, n_params)
        result.update(G_bulk=bulk / N, G_outliers=G_out, **{"G_" + k: v for k, v in G_stats.items()})
    return FisherSpectrum(**result)


def _stats(bulk, out, N, K, n_params):
    has_bulk = N is None or N > K
    top = np.maximum(bulk[..., -1], out[..., -1]) if has_bulk else out[..., -1]
    low = np.minimum(bulk[..., 0], out[..., 0]) if has_bulk else out[..., 0]
    if N is None:
        mean = bulk.sum(axis=-1) / K
        second = (bulk ** 2).sum(axis=-1) / K
    else:
        mean = ((N - K) * bulk.sum(axis=-1) + out.sum(axis=-1)) / n_params
        second = ((N - K) * (bulk ** 2).sum(axis=-1) + (out ** 2).sum(axis=-1)) / n_params
    return dict(lambda_max=top, lambda_min=low, lambda_min_bulk=bulk[..., 0],
                lambda_min_outlier=out[..., 0], mean=mean, second_moment=second)


def trajectory_spectrum(trajectory, activation="erf", trained=True, N=None, L=None):
    """:func:`fisher_spectrum` at every recorded time of a trajectory.

    Parameters
    ----------
    trajectory : Trajectory, or a pair (Q, D) of arrays (n_t, K, K)
        Uses the trajectory's W (n_t, K, L) when it holds one (an ODE run in memory),
        else its D (a trajectory file), which then needs L for a trained second layer.
    activation, trained, N, L : as in :func:`fisher_spectrum`

    Returns
    -------
    FisherSpectrum whose fields have a leading axis n_t.
    """
    if isinstance(trajectory, (tuple, list)):
        if len(trajectory) != 2:
            raise InputError("give a Trajectory or a pair (Q, D)")
        Q, D = trajectory
        W = None
    else:
        Q = trajectory.Q
        W = getattr(trajectory, "W", None)
        D = trajectory.D if W is None else None
    if np.ndim(Q) != 3:
        raise InputError(f"a trajectory's Q must have shape (n_t, K, K), got {np.shape(Q)}")
    return fisher_spectrum(Q, D=D, W=W, activation=activation, trained=trained, N=N, L=L)
