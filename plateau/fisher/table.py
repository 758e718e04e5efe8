"""The Fisher spectrum along a trajectory as a table and a file, and per plateau.

Columns of the table (one row per recorded alpha), for the scaled metric Gs:

    alpha, eps_g, lambda_max, lambda_min_bulk, lambda_min_outlier, mean, second_moment,
    bulk[0..K-1], outlier[0..n_out-1]                          (both ascending)

and, when the spectrum was computed with N, the plain FIM G with the same names
prefixed ``G_`` (G_lambda_max, ..., G_bulk[i], G_outlier[j]).  The file is CSV with
a header row, written atomically (:func:`plateau.files.atomic_output`).
"""
import csv

import numpy as np

from ..errors import InputError
from ..files import atomic_output

SCALARS = ("lambda_max", "lambda_min_bulk", "lambda_min_outlier", "mean", "second_moment")


def fisher_table(trajectory, spectrum):
    """Column names and numbers of the Fisher table.

    Parameters
    ----------
    trajectory : Trajectory (alpha (n_t,), eps_g (n_t,))
    spectrum : FisherSpectrum with a leading axis n_t (from :func:`trajectory_spectrum`)

    Returns
    -------
    names : list of str, data : (n_t, n_columns) array
    """
    n_t = len(trajectory.alpha)
    if np.ndim(spectrum.bulk) != 2 or spectrum.bulk.shape[0] != n_t:
        raise InputError(f"the spectrum has {np.shape(spectrum.bulk)[0] if np.ndim(spectrum.bulk) == 2 else 1} "
                         f"rows, the trajectory {n_t}")
    names = ["alpha", "eps_g"]
    parts = [np.asarray(trajectory.alpha)[:, None], np.asarray(trajectory.eps_g)[:, None]]
    prefixes = [""] + (["G_"] if spectrum.N is not None else [])
    for prefix in prefixes:
        for name in SCALARS:
            names.append(prefix + name)
            parts.append(np.asarray(getattr(spectrum, prefix + name))[:, None])
        bulk, out = getattr(spectrum, prefix + "bulk"), getattr(spectrum, prefix + "outliers")
        names += [f"{prefix}bulk[{i}]" for i in range(bulk.shape[1])]
        names += [f"{prefix}outlier[{j}]" for j in range(out.shape[1])]
        parts += [bulk, out]
    return names, np.hstack(parts)


def write_fisher_table(path, trajectory, spectrum):
    """Write :func:`fisher_table` as CSV, atomically (a temporary file renamed on success)."""
    names, data = fisher_table(trajectory, spectrum)
    with atomic_output(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        for row in data:
            writer.writerow([repr(float(x)) for x in row])


def read_fisher_table(path):
    """Read a Fisher table file: a dict column name -> (n_t,) array, in file order."""
    with open(path) as handle:
        header = next(csv.reader(handle))
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return {name: data[:, j] for j, name in enumerate(header)}


def table_columns(table, base):
    """The columns ``base[0]``, ``base[1]``, ... of a table dict, stacked to (n_t, n)."""
    cols = []
    while f"{base}[{len(cols)}]" in table:
        cols.append(table[f"{base}[{len(cols)}]"])
    return np.stack(cols, axis=1) if cols else np.empty((len(table["alpha"]), 0))


def plateau_fisher(trajectory, spectrum, report=None):
    """The smallest bulk eigenvalue on every plateau and after its escape.

    Parameters
    ----------
    trajectory : Trajectory
    spectrum : FisherSpectrum along ``trajectory`` (leading axis n_t)
    report : PlateauReport, optional    default :func:`plateau.plateaus.trajectory_plateaus`

    Returns
    -------
    list of dict, one per plateau in order of onset, with ``onset``, ``end``, ``level``,
    ``escape_alpha``, ``escaped``,
    ``fisher_degeneracy`` = min of lambda_min_bulk (of Gs) over the recorded alphas in
    [onset, end], and ``fisher_after_escape`` = lambda_min_bulk at the state the escape
    leads to: the next plateau's onset, or the last recorded alpha if there is none
    (None when the plateau was not escaped).
    """
    from ..plateaus import trajectory_plateaus
    report = trajectory_plateaus(trajectory) if report is None else report
    alpha = np.asarray(trajectory.alpha)
    low = np.asarray(spectrum.lambda_min_bulk)
    if low.shape != alpha.shape:
        raise InputError(f"the spectrum has shape {low.shape}, the trajectory {alpha.shape}")
    rows = []
    plateaus = list(report.plateaus)
    for k, p in enumerate(plateaus):
        on = (alpha >= p.onset) & (alpha <= p.end)
        after = None
        if p.escaped:
            target = plateaus[k + 1].onset if k + 1 < len(plateaus) else alpha[-1]
            after = float(low[int(np.argmin(np.abs(alpha - target)))])
        rows.append(dict(onset=p.onset, end=p.end, level=p.level, escape_alpha=p.escape_alpha,
                         escaped=p.escaped, fisher_degeneracy=float(low[on].min()),
                         fisher_after_escape=after))
    return rows
