"""The ODE against direct SGD simulation at several sizes N: :func:`compare`.

As N -> infinity the order parameters of one SGD run converge to the ODE
solution with fluctuations of order 1/sqrt(N), so the seed-averaged SGD error
<eps_g>_SGD should approach eps_g_ODE and the deviation times sqrt(N) should
stay bounded.  The deviation of a size N is

    max over recorded alpha of | <eps_g>_SGD(alpha) - eps_g_ODE(alpha) |,

with the ODE evaluated at the SGD's recorded times (which are rounded to whole
steps, so they differ slightly between sizes).  Near a plateau's escape this
pointwise deviation is large for any finite N: the escape time of a nearly
symmetric start moves like ln N (finite-N fluctuations break the symmetry),
so read the deviation together with the overlay figure.  With start='draw'
(the default for setups built from options) every SGD seed draws its own
student while the ODE starts from the setup's one draw, so the curves differ
already at alpha = 0, by O(1/sqrt(N)) for the draw in the setup's
description; use start='exact' to compare from identical overlaps.
"""
import csv
import os
from dataclasses import dataclass, field

import numpy as np

from .files import atomic_output
from .ode import DEFAULT_POINTS, integrate
from .sgd import check_arguments, simulate
from .trajectory import Trajectory
from .errors import InputError

TABLE_COLUMNS = ("N", "seeds", "max_abs_deviation", "scaled_deviation", "alpha_at_max", "status")


@dataclass
class Comparison:
    """The ODE trajectory, the seed-averaged SGD trajectory of each N, and the deviation table.

    ``rows`` holds one dict per N with the keys of :data:`TABLE_COLUMNS`:
    max |<eps_g>_SGD - eps_g_ODE| over the common time range, that times
    sqrt(N), the alpha where the maximum occurs and the SGD status.
    """
    ode: Trajectory
    sgd: dict
    rows: list = field(default_factory=list)

    @property
    def success(self):
        return self.ode.success and all(traj.success for traj in self.sgd.values())

    @property
    def message(self):
        failed = [f"ODE: {self.ode.message}"] if not self.ode.success else []
        failed += [f"N = {N}: {traj.message}" for N, traj in self.sgd.items() if not traj.success]
        return "; ".join(failed) if failed else f"compared the ODE with SGD at N = {', '.join(map(str, self.sgd))}"


def deviation(setup, ode, sgd, method="dopri5"):
    """(max |<eps_g>_SGD - eps_g_ODE|, alpha of the maximum) over the times both reached.

    The ODE is integrated again on the SGD's recorded times (cheap next to SGD).
    """
    reach = min(ode.alpha[-1], sgd.alpha[-1])
    keep = sgd.alpha <= reach
    alpha = sgd.alpha[keep]
    if alpha[-1] <= 0:
        return 0.0, 0.0
    ode_on_grid = integrate(setup, alpha[-1], alphas=alpha[alpha > 0], method=method)
    n = min(len(ode_on_grid.alpha), len(alpha))
    diff = np.abs(sgd.eps_g[:n] - ode_on_grid.eps_g[:n])
    worst = int(np.argmax(diff))
    return float(diff[worst]), float(alpha[worst])


def compare(setup, Ns, alpha_max, *, seeds=8, alphas=None, points=DEFAULT_POINTS, seed=0, workers=None,
            progress=False, start="auto", method="dopri5", align=None):
    """Integrate the ODE and simulate SGD at each size in ``Ns`` from the same setup.

    Parameters
    ----------
    setup : Setup
    Ns : sequence of int >= K + M     input dimensions
    alpha_max, alphas, points         the recorded times (as for :func:`plateau.ode.integrate`)
    seeds, seed, workers, progress, start   passed to :func:`plateau.sgd.simulate`
    align : {'none', 'teacher', 'ode'} or None   alignment of the runs' units before averaging
                                      (:mod:`plateau.align`); None: 'ode', this ODE trajectory
    method : str                      ODE method

    Returns
    -------
    Comparison
    """
    Ns = list(Ns)
    if not Ns:
        raise InputError("give at least one N")
    Ns = [check_arguments(setup, N, alpha_max, seeds, alphas, points, seed, workers, start)[0] for N in Ns]
    if len(set(Ns)) != len(Ns):
        raise InputError(f"the sizes N must be distinct, got {', '.join(map(str, Ns))}")
    ode = integrate(setup, alpha_max, alphas=alphas, points=points, method=method, progress=progress)
    runs, rows = {}, []
    for N in Ns:
        traj = simulate(setup, N, alpha_max, seeds=seeds, alphas=alphas, points=points, seed=seed,
                        workers=workers, progress=progress, start=start, align=align or "ode", reference=ode)
        worst, at = deviation(setup, ode, traj, method)
        runs[N] = traj
        rows.append({"N": N, "seeds": seeds, "max_abs_deviation": worst,
                     "scaled_deviation": worst * np.sqrt(N), "alpha_at_max": at, "status": traj.status})
    return Comparison(ode=ode, sgd=runs, rows=rows)


def write_comparison(comparison, directory):
    """Write ode.csv, sgd_N{N}.csv and compare.csv into ``directory``; returns their paths."""
    paths = [os.path.join(directory, "ode.csv")]
    comparison.ode.to_csv(paths[0])
    for N, traj in comparison.sgd.items():
        paths.append(os.path.join(directory, f"sgd_N{N}.csv"))
        traj.to_csv(paths[-1])
    paths.append(os.path.join(directory, "compare.csv"))
    with atomic_output(paths[-1]) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TABLE_COLUMNS)
        for row in comparison.rows:
            writer.writerow([row[name] if isinstance(row[name], (int, str)) else repr(float(row[name]))
                             for name in TABLE_COLUMNS])
    return paths


def format_table(rows):
    """The deviation table as aligned text lines."""
    lines = [f"{'N':>8} {'seeds':>6} {'max|<eps_g>_SGD - eps_g_ODE|':>30} {'x sqrt(N)':>10} "
             f"{'at alpha':>10}  status"]
    for row in rows:
        lines.append(f"{row['N']:>8d} {row['seeds']:>6d} {row['max_abs_deviation']:>30.4e} "
                     f"{row['scaled_deviation']:>10.4f} {row['alpha_at_max']:>10.4g}  {row['status']}")
    return lines
