"""Plateau detection on a learning curve eps_g(alpha): one code path for ODE and SGD curves.

Definition (parameters in :class:`PlateauCriteria`, exposed as CLI options):

1. The curve is smoothed in log-log coordinates: at each recorded alpha > 0 a
   straight line is fitted to (ln alpha, ln eps_g) over the window
   |ln alpha' - ln alpha| <= ``window`` * ln 10; its value is the smoothed
   level and its slope the local log-slope s(alpha) = d ln eps_g / d ln alpha.
   (For an ODE curve this is a mild filter; for a seed-averaged SGD curve it
   averages out the noise.)
2. A point is *flat* when |s| <= ``flatness``.  A plateau is a maximal run of
   flat points that (a) spans at least a factor ``min_span`` in alpha and
   (b) lies below (1 - ``min_drop``) times the curve's first value, so that the
   start of learning (flat in log alpha because nothing has happened yet) is not
   a plateau, and (c) lies above ``min_level``, so that a learned state whose
   error sits at the integrator's or the float's floor is not one either.  A
   monotone exponential decay has |s| = alpha / tau, flat only while eps_g has
   dropped by less than ``flatness``, and so gives no plateau.  Two runs whose
   gap never takes eps_g below ``escape_fraction`` times the first one's level,
   and whose levels differ by less than ``min_drop``, are one plateau (noise
   can break a run without any escape).
2b. A *drifting* plateau is a stall that is slow but not flat: a maximal run of
   points with |s| <= ``drift`` (below the same ceiling and above min_level)
   that spans at least ``min_span``, contains no flat plateau, is escaped (see 4),
   and is entered and left by falls at least ``contrast`` times steeper than its
   own median |s| (the largest |s| between the previous slow point and its start,
   and between its end and the next slow point): a stall, not the gradual
   acceleration of the initial decay.  The
   curve's own later decay is the yardstick: a stall that drifts by 20 % per
   decade before dropping by orders of magnitude is a plateau; a smooth power law
   eps ~ alpha^-p, or one that bends from p = 0.3 to p = 1, never steepens by
   that much and is not.  ``drift = 0`` switches this off.
3. Its ``onset`` and ``end`` are the first and last alpha of the run, its
   ``level`` the smoothed eps_g at the flattest point of the run.
4. Its ``escape_alpha`` is the first alpha after the run at which eps_g itself
   falls below ``escape_fraction`` times the level (interpolated linearly in
   (ln alpha, ln eps_g) between recorded points) -- or, in a cascade, below the
   geometric mean of its level and the next plateau's, if that is higher.  A plateau the curve
   has not escaped by its last point has ``escaped = False`` and no escape
   time: the run ended on the plateau.  (With output noise the final, asymptotic
   error is flat too, and is reported the same way; judge it by its level.)

Several plateaus (a cascade) are reported in order of onset.  The *main* plateau
is the longest (largest end / onset); the report's ``escape_alpha`` is its
escape time, or None.
"""
from dataclasses import asdict, dataclass, field

import numpy as np
from .errors import InputError


@dataclass(frozen=True)
class PlateauCriteria:
    """Parameters of the plateau definition (see the module docstring)."""
    flatness: float = 0.1
    min_span: float = 2.0
    min_drop: float = 0.25
    escape_fraction: float = 0.5
    window: float = 0.1
    min_level: float = 1e-8
    drift: float = 0.4
    contrast: float = 4.0

    def __post_init__(self):
        checks = [("flatness", self.flatness > 0), ("min_span", self.min_span > 1),
                  ("drift", self.drift >= 0), ("contrast", self.contrast > 1),
                  ("min_drop", 0 <= self.min_drop < 1), ("escape_fraction", 0 < self.escape_fraction < 1),
                  ("window", self.window > 0), ("min_level", self.min_level >= 0)]
        for name, ok in checks:
            if not (ok and np.isfinite(getattr(self, name))):
                raise InputError(f"plateau criterion {name} = {getattr(self, name)} is out of range "
                                 "(flatness > 0, min_span > 1, 0 <= min_drop < 1, "
                                 "0 < escape_fraction < 1, window > 0, min_level >= 0, drift >= 0, contrast > 1)")


@dataclass(frozen=True)
class Plateau:
    onset: float
    end: float
    level: float
    escape_alpha: float = None
    escaped: bool = False
    escape_level: float = None   # the eps_g that counts as escaped (escape_fraction x level, or cascade mean)

    def as_dict(self):
        return asdict(self)


