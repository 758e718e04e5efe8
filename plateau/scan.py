"""Plateau-time scans: a parameter grid, one measured row per point, a resumable scan file.

A scan (:class:`ScanDefinition`) is the Cartesian product of value lists for the
grid parameters :data:`GRID` (K, M, L, teacher, init, activation, eta, eta_w,
sigma, alpha_max, seed) together with settings shared by every point (engine
'ode' or 'sgd', init_scale, init_N, the recorded log grid, for SGD N and the
number of SGD runs, and the plateau criteria).  Each point builds its setup
with :func:`plateau.builders.build_setup` (``seed`` is build_setup's seed),
integrates the ODEs (:func:`plateau.ode.integrate`) or simulates SGD
(:func:`plateau.sgd.simulate`, base seed = the point's seed), measures the
plateaus of eps_g (:func:`plateau.plateaus.trajectory_plateaus`) and gives one
row (:func:`run_point`):

========================  =====================================================
``status``                'finished', 'diverged', 'failed' (the run stopped
                          early) or 'error' (the point raised; see ``message``)
``plateau_outcome``       'escaped', 'no_plateau' or 'on_plateau_at_end'
``n_plateaus``            number of plateaus detected
``plateau_level``         eps_g on the main (longest) plateau
``plateau_onset``, ``plateau_end``   first and last alpha of the main plateau's flat run
``escape_alpha``          first alpha after it with eps_g < escape_fraction x level
``plateau_length``        escape_alpha - plateau_onset (escaped plateaus only)
``final_alpha``, ``final_eps_g``     the last recorded time and its eps_g
``wall_time``             seconds spent on the point
``message``               the run's message
========================  =====================================================

Plateau columns are empty when there is no such quantity (no plateau, not
escaped) and for runs that did not finish.

The scan file is CSV: a first line ``# plateau-scan {json}`` holding the
definition, a header row (:data:`COLUMNS`), then one row per finished point.
It is created atomically and then grows by whole lines, each flushed and
fsynced as its point finishes, so a killed scan loses only the points in
flight (a torn last line is dropped when the file is next opened).  Running
the same scan on an existing file skips the points it holds; a file of
another scan is refused.  When every point is there, the file is rewritten
once, atomically, in grid order.  Read it with :func:`read_scan`, or with
``pandas.read_csv(path, comment='#')``.
"""
import csv
import io
import itertools
import json
import math
import os
import time
from dataclasses import dataclass, field

from .files import atomic_output
from .plateaus import PlateauCriteria
from .errors import InputError

FORMAT_VERSION = 1
HEADER_PREFIX = "# plateau-scan "

GRID = ("K", "M", "L", "teacher", "init", "activation", "eta", "eta_w", "sigma", "alpha_max", "seed")
_TYPES = {"K": int, "M": int, "L": int, "teacher": str, "init": str, "activation": str, "eta": float,
          "eta_w": float, "sigma": float, "alpha_max": float, "seed": int}
RESULTS = ("status", "plateau_outcome", "n_plateaus", "plateau_level", "plateau_onset", "plateau_end",
           "escape_alpha", "plateau_length", "final_alpha", "final_eps_g", "wall_time", "message")
_RESULT_TYPES = {"status": str, "plateau_outcome": str, "message": str, "n_plateaus": int}
COLUMNS = GRID + RESULTS
NUMERIC_RESULTS = tuple(name for name in RESULTS if _RESULT_TYPES.get(name, float) is not str)

# Grid defaults: build_setup's, except eta_w.  With a frozen second layer build_setup copies the
# teacher's rows into W, so the student is handed the output directions and a scan over L measures
# nothing about L; a scan trains the second layer at the first layer's default rate instead.
DEFAULT_GRID = {"K": (2,), "M": (2,), "L": (1,), "teacher": ("degenerate",), "init": ("random",),
                "activation": ("erf",), "eta": (0.1,), "eta_w": (0.1,), "sigma": (0.0,), "seed": (0,)}
_CHOICES = {"teacher": ("degenerate", "orthogonal", "random"), "init": ("random", "orthogonal"),
            "activation": ("erf", "relu", "linear")}
