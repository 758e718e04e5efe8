"""What a scan computes: the grid, the settings every point shares, the columns of a row.

A scan (:class:`ScanDefinition`) is the Cartesian product of value lists for the
grid parameters :data:`GRID` (K, M, L, teacher, init, activation, algorithm,
damping, eta, eta_w, sigma, alpha_max, seed) together with settings shared by every point (engine
'ode' or 'sgd', init_scale, init_N, the recorded log grid, for SGD N and the
number of SGD runs averaged per point, and the plateau criteria).  Each point
gives one row (:func:`plateau.scan.runner.run_point`) of the grid values and
the results :data:`RESULTS`.

The learning rule is ``algorithm`` ('gd' or 'ngd', :mod:`plateau.natural`) and
``damping``, the NGD damping eps >= 0, which applies to ngd points only: a gd
point has an empty damping (None) and is run once, however many damping values
the grid has (:meth:`ScanDefinition.points` drops the repeats).  A grid with
ngd needs at least one damping value; damping values without ngd are refused.
The damping list may be empty (the default).  Files written before these two
columns existed read as algorithm 'gd', damping None.

Results:

========================  =====================================================
``status``                'finished', 'diverged', 'failed' (the run stopped
                          early) or 'error' (the point raised; see ``message``)
``plateau_outcome``       'escaped' (left its last plateau), 'trapped' (ends near a
                          fixed point with no unstable direction), 'on_plateau_at_end'
                          (still near a saddle, or undecided), 'no_plateau' (MODEL.md)
``final_classification``  for runs ending on a plateau, the class of the fixed point
                          at the final state: 'saddle', 'trap', 'undecided', or 'far'
                          (none near); empty otherwise (:mod:`plateau.outcomes`)
``n_plateaus``            number of plateaus detected (the length of the cascade)
``plateau_level``         eps_g on the main (longest) plateau
``plateau_onset``, ``plateau_end``   first and last alpha of the main plateau's flat run
``escape_alpha``          first alpha after it with eps_g < escape_fraction x level
``plateau_length``        escape_alpha - plateau_onset (escaped plateaus only)
``fisher_min``            smallest bulk eigenvalue of the scaled Fisher metric on the
                          main plateau (:mod:`plateau.fisher`): its degeneracy
``alpha_to_target``       first alpha at which eps_g <= TARGET_EPS_G = 1e-3, log-log
                          interpolated (:func:`plateau.plateaus.alpha_to_reach`);
                          empty if never reached by alpha_max
``final_alpha``, ``final_eps_g``     the last recorded time and its eps_g
``wall_time``             seconds spent on the point
``message``               the run's message
========================  =====================================================

Plateau columns are empty (None) when there is no such quantity (no plateau,
not escaped) and for runs that did not finish.
"""
import itertools
import json
import math
import warnings
from dataclasses import dataclass, field

from ..choices import ACTIVATIONS, ALGORITHM, ALGORITHMS, ENGINES, INITS, POINTS, SCAN_DEFAULTS, SGD_N, SGD_RUNS
from ..errors import InputError
from ..plateaus import PlateauCriteria

#: Version of the JSON form (:meth:`ScanDefinition.to_json`), checked on reading.
FORMAT_VERSION = 1

GRID = ("K", "M", "L", "teacher", "init", "activation", "algorithm", "damping", "eta", "eta_w", "sigma",
        "alpha_max", "seed")
#: The type of each grid parameter's values.
GRID_TYPES = {"K": int, "M": int, "L": int, "teacher": str, "init": str, "activation": str, "algorithm": str,
              "damping": float, "eta": float, "eta_w": float, "sigma": float, "alpha_max": float, "seed": int}
#: Grid columns added since the first scan files, and their value in files that lack them.
GRID_ADDED = {"algorithm": ALGORITHM, "damping": None}
#: What the file's JSON says about the damping (it is not a setting: differences() ignores it).
DAMPING_NOTE = "damping applies to algorithm ngd only: gd rows leave it empty and are run once"
RESULTS = ("status", "plateau_outcome", "final_classification", "n_plateaus", "plateau_level", "plateau_onset", "plateau_end",
           "escape_alpha", "plateau_length", "fisher_min", "alpha_to_target", "final_alpha", "final_eps_g",
           "wall_time", "message")
#: The type of each result column that is not a float.
RESULT_TYPES = {"status": str, "plateau_outcome": str, "final_classification": str, "message": str,
                "n_plateaus": int}
COLUMNS = GRID + RESULTS
NUMERIC_RESULTS = tuple(name for name in RESULTS if RESULT_TYPES.get(name, float) is not str)

DEFAULT_GRID = {**{name: (SCAN_DEFAULTS[name],) for name in GRID if name in SCAN_DEFAULTS},
                "algorithm": (ALGORITHM,), "damping": ()}