@dataclass(frozen=True)
class PlateauReport:
    """All plateaus in order, the main one's escape time, and an outcome (MODEL.md, "Plateau outcomes").

    outcome: 'no_plateau'; 'escaped' when the *last* plateau was left (a run that escapes one
    plateau and sticks on a lower one is not escaped); otherwise 'trapped' when
    ``final_classification`` (set by :func:`plateau.outcomes.explain`) is 'trap', else
    'on_plateau_at_end'.  ``fixed_points`` holds, per plateau, the JSON object of the fixed
    point it passes (or None): the curve alone cannot tell a trap from a saddle.
    """
    plateaus: list = field(default_factory=list)
    main: int = None
    fixed_points: list = None
    final_classification: str = None

    @property
    def outcome(self):
        if not self.plateaus:
            return "no_plateau"
        if self.plateaus[-1].escaped:
            return "escaped"
        return "trapped" if self.final_classification == "trap" else "on_plateau_at_end"

    @property
    def main_plateau(self):
        return None if self.main is None else self.plateaus[self.main]

    @property
    def escape_alpha(self):
        main = self.main_plateau
        return None if main is None else main.escape_alpha

    def describe(self):
        """One line for people: the escape time or the outcome."""
        if self.outcome in ("trapped", "on_plateau_at_end") and self.final_classification:
            return f"{self.outcome.replace('_', ' ')} (final fixed point: {self.final_classification})"
        if self.escape_alpha is not None:
            return f"plateau, escape at alpha = {self.escape_alpha:.4g}"
        return self.outcome.replace("_", " ")

    def summary(self):
        """The JSON fields: plateaus (list of objects, each with its ``fixed_point`` when explained),
        escape_alpha (or None), plateau_outcome, n_plateaus, final_classification (or None)."""
        plateaus = [p.as_dict() for p in self.plateaus]
        for k, entry in enumerate(plateaus):
            if self.fixed_points is not None:
                entry.update(self.fixed_points[k])
        return {"plateaus": plateaus, "escape_alpha": self.escape_alpha, "plateau_outcome": self.outcome,
                "n_plateaus": len(self.plateaus), "final_classification": self.final_classification}


def smooth_log_log(alpha, eps, window):
    """Local linear fits of ln eps against ln alpha: (smoothed eps, log-slope), each (n,)."""
    x, y = np.log(alpha), np.log(eps)
    half = window * np.log(10.0)
    level = np.empty_like(x)
    slope = np.empty_like(x)
    lo = hi = 0
    for j, xj in enumerate(x):
        while x[lo] < xj - half:
            lo += 1
        while hi < len(x) and x[hi] <= xj + half:
            hi += 1
        xs, ys = x[lo:hi] - xj, y[lo:hi]
        if len(xs) < 3:
            # Too few neighbours for a fit: the two nearest points give the slope.
            k = min(max(j, 1), len(x) - 1)
            slope[j] = (y[k] - y[k - 1]) / (x[k] - x[k - 1])
            level[j] = y[j]
            continue
        # Least squares in closed form about the window's means (what lstsq gives, to rounding);
        # sum / n is NumPy's mean, bit for bit, without its overhead.
        mean_x, mean_y = xs.sum() / len(xs), ys.sum() / len(ys)
        dx = xs - mean_x
        s = np.dot(dx, ys - mean_y) / np.dot(dx, dx)
        level[j], slope[j] = mean_y - s * mean_x, s
    return np.exp(level), slope


def detect_plateaus(alpha, eps_g, criteria=PlateauCriteria()):
    """Find the plateaus of a learning curve.

    Parameters
    ----------
    alpha : (n,) increasing times (alpha = 0 is ignored)
    eps_g : (n,) generalisation error (seed mean for SGD); must be positive where alpha > 0
    criteria : PlateauCriteria

    Returns
    -------
    PlateauReport
    """
    alpha = np.asarray(alpha, dtype=float)
    eps_g = np.asarray(eps_g, dtype=float)
    if alpha.shape != eps_g.shape or alpha.ndim != 1:
        raise InputError("alpha and eps_g must be 1-d arrays of the same length")
    keep = alpha > 0
    alpha, eps_g = alpha[keep], eps_g[keep]
    if len(alpha) < 3:
        return PlateauReport()
    if np.any(np.diff(alpha) <= 0):
        raise InputError("alpha must be increasing")
    # eps_g can touch zero at the end of noise-free learning (rounding); floor it far below any plateau.
    eps = np.maximum(eps_g, 1e-300)
    smooth, slope = smooth_log_log(alpha, eps, criteria.window)
    ceiling = (1.0 - criteria.min_drop) * smooth[0]
    flat = (np.abs(slope) <= criteria.flatness) & (smooth <= ceiling) & (smooth > criteria.min_level)
    runs = _merge_unescaped(_flat_runs(flat), smooth, criteria)
    found = []   # (start, stop, level) of the runs long enough to be plateaus
    for start, stop in runs:
        if alpha[stop] / alpha[start] >= criteria.min_span:
            flattest = start + int(np.argmin(np.abs(slope[start:stop + 1])))
            found.append((start, stop, float(smooth[flattest])))
    found = sorted(found + _drifting(alpha, eps, smooth, slope, found, criteria))
    plateaus = []
    for k, (start, stop, level) in enumerate(found):
        threshold = criteria.escape_fraction * level
        if k + 1 < len(found):
            # In a cascade the curve leaves this plateau for the next, lower one, which may lie
            # above escape_fraction x level: it has escaped once halfway down (in log) to it.
            threshold = max(threshold, np.sqrt(level * found[k + 1][2]))
        escape = first_crossing(alpha, eps, stop, threshold)
        plateaus.append(Plateau(onset=float(alpha[start]), end=float(alpha[stop]), level=level,
                                escape_alpha=escape, escaped=escape is not None, escape_level=float(threshold)))
    if not plateaus:
        return PlateauReport()
    main = int(np.argmax([p.end / p.onset for p in plateaus]))
    return PlateauReport(plateaus=plateaus, main=main)


