"""Natural-gradient learning (NGD, issue 13): the Python side of the compiled kernels.

A :class:`~plateau.model.Setup` with ``algorithm='ngd'`` and a ``damping`` eps >= 0
runs NGD everywhere: :func:`plateau.ode.integrate` integrates the NGD flow
(:mod:`plateau.kernels.ngd`), :func:`plateau.sgd.simulate` takes NGD steps
(:mod:`plateau.kernels.sgd_ngd`), :func:`plateau.stability.analyse` finds the
fixed point of the NGD flow.  This module holds what those share:

* :func:`natural_direction` -- the structured direction z = (Gs + eps I)^{-1} r of one
  sample, O(K^2 N), for checks against a dense solve and for users;
* :func:`step_function` -- the SGD step kernel of a setup;
* :func:`metric_problem` -- why the damped metric cannot be inverted at a state (eps = 0).
"""
import math

import numpy as np

from .errors import InputError
from .kernels.integrals import ACTIVATION_CODES
from .kernels.flows import ALGORITHM_CODES, NGD


def algorithm_code(setup):
    """(code, damping) as the compiled kernels take them (damping 0.0 for GD)."""
    code = ALGORITHM_CODES[setup.algorithm]
    return code, float(setup.damping) if code == NGD else 0.0


def natural_direction(J, W, xi, err, activation="erf", damping=1e-2, trained=True, delta=None):
    """The NGD direction of one sample, z = (Gs + eps I)^{-1} r, without an N x N matrix.

    Parameters
    ----------
    J : (K, N), W : (K, L)      the student (rows J_i, w_i)
    xi : (N,)                   the input
    err : (L,)                  the error e = y - f (any vector: r_w,i = g(lambda_i) e)
    activation : {'erf', 'relu', 'linear'}
    damping : float >= 0        eps
    trained : bool              include the w parameters (False: Gs is the J-block only)
    delta : (K,), optional      the J-directions' unit coefficients, r_J,i = delta_i xi;
                                default g'(lambda_i) (w_i . e) as in MODEL.md

    Returns
    -------
    z_J : (K, N), z_w : (K, L) (zeros when not trained), and r_J, r_w, the plain directions.
    """
    from .kernels import sgd as gd_kernels, sgd_ngd    # here: an ODE run needs neither
    J = np.ascontiguousarray(J, dtype=float)
    W = np.ascontiguousarray(W, dtype=float)
    xi = np.ascontiguousarray(xi, dtype=float)
    err = np.ascontiguousarray(err, dtype=float)
    K, N = J.shape
    L = W.shape[1]
    act = ACTIVATION_CODES[activation]
    lam = J @ xi / math.sqrt(N)
    g = np.array([gd_kernels.activation(act, x) for x in lam])
    if delta is None:
        gp = np.array([gd_kernels.activation_derivative(act, x) for x in lam])
        delta = gp * (W @ err)
    delta = np.ascontiguousarray(delta, dtype=float)
    Q = J @ J.T / N
    ws = sgd_ngd.workspace(K, L, trained)
    phid, beta, c_w = np.empty(K), np.empty((K, K)), np.zeros((K, L))
    if not sgd_ngd.ngd_coefficients(act, 0.5 * (Q + Q.T), W, lam, delta, g, err, float(damping), trained, ws,
                                    phid, beta, c_w):
        raise InputError("the damped Fisher metric is singular here (eps = 0 and a degenerate metric)")
    z_J = phid[:, None] * xi[None, :] + beta @ J / math.sqrt(N)
    r_J = delta[:, None] * xi[None, :]
    r_w = g[:, None] * err[None, :]
    return z_J, c_w, r_J, r_w


def step_function(setup):
    """steps(J, W, B, V, n, rng_x, rng_z, field_limit) -> steps done: the setup's SGD kernel."""
    act = ACTIVATION_CODES[setup.activation]
    code, eps = algorithm_code(setup)
    eta, eta_w, sigma = setup.eta, setup.eta_w, setup.sigma
    from .kernels import sgd as gd_kernels, sgd_ngd
    from .kernels.entries import announce_compile
    announce_compile(sgd_ngd.ngd_steps if code == NGD else gd_kernels.sgd_steps, "sgd-ngd" if code == NGD else "sgd")
    if code == NGD:
        def steps(J, W, B, V, n, rng_x, rng_z, limit):
            return sgd_ngd.ngd_steps(J, W, B, V, n, act, eta, eta_w, sigma, eps, rng_x, rng_z, limit)
    else:
        def steps(J, W, B, V, n, rng_x, rng_z, limit):
            return gd_kernels.sgd_steps(J, W, B, V, n, act, eta, eta_w, sigma, rng_x, rng_z, limit)
    return steps


def metric_problem(setup, Q, W):
    """None when the damped metric can be inverted at (Q, W); else a one-line reason."""
    if setup.algorithm != "ngd":
        return None
    from .kernels.ngd import metric_ok   # NGD runs only: a GD run never loads the NGD kernels
    act = ACTIVATION_CODES[setup.activation]
    Q = np.ascontiguousarray(Q, dtype=float)
    W = np.ascontiguousarray(W, dtype=float)
    if metric_ok(Q, W, act, float(setup.damping), setup.eta_w > 0):
        return None
    return (f"the damped Fisher metric Gs + eps I is singular (eps = {setup.damping:g}): the NGD direction "
            "is undefined; use a positive --damping")
