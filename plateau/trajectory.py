"""The result of an ODE integration or an SGD simulation, and its CSV file.

A :class:`Trajectory` holds, for n_t recorded times,

    alpha (n_t,), eps_g (n_t,), Q (n_t, K, K), R (n_t, K, M), D (n_t, K, K), E (n_t, K, M)

plus ``status`` ('finished', 'diverged', 'failed'), a readable ``message``,
for SGD ``eps_g_sem`` (n_t,), the standard error of the seed mean, and for the
ODE the second-layer vectors ``W`` (n_t, K, L) (in memory only: the file holds
D and E, as MODEL.md fixes).

The trajectory file (MODEL.md) has a header row, then one row per time:
``alpha, eps_g[, eps_g_sem]``, then every entry of Q, R, D, E named ``Q[i,k]``.
"""
import csv
from dataclasses import dataclass, field

import numpy as np

from .files import atomic_output

ORDER_PARAMETERS = ("Q", "R", "D", "E")


@dataclass
class Trajectory:
    alpha: np.ndarray
    eps_g: np.ndarray
    Q: np.ndarray
    R: np.ndarray
    D: np.ndarray
    E: np.ndarray
    status: str = "finished"
    message: str = ""
    eps_g_sem: np.ndarray = None
    info: dict = field(default_factory=dict)
    W: np.ndarray = None

    @property
    def success(self):
        return self.status == "finished"

    @property
    def K(self):
        return self.R.shape[1]

    @property
    def M(self):
        return self.R.shape[2]

    def order_parameter(self, name):
        """One of Q, R, D, E, shape (n_t, ., .)."""
        if name not in ORDER_PARAMETERS:
            raise ValueError(f"unknown order parameter {name!r}")
        return getattr(self, name)

    def columns(self):
        """Column names of the trajectory file, in order."""
        names = ["alpha", "eps_g"]
        if self.eps_g_sem is not None:
            names.append("eps_g_sem")
        for name in ORDER_PARAMETERS:
            rows, cols = getattr(self, name).shape[1:]
            names += [f"{name}[{i},{j}]" for i in range(rows) for j in range(cols)]
        return names

    def table(self):
        """The file's numbers, shape (n_t, n_columns)."""
        parts = [self.alpha[:, None], self.eps_g[:, None]]
        if self.eps_g_sem is not None:
            parts.append(self.eps_g_sem[:, None])
        n_t = len(self.alpha)
        parts += [getattr(self, name).reshape(n_t, -1) for name in ORDER_PARAMETERS]
        return np.hstack(parts)

    def to_csv(self, path):
        """Write the trajectory file atomically (temporary name, then rename)."""
        with atomic_output(path) as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(self.columns())
            for row in self.table():
                writer.writerow([repr(float(x)) for x in row])

    @classmethod
    def from_csv(cls, path):
        """Read a trajectory file written by :meth:`to_csv` (status is not stored: 'finished')."""
        with open(path) as handle:
            header = next(csv.reader(handle))
        data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        column = {name: data[:, j] for j, name in enumerate(header)}
        shapes = {}
        for name in header:
            if "[" in name:
                base, idx = name[:-1].split("[")
                i, j = map(int, idx.split(","))
                rows, cols = shapes.get(base, (0, 0))
                shapes[base] = (max(rows, i + 1), max(cols, j + 1))
        matrices = {}
        for base in ORDER_PARAMETERS:
            rows, cols = shapes[base]
            stack = [column[f"{base}[{i},{j}]"] for i in range(rows) for j in range(cols)]
            matrices[base] = np.stack(stack, axis=1).reshape(len(data), rows, cols)
        return cls(alpha=column["alpha"], eps_g=column["eps_g"], eps_g_sem=column.get("eps_g_sem"),
                   **matrices)
