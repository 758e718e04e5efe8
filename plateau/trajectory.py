"""The result of an ODE integration or an SGD simulation, and its CSV file.

A :class:`Trajectory` holds, for n_t recorded times,

    alpha (n_t,), eps_g (n_t,), Q (n_t, K, K), R (n_t, K, M), D (n_t, K, K), E (n_t, K, M)

and typed fields saying what it is: ``status`` ('finished', 'diverged',
'failed') with a readable ``message``; ``engine`` ('ode' or 'sgd'); for SGD
``N``, ``runs`` (seeds averaged), the base ``seed``, the ``start`` mode, how
the runs' units were aligned before averaging (``align``, :mod:`plateau.align`),
``eps_g_sem`` (n_t,), the standard error of the run mean, and
``order_parameter_sem`` {name: (n_t, ., .)} for Q, R, D, E; for the ODE the
``method``, the number of right-hand-side calls ``n_rhs`` and the second-layer
vectors ``W`` (n_t, K, L) (in memory only: the file holds D and E, as MODEL.md
fixes); ``setup``, the run's :class:`~plateau.model.Setup` when known.

The trajectory file (MODEL.md) starts with one line ``# plateau-trajectory
{json}`` (format version, status, message, engine, units, the setup and the
typed fields above), then a header row, then one row per time: ``alpha, eps_g[,
eps_g_sem]``, then every entry of Q, R, D, E named ``Q[i,k]``.  Read it with
:meth:`Trajectory.from_csv` (which also reads files without the first line,
written by plateau 0.1, as 'finished') or ``pandas.read_csv(path, comment='#')``.
"""
import csv
import json
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .files import atomic_output

