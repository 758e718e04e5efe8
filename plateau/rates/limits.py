"""The learning rates of the perfect fixed point: eta_max, eta_opt, decay rates, and Saad & Solla's
large-K closed forms (the method is described in :mod:`plateau.rates.pencil`)."""
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .pencil import ZERO_MODE_TOL, RatePencil, eps_decay_rate, pencil

_GRID = 4000          # grid points in (0, eta_hi] that bracket every crossing and the optimum
_ETA_CAP = 1e4        # no eta_max below this: reported as none


@dataclass
class RatesResult:
    """What :func:`learning_rates` found.  Eigenvalue arrays (n,) complex, zero modes left out."""
    pencil: RatePencil
    eta_max: float
    eta_opt: float
    decay_rate: float
    eps_rate_at_opt: float
    eta_opt_eps: float
    eps_rate_opt: float
    eigenvalues_max: np.ndarray
    eigenvalues_opt: np.ndarray
    saad_solla: dict
    message: str

    def summary(self):
        """The JSON object of `plateau rates`."""
        def pairs(values):
            return [[float(z.real), float(z.imag)] for z in values]
        return {"eta_max": self.eta_max, "eta_opt": self.eta_opt, "decay_rate": self.decay_rate,
                "eps_g_rate_at_eta_opt": self.eps_rate_at_opt, "eta_opt_eps_g": self.eta_opt_eps,
                "eps_g_rate_at_eta_opt_eps_g": self.eps_rate_opt, "zero_modes": self.pencil.zero_modes,
                "eta_w_ratio": self.pencil.ratio, "eigenvalues_at_eta_max": pairs(self.eigenvalues_max),
                "eigenvalues_at_eta_opt": pairs(self.eigenvalues_opt), "saad_solla": self.saad_solla,
                "message": self.message}


def saad_solla_estimates(K):
    """Large-K closed forms for the erf soft committee machine (K = M, T = I), see docs/rates_section.md.

    Keeping in dQ_ii/dalpha only the leading order in 1/K (every unit's error variance summed over the
    K units), the combination x = (Q_ii - 1) - 2 (R_ii - 1) obeys
    dx/dalpha = eta [-4 / (pi sqrt 3) + eta K 4 / (3 pi^2)] x, whence these values.
    """
    return {"eta_max": float(np.pi * np.sqrt(3) / K), "eta_opt": float(np.pi * np.sqrt(3) / (2 * K)),
            "eps_g_rate_at_eta_opt": 1.0 / K}


def _first_crossing(f, hi):
    """The first zero of f from below on (0, hi], or None (a grid, then brentq)."""
    from scipy.optimize import brentq
    grid = np.linspace(hi / _GRID, hi, _GRID)
    values = np.array([f(x) for x in grid])
    above = np.nonzero(values >= 0)[0]
    if len(above) == 0:
        return None
    i = above[0]
    if i == 0:
        return 0.0
    return float(brentq(f, grid[i - 1], grid[i], xtol=1e-13, rtol=1e-13))


def _maximise(f, hi):
    """(x, f(x)) maximising f on (0, hi): a grid, then bounded golden-section search around its best."""
    from scipy.optimize import minimize_scalar
    grid = np.linspace(hi / _GRID, hi, _GRID)
    values = np.array([f(x) for x in grid])
    i = int(np.argmax(values))
    lo, up = grid[max(i - 1, 0)] if i > 0 else grid[0] / 2, grid[min(i + 1, len(grid) - 1)]
    best = minimize_scalar(lambda x: -f(x), bounds=(lo, up), method="bounded", options={"xatol": 1e-12})
    return (float(best.x), float(-best.fun)) if -best.fun >= values[i] else (float(grid[i]), float(values[i]))


def learning_rates(setup):
    """eta_max, eta_opt and the decay rate at the perfect state of ``setup`` (a :class:`RatesResult`).

    The setup's eta matters only through eta_w / eta (kept fixed as eta varies).
    """
    p = pencil(setup)

    def top(eta):
        return float(-p.slowest(eta))

    hi = 1.0
    while top(hi) < 0 and hi < _ETA_CAP:
        hi *= 2.0
    eta_max = _first_crossing(top, min(hi, _ETA_CAP))
    notes = []
    if p.zero_modes:
        notes.append(f"{p.zero_modes} zero mode{'s' if p.zero_modes > 1 else ''} (|lambda| < {ZERO_MODE_TOL:g} "
                     "x max|lambda| at every eta: symmetries or conserved quantities) set aside")
    if eta_max == 0.0:
        raise InputError("the perfect state is not stable at any learning rate (an eigenvalue is >= 0 "
                         "already as eta -> 0)")
    if eta_max is None:
        eta_max = float("inf")
        notes.append(f"stable for every eta up to {_ETA_CAP:g}: no eta_max")
    upper = min(eta_max, _ETA_CAP)
    eta_opt, decay = _maximise(p.slowest, upper)
    eta_opt_eps, eps_opt = _maximise(lambda e: eps_decay_rate(p, e), upper)
    eps_at_opt = eps_decay_rate(p, eta_opt)
    message = (f"eta_max = {eta_max:.6g}, eta_opt = {eta_opt:.6g} with decay rate {decay:.6g} (eps_g decays at "
               f"{eps_at_opt:.6g} there); eps_g decays fastest at eta = {eta_opt_eps:.6g} (rate {eps_opt:.6g})")
    saad_solla = (saad_solla_estimates(setup.K)
                  if setup.activation == "erf" and setup.eta_w == 0 and setup.L == 1
                  and np.allclose(setup.T, np.eye(setup.M)) and np.allclose(setup.V, 1.0) else None)
    return RatesResult(pencil=p, eta_max=eta_max, eta_opt=eta_opt, decay_rate=decay, eps_rate_at_opt=eps_at_opt,
                       eta_opt_eps=eta_opt_eps, eps_rate_opt=eps_opt,
                       eigenvalues_max=p.eigenvalues(eta_max) if np.isfinite(eta_max) else np.empty(0),
                       eigenvalues_opt=p.eigenvalues(eta_opt), saad_solla=saad_solla,
                       message="; ".join([message] + notes))


def spectrum_curve(result, points=400):
    """Real parts of every eigenvalue of J(eta) on a grid of eta up to 1.3 eta_max (for the plot):
    (etas (n,), real parts (n, n_modes), sorted in each row)."""
    top = 1.3 * result.eta_max if np.isfinite(result.eta_max) else 2.0 * result.eta_opt
    etas = np.linspace(top / points, top, points)
    return etas, np.array([np.sort(result.pencil.eigenvalues(eta).real) for eta in etas])