ENGINES = ("ode", "sgd")


@dataclass(frozen=True)
class ScanDefinition:
    """What a scan computes: the grid and the settings every point shares.

    Parameters
    ----------
    grid : dict name -> tuple of values, one entry for each name in GRID
    engine : 'ode' or 'sgd'
    init_scale : float > 0        scale s of the student's initial weights
    init_N : int                  dimension in which build_setup draws the student's start
    record_points : int >= 2      size of the recorded log grid of alpha (plateau.ode.output_grid)
    N : int or None               SGD input dimension (engine 'sgd' only)
    sgd_seeds : int or None       independent SGD runs averaged per point (engine 'sgd' only)
    criteria : PlateauCriteria
    """
    grid: dict
    engine: str = "ode"
    init_scale: float = 0.5
    init_N: int = 1000
    record_points: int = 400
    N: int = None
    sgd_seeds: int = None
    criteria: PlateauCriteria = field(default_factory=PlateauCriteria)

    def __post_init__(self):
        grid = {}
        for name in GRID:
            values = self.grid.get(name, DEFAULT_GRID.get(name))
            if values is None:
                raise InputError(f"the scan needs {_option(name)}")
            if isinstance(values, (str, int, float)):
                values = [values]
            grid[name] = tuple(dict.fromkeys(_convert(name, v) for v in values))   # unique, in order
            if not grid[name]:
                raise InputError(f"{_option(name)} needs at least one value")
        unknown = set(self.grid) - set(GRID)
        if unknown:
            raise InputError(f"unknown grid parameters {', '.join(sorted(unknown))}")
        object.__setattr__(self, "grid", grid)
        _check_grid(grid)
        if self.engine not in ENGINES:
            raise InputError(f"unknown engine {self.engine!r}; choose one of {', '.join(ENGINES)}")
        if not (self.init_scale > 0 and math.isfinite(self.init_scale)):
            raise InputError(f"--init-scale must be a positive number, got {self.init_scale}")
        _check_int(self.init_N, "--init-N", max(max(grid["K"]), max(grid["M"])))
        _check_int(self.record_points, "--points", 2)
        if self.engine == "sgd":
            _check_int(self.N, "--N", max(grid["K"]) + max(grid["M"]))
            _check_int(self.sgd_seeds, "--sgd-seeds", 1)
        elif self.N is not None or self.sgd_seeds is not None:
            raise InputError("--N and --sgd-seeds need --sgd")
        if not isinstance(self.criteria, PlateauCriteria):
            object.__setattr__(self, "criteria", PlateauCriteria(**dict(self.criteria)))

    # --- grid ---------------------------------------------------------------------
    def points(self):
        """Every grid point as a dict {name: value}, in grid order (the last name varies fastest)."""
        return [dict(zip(GRID, values)) for values in itertools.product(*(self.grid[n] for n in GRID))]

    def varied(self):
        """Names of the grid parameters with more than one value."""
        return [name for name in GRID if len(self.grid[name]) > 1]

    def settings(self):
        """The shared settings that :func:`run_point` needs (a small picklable dict)."""
        return {"engine": self.engine, "init_scale": self.init_scale, "init_N": self.init_N,
                "record_points": self.record_points, "N": self.N, "sgd_seeds": self.sgd_seeds,
                "criteria": self.criteria.__dict__.copy()}

    # --- file form ------------------------------------------------------------------
    def to_json(self):
        from . import __version__
        return {"format": FORMAT_VERSION, "grid": {name: list(self.grid[name]) for name in GRID},
                **self.settings(), "plateau_version": __version__}

    @classmethod
    def from_json(cls, data):
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise InputError(f"unsupported scan format {data.get('format') if isinstance(data, dict) else data!r}")
        return cls(grid=data["grid"], engine=data["engine"], init_scale=data["init_scale"],
                   init_N=data["init_N"], record_points=data["record_points"], N=data["N"],
                   sgd_seeds=data["sgd_seeds"], criteria=PlateauCriteria(**data["criteria"]))

    def differences(self, other):
        """Names of what differs from ``other`` (the order of a grid's values does not count)."""
        diff = [name for name in GRID if sorted(self.grid[name]) != sorted(other.grid[name])]
        mine, theirs = self.settings(), other.settings()
        return diff + [name for name in mine if mine[name] != theirs[name]]