def _drifting(alpha, eps, smooth, slope, found, criteria):
    """The drifting plateaus (definition 2b) as (start, stop, level) triples."""
    if criteria.drift <= 0:
        return []
    ceiling = (1.0 - criteria.min_drop) * smooth[0]
    slow = (np.abs(slope) <= criteria.drift) & (smooth <= ceiling) & (smooth > criteria.min_level)
    runs = _flat_runs(slow)
    out = []
    for k, (start, stop) in enumerate(runs):
        if alpha[stop] / alpha[start] < criteria.min_span or stop + 1 >= len(alpha):
            continue
        if any(start <= f_stop and f_start <= stop for f_start, f_stop, _ in found):
            continue
        # A stall: the curve falls into it and out of it, both times contrast x faster than it drifts
        # (an accelerating initial decay has no steeper fall before it).
        previous = runs[k - 1][1] + 1 if k > 0 else 0
        following = runs[k + 1][0] if k + 1 < len(runs) else len(alpha)
        drift = criteria.contrast * np.median(np.abs(slope[start:stop + 1]))
        before, after = np.abs(slope[previous:start]), np.abs(slope[stop + 1:following])
        if not len(before) or before.max() < drift or after.max() < drift:
            continue
        flattest = start + int(np.argmin(np.abs(slope[start:stop + 1])))
        level = float(smooth[flattest])
        if first_crossing(alpha, eps, stop, criteria.escape_fraction * level) is not None:
            out.append((start, stop, level))
    return out


def _flat_runs(flat):
    """Maximal runs of True as (first, last) index pairs."""
    edges = np.diff(np.concatenate([[0], flat.astype(int), [0]]))
    return list(zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0] - 1))


def _merge_unescaped(runs, smooth, criteria):
    """Join consecutive runs that are one plateau broken by noise: the curve between them stays
    above escape_fraction x the first one's level, and the second lies within min_drop of it."""
    merged = []
    for start, stop in runs:
        if merged:
            prev_start, prev_stop = merged[-1]
            level = np.median(smooth[prev_start:prev_stop + 1])
            unescaped = smooth[prev_stop:start + 1].min() > criteria.escape_fraction * level
            same_level = np.median(smooth[start:stop + 1]) >= (1.0 - criteria.min_drop) * level
            if unescaped and same_level:
                merged[-1] = (prev_start, stop)
                continue
        merged.append((start, stop))
    return merged


def first_crossing(alpha, eps, start, threshold):
    """First alpha after index ``start`` where eps falls to ``threshold``, log-log interpolated; or None."""
    below = np.nonzero(eps[start:] <= threshold)[0]
    if len(below) == 0:
        return None
    j = start + below[0]
    if j == 0 or eps[j] == threshold:
        return float(alpha[j])
    x0, x1 = np.log(alpha[j - 1]), np.log(alpha[j])
    y0, y1 = np.log(eps[j - 1]), np.log(eps[j])
    y = np.log(threshold)
    return float(np.exp(x0 + (y - y0) * (x1 - x0) / (y1 - y0)))


def alpha_to_reach(alpha, eps_g, target):
    """First alpha at which eps_g <= ``target``, log-log interpolated (:func:`first_crossing`); None if
    never.  alpha (n,) increasing, eps_g (n,); alpha = 0 (where a log grid starts) is 0.0 if eps_g is
    already there, else left out of the interpolation, as are zeros of eps_g (clipped to 1e-300)."""
    alpha, eps_g = np.asarray(alpha, dtype=float), np.asarray(eps_g, dtype=float)
    if len(alpha) and alpha[0] == 0:
        if eps_g[0] <= target:
            return 0.0
        alpha, eps_g = alpha[1:], eps_g[1:]
    return first_crossing(alpha, np.maximum(eps_g, 1e-300), 0, target)


def trajectory_plateaus(trajectory, criteria=PlateauCriteria()):
    """detect_plateaus on a Trajectory's eps_g (the seed mean for SGD)."""
    return detect_plateaus(trajectory.alpha, trajectory.eps_g, criteria)