ORDER_PARAMETERS = ("Q", "R", "D", "E")
FORMAT_VERSION = 1
HEADER_PREFIX = "# plateau-trajectory "
UNITS = {"alpha": "steps / N", "eps_g": "1/2 E||f - y_clean||^2 (MODEL.md)"}
# Typed fields written to (and read from) the first line, beside status and message.
#: Trajectory.warnings: weights grown beyond this factor of their scale, eps_g above this
#: fraction of its start.
WEIGHT_GROWTH = 100.0
STALLED_FRACTION = 0.1
_META = ("engine", "N", "runs", "seed", "start", "align", "method", "n_rhs")


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
    W: np.ndarray = None
    engine: str = "ode"
    setup: object = None
    N: int = None
    runs: int = None
    seed: int = None
    start: str = None
    align: str = None
    method: str = None
    n_rhs: int = None
    order_parameter_sem: dict = None
    info: dict = field(default_factory=dict)   # per-run details (SGD: seed_index, steps)

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
            raise InputError(f"unknown order parameter {name!r}")
        return getattr(self, name)

    def summary(self):
        """The run's part of a --json summary: status, message, final time and error, typed fields."""
        out = {"status": self.status, "message": self.message,
               "final_eps_g": float(self.eps_g[-1]) if len(self.eps_g) else None,
               "final_alpha": float(self.alpha[-1]) if len(self.alpha) else None,
               "points": int(len(self.alpha)), "warnings": self.warnings()}
        out.update({name: getattr(self, name) for name in _META if getattr(self, name) is not None})
        if self.runs is not None:
            out["seeds"] = self.runs   # the name of plateau 0.1's summaries
        return out

    def warnings(self):
        """Readable warnings about a run that ended but did not learn (a list of str, usually empty).

        A run whose student weights grew to more than WEIGHT_GROWTH times their scale (the
        largest of 1, the start's Q_ii and the teacher's T_nn) while eps_g stayed above
        STALLED_FRACTION of its start has a learning rate far above its stable range: with erf
        its units saturate, and the run ends 'finished' on a meaningless level.
        """
        if len(self.alpha) < 2 or self.Q.size == 0:
            return []
        grown = float(np.max(np.abs(np.diagonal(self.Q[-1]))))
        scale = max(1.0, float(np.max(np.abs(np.diagonal(self.Q[0])))))
        if self.setup is not None:
            scale = max(scale, float(np.max(np.abs(np.diag(self.setup.T)))))
        stalled = self.eps_g[-1] > STALLED_FRACTION * self.eps_g[0]
        if grown > WEIGHT_GROWTH * scale and stalled:
            return [f"the student's weights grew to max Q_ii = {grown:.3g} (over {WEIGHT_GROWTH:g} times their "
                    f"scale {scale:.3g}) while eps_g stayed at {self.eps_g[-1]:.3g}: the learning rate is far "
                    "above its stable range (see `plateau rates`)"]
        return []

    # --- the file ---------------------------------------------------------------------------
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

    def header(self):
        """The JSON object of the file's first line."""
        from . import __version__
        out = {"format": FORMAT_VERSION, "status": self.status, "message": self.message, "units": UNITS,
               **{name: getattr(self, name) for name in _META if getattr(self, name) is not None},
               "plateau_version": __version__}
        if self.setup is not None:
            out["setup"] = self.setup.to_dict()
        return out

    def to_csv(self, path):
        """Write the trajectory file atomically (temporary name, then rename)."""
        with atomic_output(path) as handle:
            handle.write(HEADER_PREFIX + json.dumps(self.header(), separators=(",", ":")) + "\n")
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(self.columns())
            for row in self.table().tolist():   # Python floats: repr is the shortest exact text
                # The list's own repr writes each float's repr (in C, 3x faster than a loop here);
                # no float's repr holds ", ", so this is the csv row of those texts.
                handle.write(str(row)[1:-1].replace(", ", ",") + "\n")

    @classmethod
    def from_csv(cls, path):
        """Read a trajectory file written by :meth:`to_csv` (or by plateau 0.1, without the first
        line: status 'finished').  Every problem is an InputError naming the file."""
        try:
            with open(path) as handle:
                lines = handle.readlines()
        except OSError as exc:
            raise InputError(f"cannot read trajectory file {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise InputError(f"{path} is not a text file") from None
        meta = {}
        if lines and lines[0].startswith(HEADER_PREFIX):
            meta = _read_header(path, lines.pop(0)[len(HEADER_PREFIX):])
        header = next(csv.reader(lines[:1]), [])
        rows = [line for line in lines[1:] if line.strip()]
        try:
            data = np.loadtxt(rows, delimiter=",", ndmin=2, comments=None) if rows else np.empty((0, 0))
        except ValueError:
            raise InputError(f"{path}: the rows of a trajectory file must be numbers") from None
        if len(data) == 0 or data.shape[1] != len(header):
            raise InputError(f"{path}: a trajectory file needs a header and rows of {len(header)} numbers")
        column = {name: data[:, j] for j, name in enumerate(header)}
        for needed in ("alpha", "eps_g"):
            if needed not in column:
                raise InputError(f"{path} has no {needed} column: not a trajectory file")
        if len(set(header)) != len(header):
            raise InputError(f"{path}: a column is named twice")
        alpha = column["alpha"]
        if not np.all(np.isfinite(alpha)) or np.any(np.diff(alpha) <= 0):
            raise InputError(f"{path}: the alpha column must be finite and increase from row to row")
        matrices = {name: _matrix(path, header, column, name, len(data)) for name in ORDER_PARAMETERS}
        setup = None
        if "setup" in meta:
            from .model import Setup
            setup = Setup.from_dict(meta["setup"])
        return cls(alpha=column["alpha"], eps_g=column["eps_g"], eps_g_sem=column.get("eps_g_sem"),
                   status=meta.get("status", "finished"), message=meta.get("message", ""), setup=setup,
                   **{name: meta[name] for name in _META if name in meta}, **matrices)


def _read_header(path, text):
    try:
        meta = json.loads(text)
    except json.JSONDecodeError:
        raise InputError(f"{path}: the first line's JSON is unreadable") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        raise InputError(f"{path}: unsupported trajectory format "
                         f"{meta.get('format') if isinstance(meta, dict) else meta!r}")
    return meta


def _matrix(path, header, column, base, n_t):
    """The (n_t, rows, cols) stack of one order parameter's columns ``base[i,j]``."""
    rows = cols = 0
    for name in header:
        if name.startswith(base + "["):
            try:
                i, j = map(int, name[len(base) + 1:-1].split(","))
            except ValueError:
                raise InputError(f"{path}: unreadable column name {name!r}") from None
            rows, cols = max(rows, i + 1), max(cols, j + 1)
    if rows == 0:
        raise InputError(f"{path} has no {base}[i,j] columns: a trajectory file holds Q, R, D and E")
    try:
        stack = [column[f"{base}[{i},{j}]"] for i in range(rows) for j in range(cols)]
    except KeyError as missing:
        raise InputError(f"{path} lacks the column {missing.args[0]}") from None
    return np.stack(stack, axis=1).reshape(n_t, rows, cols)