def _option(name):
    """The CLI option of a grid parameter."""
    return "--seeds" if name == "seed" else "--" + name.replace("_", "-")


def _convert(name, value):
    kind = _TYPES[name]
    try:
        if kind is int:
            if isinstance(value, bool) or float(value) != int(float(value)):
                raise ValueError
            return int(float(value))
        if kind is float:
            return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{_option(name)} takes {'integers' if kind is int else 'numbers'}, "
                         f"got {value!r}") from None
    value = str(value).strip()
    if name in _CHOICES and value not in _CHOICES[name]:
        raise InputError(f"unknown {name} {value!r}; choose from {', '.join(_CHOICES[name])}")
    return value


def _check_grid(grid):
    rules = [("K", 1, "an integer >= 1"), ("M", 1, "an integer >= 1"), ("L", 1, "an integer >= 1"),
             ("seed", 0, "an integer >= 0")]
    for name, low, text in rules:
        if min(grid[name]) < low:
            raise InputError(f"{_option(name)} values must be {text}, "
                             f"got {min(grid[name])}")
    for name, positive in (("eta", True), ("eta_w", False), ("sigma", False), ("alpha_max", True)):
        for value in grid[name]:
            if not math.isfinite(value) or value < 0 or (positive and value == 0):
                raise InputError(f"{_option(name)} values must be finite and "
                                 f"{'> 0' if positive else '>= 0'}, got {value:g}")


def _check_int(value, option, low):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InputError(f"{option} must be an integer >= {low}, got {value}")


def definition_from_options(texts, **settings):
    """A ScanDefinition from the CLI's comma-separated strings ``texts`` {name: 'v1,v2' or None}.

    For the integer parameters (K, M, L, seed) a value 'a-b' stands for a, a+1, ..., b.
    """
    grid = {}
    for name, text in texts.items():
        if text is None:
            continue
        values = []
        for part in (part.strip() for part in str(text).split(",")):
            low, dash, high = part.partition("-")
            if dash and _TYPES[name] is int and low.isdigit() and high.isdigit():
                values += range(int(low), int(high) + 1)   # 'a-b': the integers a..b
            elif part:
                values.append(part)
        if not values:
            raise InputError(f"{_option(name)} needs at least one value")
        grid[name] = values
    return ScanDefinition(grid=grid, **settings)


# --- one point ------------------------------------------------------------------------
def point_key(point):
    """The grid coordinates of a point or row, a hashable tuple in GRID order."""
    return tuple(point[name] for name in GRID)


def run_point(point, settings, threads=1):
    """Run one grid point and measure its plateaus; never raises for a failing point.

    Parameters
    ----------
    point : dict               one value for every name in GRID
    settings : dict            :meth:`ScanDefinition.settings`
    threads : int              threads for the SGD seeds of this point

    Returns
    -------
    dict with every name in COLUMNS (None where a quantity does not exist)
    """
    from .builders import build_setup
    from .plateaus import trajectory_plateaus
    row = dict(point, **{name: None for name in RESULTS})
    start = time.perf_counter()
    try:
        setup = build_setup(K=point["K"], M=point["M"], L=point["L"], activation=point["activation"],
                            eta=point["eta"], eta_w=point["eta_w"], sigma=point["sigma"],
                            teacher=point["teacher"], init=point["init"], init_scale=settings["init_scale"],
                            seed=point["seed"], N=settings["init_N"])
        if settings["engine"] == "ode":
            from .ode import integrate
            trajectory = integrate(setup, point["alpha_max"], points=settings["record_points"])
        else:
            from .sgd import simulate
            trajectory = simulate(setup, settings["N"], point["alpha_max"], seeds=settings["sgd_seeds"],
                                  points=settings["record_points"], seed=point["seed"], workers=threads,
                                  progress=False, start="auto")
        row.update(status=trajectory.status, message=trajectory.message)
        if len(trajectory.alpha):
            row.update(final_alpha=float(trajectory.alpha[-1]), final_eps_g=float(trajectory.eps_g[-1]))
        if trajectory.status == "finished":
            row.update(_plateau_columns(trajectory_plateaus(trajectory, PlateauCriteria(**settings["criteria"]))))
    except Exception as exc:   # a failing point becomes a row, not the end of the scan
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
    row["wall_time"] = round(time.perf_counter() - start, 4)
    return row


