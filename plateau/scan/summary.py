"""A scan's rows summarised for figures: lines of a result against a grid parameter."""
import math
import statistics
from dataclasses import dataclass

from ..errors import InputError
from .definition import GRID, GRID_TYPES, NUMERIC_RESULTS, show_value

#: Plateau outcomes of a run that never left its plateau.
STUCK_OUTCOMES = ("on_plateau_at_end", "trapped")


@dataclass
class ScanSeries:
    """One line of a scan figure: y over the seeds at each x, for one combination of the other
    varied parameters.

    x (n,); for y: mean, median, low, high (over the seeds that have a value; NaN where
    none has), count (seeds with a value); no_plateau, on_plateau (seeds whose run finished with
    no plateau / still on the plateau or trapped (:data:`STUCK_OUTCOMES`), and have no value), stopped
    (seeds whose run did not finish), finished (seeds whose run finished), with_plateau (finished seeds
    with a plateau) and trapped (finished seeds whose outcome is 'trapped'); all lists of length n.
    """
    label: str
    params: dict
    x: list
    mean: list
    median: list
    low: list
    high: list
    count: list
    no_plateau: list
    on_plateau: list
    stopped: list
    finished: list
    with_plateau: list
    trapped: list


def scan_series(definition, rows, x="L", y="escape_alpha"):
    """Group a scan's rows into lines of y against x (see :class:`ScanSeries`).

    Lines are the combinations of the varied grid parameters other than x and
    seed that occur among the scan's points with a value of x (gd points have no
    damping: one gd line, and none against x = damping); values at each x are
    pooled over seeds.

    Parameters
    ----------
    definition : ScanDefinition
    rows : list of dict        rows of the scan file (:func:`plateau.scan.read_scan`)
    x : str                    a grid parameter; its values sorted unless they are strings
    y : str                    a numeric result column

    Returns
    -------
    list of ScanSeries, one per combination, in grid order
    """
    if x not in GRID:
        raise InputError(f"--x must be a grid parameter: {', '.join(GRID)}")
    if y not in NUMERIC_RESULTS:
        raise InputError(f"--y must be a numeric result column: {', '.join(NUMERIC_RESULTS)}")
    group_names = [name for name in definition.varied() if name not in (x, "seed")]
    xs = list(definition.grid[x])
    if GRID_TYPES[x] is not str:
        xs = sorted(xs)
    groups = {}
    for row in rows:
        groups.setdefault(tuple(row[name] for name in group_names), []).append(row)
    series = []
    for combo in definition.combinations(group_names, where=lambda point: point[x] is not None):
        members = groups.get(combo, [])
        columns = {k: [] for k in ("mean", "median", "low", "high", "count", "no_plateau", "on_plateau", "stopped",
                                    "finished", "with_plateau", "trapped")}
        for xv in xs:
            here = [row for row in members if row[x] == xv]
            values = [row[y] for row in here if row[y] is not None]
            finished = [row for row in here if row["status"] == "finished"]
            missing = [row for row in finished if row[y] is None]
            columns["mean"].append(sum(values) / len(values) if values else math.nan)
            columns["median"].append(statistics.median(values) if values else math.nan)
            columns["low"].append(min(values) if values else math.nan)
            columns["high"].append(max(values) if values else math.nan)
            columns["count"].append(len(values))
            columns["no_plateau"].append(sum(r["plateau_outcome"] == "no_plateau" for r in missing))
            columns["on_plateau"].append(sum(r["plateau_outcome"] in STUCK_OUTCOMES for r in missing))
            columns["stopped"].append(len(here) - len(finished))
            columns["finished"].append(len(finished))
            columns["with_plateau"].append(sum(r["plateau_outcome"] in ("escaped",) + STUCK_OUTCOMES
                                               for r in finished))
            columns["trapped"].append(sum(r["plateau_outcome"] == "trapped" for r in finished))
        label = ", ".join(f"{name}={show_value(value)}" for name, value in zip(group_names, combo)
                          if value is not None) or y
        series.append(ScanSeries(label=label, params=dict(zip(group_names, combo)), x=xs, **columns))
    return series


def compares_algorithms(definition, x):
    """True when a scan compares learning rules along x: it varies algorithm or damping, x is another
    numeric grid parameter, and nothing else but the seed varies (the figure of
    :func:`plateau.plotting.ngd_scan_figure`)."""
    varied = set(definition.varied())
    return (bool(varied & {"algorithm", "damping"}) and x in GRID and x not in ("algorithm", "damping", "seed")
            and GRID_TYPES[x] is not str and varied <= {"algorithm", "damping", "seed", x})


def scan_title(definition, x):
    """A one-line description of what the scan fixed: engine, single-valued parameters, seeds."""
    grid = definition.grid
    fixed = [f"{name}={show_value(grid[name][0])}" for name in GRID
             if len(grid[name]) == 1 and name not in (x, "seed") and grid[name] != ("gd",)]
    if len(grid["algorithm"]) > 1 and len(grid["damping"]) == 1 and x != "damping":
        fixed = [f"{text} (ngd)" if text.startswith("damping=") else text for text in fixed]
    seeds = definition.grid["seed"]
    engine = "ODE" if definition.engine == "ode" else f"SGD N={definition.N} ({definition.sgd_runs} runs)"
    return f"{engine}, {' '.join(fixed)}; {len(seeds)} seed{'s' if len(seeds) > 1 else ''}"