_CHOICES = {"init": INITS, "activation": ACTIVATIONS, "algorithm": ALGORITHMS}   # teachers: builders.parse_teacher
# The JSON form keeps the name the setting had before the rename, so that scan files written
# then are still read and resumed: format 1 stores sgd_runs as "sgd_seeds".
_JSON_NAMES = {"sgd_runs": "sgd_seeds"}


@dataclass(frozen=True, init=False)
class ScanDefinition:
    """What a scan computes: the grid and the settings every point shares.

    Parameters
    ----------
    grid : dict name -> value or sequence of values, for names in GRID; missing names take
           DEFAULT_GRID (alpha_max has no default).  Stored as tuples of unique values in order.
    engine : 'ode' or 'sgd'
    init_scale : float > 0        scale s of the student's initial weights
    init_N : int                  dimension in which build_setup draws the student's start
    record_points : int >= 2      size of the recorded log grid of alpha (plateau.ode.output_grid)
    N : int or None               SGD input dimension (engine 'sgd' only; default SGD_N)
    sgd_runs : int or None        independent SGD runs averaged per point (engine 'sgd' only;
                                  default SGD_RUNS)
    criteria : PlateauCriteria or dict, optional   the plateau definition (default: its defaults)
    sgd_seeds : int, optional     deprecated name of ``sgd_runs``

    Raises InputError, naming the CLI option, for any value out of range.
    """
    grid: dict
    engine: str = "ode"
    init_scale: float = SCAN_DEFAULTS["init_scale"]
    init_N: int = SCAN_DEFAULTS["init_N"]
    record_points: int = POINTS
    N: int = None
    sgd_runs: int = None
    criteria: PlateauCriteria = field(default_factory=PlateauCriteria)

    def __init__(self, grid, engine="ode", init_scale=SCAN_DEFAULTS["init_scale"], init_N=SCAN_DEFAULTS["init_N"],
                 record_points=POINTS, N=None, sgd_runs=None, criteria=None, *, sgd_seeds=None):
        if sgd_seeds is not None:
            warnings.warn("ScanDefinition(sgd_seeds=...) is deprecated; use sgd_runs", DeprecationWarning,
                          stacklevel=2)
            if sgd_runs is not None and sgd_runs != sgd_seeds:
                raise InputError("sgd_runs and its old name sgd_seeds disagree; give sgd_runs only")
            sgd_runs = sgd_seeds
        if engine == "sgd":   # SGD points run at the SGD defaults unless told otherwise
            N = SGD_N if N is None else N
            sgd_runs = SGD_RUNS if sgd_runs is None else sgd_runs
        if criteria is None:
            criteria = PlateauCriteria()
        elif not isinstance(criteria, PlateauCriteria):
            criteria = PlateauCriteria(**dict(criteria))
        values = dict(grid=_checked_grid(grid), engine=engine, init_scale=init_scale, init_N=init_N,
                      record_points=record_points, N=N, sgd_runs=sgd_runs, criteria=criteria)
        for name, value in values.items():
            object.__setattr__(self, name, value)
        self._check_settings()

    def _check_settings(self):
        grid = self.grid
        if self.engine not in ENGINES:
            raise InputError(f"unknown engine {self.engine!r}; choose one of {', '.join(ENGINES)}")
        if not (self.init_scale > 0 and math.isfinite(self.init_scale)):
            raise InputError(f"--init-scale must be a positive number, got {self.init_scale}")
        _check_int(self.init_N, "--init-N", max(max(grid["K"]), max(grid["M"])))
        _check_int(self.record_points, "--points", 2)
        if self.engine == "sgd":
            _check_int(self.N, "--N", max(grid["K"]) + max(grid["M"]))
            _check_int(self.sgd_runs, "--sgd-runs", 1)
        elif self.N is not None or self.sgd_runs is not None:
            raise InputError("--N and --sgd-runs need --sgd")

    @property
    def sgd_seeds(self):
        """Deprecated name of :attr:`sgd_runs`."""
        warnings.warn("ScanDefinition.sgd_seeds is deprecated; use sgd_runs", DeprecationWarning, stacklevel=2)
        return self.sgd_runs

    # --- grid ---------------------------------------------------------------------
    def points(self):
        """Every grid point as a dict {name: value}, in grid order (the last name varies fastest).

        A gd point has damping None and comes once, where its first damping value would put it.
        """
        lists = [self.grid[n] if n != "damping" else self.grid[n] or (None,) for n in GRID]
        unique = {}
        for values in itertools.product(*lists):
            point = dict(zip(GRID, values))
            if point["algorithm"] != "ngd":
                point["damping"] = None
            unique.setdefault(point_key(point), point)
        return list(unique.values())

    def combinations(self, names, where=None):
        """The distinct tuples of the values of ``names`` over the points (those for which
        ``where(point)`` is true, if given), in grid order: e.g. (gd, None), (ngd, 0.01), ..."""
        return list(dict.fromkeys(tuple(p[n] for n in names) for p in self.points() if where is None or where(p)))

    def varied(self):
        """Names of the grid parameters with more than one value."""
        return [name for name in GRID if len(self.grid[name]) > 1]

    def settings(self):
        """The shared settings that a point needs (a small picklable dict)."""
        return {"engine": self.engine, "init_scale": self.init_scale, "init_N": self.init_N,
                "record_points": self.record_points, "N": self.N, "sgd_runs": self.sgd_runs,
                "criteria": self.criteria.__dict__.copy()}

    # --- comparison -------------------------------------------------------------------
    def differences(self, other):
        """Names of what differs from ``other`` (the order of a grid's values does not count)."""
        diff = [name for name in GRID if sorted(self.grid[name]) != sorted(other.grid[name])]
        mine, theirs = self.settings(), other.settings()
        return diff + [name for name in mine if mine[name] != theirs[name]]

    def describe(self, name):
        """The values of a grid parameter (sorted, comma-separated) or a setting (JSON), as text."""
        if name in GRID:
            return ",".join(show_value(v) for v in sorted(self.grid[name])) or "none"
        return json.dumps(self.settings()[name])

    # --- JSON form --------------------------------------------------------------------
    def to_json(self):
        """A JSON-able dict: format version, grid lists, settings, the writing plateau's version."""
        from .. import __version__
        settings = {_JSON_NAMES.get(name, name): value for name, value in self.settings().items()}
        return {"format": FORMAT_VERSION, "grid": {name: list(self.grid[name]) for name in GRID},
                "grid_notes": {"damping": DAMPING_NOTE}, **settings, "plateau_version": __version__}

    @classmethod
    def from_json(cls, data):
        """The definition of :meth:`to_json`'s dict (either name of the SGD run count is read)."""
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise InputError(f"unsupported scan format {data.get('format') if isinstance(data, dict) else data!r}")
        runs = data["sgd_runs"] if "sgd_runs" in data else data["sgd_seeds"]
        return cls(grid=data["grid"], engine=data["engine"], init_scale=data["init_scale"],
                   init_N=data["init_N"], record_points=data["record_points"], N=data["N"],
                   sgd_runs=runs, criteria=PlateauCriteria(**data["criteria"]))