def _plateau_columns(report):
    out = {"plateau_outcome": report.outcome, "n_plateaus": len(report.plateaus)}
    main = report.main_plateau
    if main is not None:
        out.update(plateau_level=main.level, plateau_onset=main.onset, plateau_end=main.end,
                   escape_alpha=main.escape_alpha,
                   plateau_length=main.escape_alpha - main.onset if main.escaped else None)
    return out


def warm_up(engine, activations):
    """Compile (or load from Numba's cache) the kernels a scan's points call, with tiny runs."""
    from .builders import build_setup
    from .ode import integrate
    for activation in activations:
        setup = build_setup(K=2, M=2, L=2, activation=activation, eta_w=0.1, N=8)
        integrate(setup, 0.1, points=2)
        if engine == "sgd":
            from .sgd import simulate
            simulate(setup, 8, 0.5, seeds=1, points=2, workers=1)


# --- the scan file ----------------------------------------------------------------------
def _format(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    # '#' would start a comment for readers such as pandas.read_csv(comment='#').
    return str(value).replace("#", "no.").replace("\n", " ")


def _parse(name, text):
    kind = _TYPES.get(name) or _RESULT_TYPES.get(name, float)
    if kind is str:
        return text if text or name in _TYPES else None
    if text == "":
        return None
    return kind(text)


def _row_line(row):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([_format(row.get(name)) for name in COLUMNS])
    return buffer.getvalue()


def read_scan(path):
    """Read a scan file: (ScanDefinition, rows as dicts in file order).

    A torn last line (a crash while it was written) is left out.  Raises
    InputError with a one-line message for a file that is not a scan file.
    """
    definition, rows, _ = _read(path)
    return definition, rows


def _read(path):
    """(definition, rows, byte length of the complete lines)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError(f"cannot read scan file {path}: {exc.strerror}") from None
    complete = data[:data.rfind(b"\n") + 1]
    text = complete.decode("utf-8", errors="replace")
    first, _, rest = text.partition("\n")
    if not first.startswith(HEADER_PREFIX):
        raise InputError(f"{path} is not a plateau scan file (its first line is not "
                         f"'{HEADER_PREFIX.strip()} {{...}}'); use another --out or remove it")
    try:
        definition = ScanDefinition.from_json(json.loads(first[len(HEADER_PREFIX):]))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: the scan definition on its first line is unreadable ({exc})") from None
    reader = csv.reader(io.StringIO(rest))
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise InputError(f"{path}: unexpected columns; it was not written by this version of plateau")
    rows = []
    for number, fields in enumerate(reader, start=3):
        if len(fields) != len(COLUMNS):
            raise InputError(f"{path}, line {number}: expected {len(COLUMNS)} fields, got {len(fields)}")
        try:
            rows.append({name: _parse(name, text) for name, text in zip(COLUMNS, fields)})
        except ValueError:
            raise InputError(f"{path}, line {number}: unreadable value") from None
    return definition, rows, len(complete)


class ScanFile:
    """The scan file of one definition, opened for appending (a context manager).

    Creates the file (definition line and header, atomically) when it does not
    exist; otherwise checks that it holds the same scan and drops a torn last
    line.  ``rows`` are the rows already in it.  While open, the file is locked
    (flock), so a second scan process on the same file is refused.
    """

    def __init__(self, path, definition):
        self.path = os.fspath(path)
        self.definition = definition
        if os.path.exists(self.path):
            existing, self.rows, length = _read(self.path)
            diff = definition.differences(existing)
            if diff:
                name = diff[0]
                mine, theirs = _describe(definition, name), _describe(existing, name)
                raise InputError(f"{self.path} holds another scan ({name} is {theirs} there, {mine} here); "
                                 "use another --out, or remove the file to start over")
        else:
            with atomic_output(self.path) as handle:
                handle.write(HEADER_PREFIX + json.dumps(definition.to_json(), separators=(",", ":")) + "\n")
                handle.write(_row_line({name: name for name in COLUMNS}))
            self.rows, length = [], None
        self._handle = open(self.path, "r+")
        try:
            _lock(self._handle, self.path)
            if length is not None:
                self._handle.truncate(length)
            self._handle.seek(0, os.SEEK_END)
        except BaseException:
            self._handle.close()
            raise

    def done(self):
        """The keys of the points already in the file."""
        return {point_key(row) for row in self.rows}

    def append(self, row):
        """Write one row as a whole line, flushed and fsynced."""
        self._handle.write(_row_line(row))
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.rows.append(row)

    def finish(self):
        """When every point is in the file, rewrite it once in grid order (atomically).

        Returns the number of grid points still missing.
        """
        by_key = {}
        for row in self.rows:
            by_key.setdefault(point_key(row), row)
        points = self.definition.points()
        missing = sum(point_key(p) not in by_key for p in points)
        ordered = [by_key[point_key(p)] for p in points if point_key(p) in by_key]
        if missing == 0 and ordered != self.rows:
            with atomic_output(self.path) as handle:
                handle.write(HEADER_PREFIX + json.dumps(self.definition.to_json(), separators=(",", ":")) + "\n")
                handle.write(_row_line({name: name for name in COLUMNS}))
                for row in ordered:
                    handle.write(_row_line(row))
            self.rows = ordered
        return missing

    def close(self):
        if not self._handle.closed:
            self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _describe(definition, name):
    if name in GRID:
        values = sorted(definition.grid[name])
        return ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)
    return json.dumps(definition.settings()[name])


def _lock(handle, path):
    try:
        import fcntl
    except ImportError:   # not POSIX: no lock
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise InputError(f"{path} is being written by another running scan") from None


# --- running a scan -------------------------------------------------------------------------
@dataclass
class ScanResult:
    """What :func:`run_scan` did: points in the grid, already in the file, run now, by status."""
    total: int
    skipped: int
    ran: int
    missing: int
    statuses: dict
    wall_time: float

    @property
    def message(self):
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.statuses.items()))
        text = (f"{self.total} points ({self.skipped} already in the file, {self.ran} run"
                f"{', ' + str(self.missing) + ' missing' if self.missing else ''})")
        return f"{text}: {counts or 'nothing to do'}; {self.wall_time:.1f} s"


def run_scan(definition, path, executor=None, progress=False):
    """Run the points of ``definition`` that ``path`` does not hold yet, appending a row for each.

    Parameters
    ----------
    definition : ScanDefinition
    path : str                 the scan file (created when missing; refused when it holds another scan)
    executor : executor, optional   see plateau.executors (default: a process pool on all CPUs);
                               it is used, not closed
    progress : bool            show a tqdm bar of points on stderr

    Returns
    -------
    ScanResult (statuses count the rows of the whole file)
    """
    from .executors import ProcessExecutor, SerialExecutor, cpu_count
    begin = time.perf_counter()
    with ScanFile(path, definition) as store:
        done = store.done()
        todo = [p for p in definition.points() if point_key(p) not in done]
        total = len(definition.points())
        if todo:
            if executor is None:
                with (ProcessExecutor() if cpu_count() > 1 else SerialExecutor()) as own:
                    _run_points(definition, todo, total, store, own, progress)
            else:
                _run_points(definition, todo, total, store, executor, progress)
        missing = store.finish()
        statuses = {}
        for row in store.rows:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    return ScanResult(total=total, skipped=total - len(todo), ran=len(todo), missing=missing,
                      statuses=statuses, wall_time=time.perf_counter() - begin)


def _run_points(definition, todo, total, store, executor, progress):
    from .executors import ProcessExecutor, SerialExecutor, cpu_count
    # SGD seeds of a point run in threads: share the CPUs among the pool's processes.
    if isinstance(executor, SerialExecutor):
        threads = cpu_count()
    elif isinstance(executor, ProcessExecutor):
        threads = max(1, cpu_count() // executor.workers)
    else:
        threads = 1
    settings = definition.settings()
    executor.warm_up(warm_up, definition.engine, definition.grid["activation"])
    futures = [executor.submit(run_point, point, settings, threads) for point in todo]
    bar = _progress_bar(total, total - len(todo), progress)
    try:
        for future in executor.as_completed(futures):
            store.append(future.result())
            bar.update(1)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    finally:
        bar.close()


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress_bar(total, initial, enabled):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit="point", desc="scan", leave=False, dynamic_ncols=True)


# --- summaries for figures -----------------------------------------------------------------
@dataclass
class ScanSeries:
    """One line of a scan figure: y over the seeds at each x, for one combination of the other
    varied parameters.

    x (n,); for y: mean, low, high (min and max over the seeds that have a value; NaN where
    none has), count (seeds with a value); no_plateau, on_plateau (seeds whose run finished with
    no plateau / still on the plateau, and have no value), stopped (seeds whose run did not
    finish), finished (seeds whose run finished) and with_plateau (finished seeds with a plateau).
    """
    label: str
    params: dict
    x: list
    mean: list
    low: list
    high: list
    count: list
    no_plateau: list
    on_plateau: list
    stopped: list
    finished: list
    with_plateau: list


def scan_series(definition, rows, x="L", y="escape_alpha"):
    """Group a scan's rows into lines of y against x (see :class:`ScanSeries`).

    Lines are the combinations of the varied grid parameters other than x and
    seed; values at each x are pooled over seeds.
    """
    if x not in GRID:
        raise InputError(f"--x must be a grid parameter: {', '.join(GRID)}")
    if y not in NUMERIC_RESULTS:
        raise InputError(f"--y must be a numeric result column: {', '.join(NUMERIC_RESULTS)}")
    group_names = [name for name in definition.varied() if name not in (x, "seed")]
    xs = list(definition.grid[x])
    if _TYPES[x] is not str:
        xs = sorted(xs)
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[name] for name in group_names), []).append(row)
    series = []
    for combo in itertools.product(*(definition.grid[name] for name in group_names)):
        members = groups.get(combo, [])
        columns = {k: [] for k in ("mean", "low", "high", "count", "no_plateau", "on_plateau", "stopped",
                                    "finished", "with_plateau")}
        for xv in xs:
            here = [row for row in members if row[x] == xv]
            values = [row[y] for row in here if row[y] is not None]
            finished = [row for row in here if row["status"] == "finished"]
            missing = [row for row in finished if row[y] is None]
            columns["mean"].append(sum(values) / len(values) if values else math.nan)
            columns["low"].append(min(values) if values else math.nan)
            columns["high"].append(max(values) if values else math.nan)
            columns["count"].append(len(values))
            columns["no_plateau"].append(sum(r["plateau_outcome"] == "no_plateau" for r in missing))
            columns["on_plateau"].append(sum(r["plateau_outcome"] == "on_plateau_at_end" for r in missing))
            columns["stopped"].append(len(here) - len(finished))
            columns["finished"].append(len(finished))
            columns["with_plateau"].append(sum(r["plateau_outcome"] in ("escaped", "on_plateau_at_end")
                                               for r in finished))
        label = ", ".join(f"{name}={_show(value)}" for name, value in zip(group_names, combo)) or y
        series.append(ScanSeries(label=label, params=dict(zip(group_names, combo)), x=xs, **columns))
    return series


def scan_title(definition, x):
    """A one-line description of what the scan fixed: engine, single-valued parameters, seeds."""
    fixed = [f"{name}={_show(definition.grid[name][0])}" for name in GRID
             if len(definition.grid[name]) == 1 and name not in (x, "seed")]
    seeds = definition.grid["seed"]
    engine = "ODE" if definition.engine == "ode" else f"SGD N={definition.N} ({definition.sgd_seeds} runs)"
    return f"{engine}, {' '.join(fixed)}; {len(seeds)} seed{'s' if len(seeds) > 1 else ''}"


def _show(value):
    return f"{value:g}" if isinstance(value, float) else str(value)