def point_key(point):
    """The grid coordinates of a point or row, a hashable tuple in GRID order."""
    return tuple(point[name] for name in GRID)


def show_value(value):
    """A grid value as text: floats in %g form."""
    return f"{value:g}" if isinstance(value, float) else str(value)


# --- validation ---------------------------------------------------------------------------
def _option(name):
    """The CLI option of a grid parameter."""
    return "--seeds" if name == "seed" else "--" + name.replace("_", "-")


def _checked_grid(given):
    """{name: tuple of unique converted values} for every name in GRID, checked."""
    grid = {}
    for name in GRID:
        values = given.get(name, DEFAULT_GRID.get(name))
        if values is None:
            raise InputError(f"the scan needs {_option(name)}")
        if isinstance(values, (str, int, float)):
            values = [values]
        grid[name] = tuple(dict.fromkeys(_convert(name, v) for v in values))   # unique, in order
        if not grid[name] and name != "damping":
            raise InputError(f"{_option(name)} needs at least one value")
    unknown = set(given) - set(GRID)
    if unknown:
        raise InputError(f"unknown grid parameters {', '.join(sorted(unknown))}")
    _check_ranges(grid)
    return grid


def _convert(name, value):
    kind = GRID_TYPES[name]
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
    if name == "teacher":
        from ..builders import parse_teacher
        return parse_teacher(value)
    if name in _CHOICES and value not in _CHOICES[name]:
        raise InputError(f"unknown {name} {value!r}; choose from {', '.join(_CHOICES[name])}")
    return value


def _check_ranges(grid):
    rules = [("K", 1, "an integer >= 1"), ("M", 1, "an integer >= 1"), ("L", 1, "an integer >= 1"),
             ("seed", 0, "an integer >= 0")]
    for name, low, text in rules:
        if min(grid[name]) < low:
            raise InputError(f"{_option(name)} values must be {text}, "
                             f"got {min(grid[name])}")
    if "ngd" in grid["algorithm"] and not grid["damping"]:
        raise InputError("--algorithm ngd needs --damping (one or more values eps >= 0)")
    if grid["damping"] and "ngd" not in grid["algorithm"]:
        raise InputError("--damping applies to the natural gradient only: add ngd to --algorithm, "
                         "or leave out --damping")
    for name, positive in (("damping", False), ("eta", True), ("eta_w", False), ("sigma", False),
                           ("alpha_max", True)):
        for value in grid[name]:
            if not math.isfinite(value) or value < 0 or (positive and value == 0):
                raise InputError(f"{_option(name)} values must be finite and "
                                 f"{'> 0' if positive else '>= 0'}, got {value:g}")


def _check_int(value, option, low):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InputError(f"{option} must be an integer >= {low}, got {value}")
