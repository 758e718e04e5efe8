"""Commands over many runs: ``scan`` and ``plot-scan``."""
import sys

import click

from ..choices import ACTIVATIONS, ALGORITHM, ALGORITHMS, INITS, POINTS, SCAN_DEFAULTS, SGD_N, SGD_RUNS, TEACHERS
from .app import Failure, cli
from .options import parse_list, plateau_options, pop_criteria, yes_option
from .output import check_paths, save_figure

S = SCAN_DEFAULTS
# Grid options: (name, option, integers, help)
_GRID_OPTIONS = [
    ("K", "--K", True, f"Student hidden units [{S['K']}]."),
    ("M", "--M", True, f"Teacher hidden units [{S['M']}]."),
    ("L", "--L", True, f"Output units [{S['L']}]."),
    ("teacher", "--teacher", False, f"Teacher second layers: {','.join(TEACHERS)} or angle:DEG "
                                    f"(e.g. angle:0,angle:30,angle:90) [{S['teacher']}]."),
    ("init", "--init", False, f"Student starts: {','.join(INITS)} [{S['init']}]."),
    ("activation", "--activation", False, f"Activations: {','.join(ACTIVATIONS)} [{S['activation']}]."),
    ("algorithm", "--algorithm", False, f"Learning rules: {','.join(ALGORITHMS)} [{ALGORITHM}]."),
    ("damping", "--damping", False, "NGD dampings eps >= 0 (required with ngd; gd points ignore them and run once)."),
    ("eta", "--eta", False, f"First-layer learning rates [{S['eta']}]."),
    ("eta_w", "--eta-w", False, f"Second-layer learning rates [{S['eta_w']}: trained, unlike other commands]."),
    ("sigma", "--sigma", False, f"Output noise standard deviations [{S['sigma']:g}]."),
    ("seed", "--seeds", True, f"Seeds of the random draws, a list (a-b: a range), one point each [{S['seed']}]."),
    ("alpha_max", "--alpha-max", False, "Integrate (simulate) to these alpha = t/N."),
]


def scan_grid_options(func):
    """Grid options of ``scan``: comma-separated values, every combination is a point."""
    for name, option, _, text in reversed(_GRID_OPTIONS):
        func = click.option(option, name, required=name == "alpha_max", help=text)(func)
    return func


def grid_from_options(options, force=False):
    """{name: list of values} for the grid options given (a-b ranges expanded for integers; a range
    longer than plateau.limits.MAX_GRID_POINTS is refused before it is expanded, unless ``force``)."""
    from ..limits import MAX_GRID_POINTS
    grid = {}
    for name, option, integers, _ in _GRID_OPTIONS:
        text = options.pop(name)
        if text is not None:
            grid[name] = parse_list(text, option, integers, limit=None if force else MAX_GRID_POINTS)
    seeds = grid.get("seed")
    if seeds is not None and len(seeds) == 1 and str(seeds[0]).isdigit() and int(seeds[0]) > 1:
        click.echo(f"Note: --seeds {seeds[0]} runs the one seed {seeds[0]}; for {seeds[0]} seeds write "
                   f"--seeds 0-{int(seeds[0]) - 1}.", err=True)
    return grid


def _deprecated_sgd_seeds(ctx, param, value):
    if value is not None:
        click.echo("Note: --sgd-seeds is deprecated; use --sgd-runs.", err=True)
    return value


@cli.command()
@scan_grid_options
@click.option("--init-scale", "init_scale", type=float, default=S["init_scale"], show_default=True,
              help="Scale of the student's initial weights.")
@click.option("--init-N", "init_N", type=int, default=S["init_N"], show_default=True,
              help="Input dimension in which the student's start is drawn.")
@click.option("--points", type=int, default=POINTS, show_default=True, help="Size of the recorded log grid of alpha.")
@click.option("--sgd", is_flag=True, help="Simulate SGD instead of integrating the ODEs.")
@click.option("--N", "N", type=int, help=f"SGD input dimension [{SGD_N}].")
@click.option("--sgd-runs", "sgd_runs", type=int, help=f"Independent SGD runs averaged per point [{SGD_RUNS}].")
@click.option("--sgd-seeds", "sgd_seeds_old", type=int, hidden=True, callback=_deprecated_sgd_seeds)
@plateau_options
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Scan file (CSV); an existing one of the same scan is resumed.")
@click.option("--workers", type=int, help="Worker processes (or Dask workers of --scheduler local) [all CPUs].")
@click.option("--scheduler", help="Run on this Dask scheduler (tcp://host:port), or 'local' for a LocalCluster.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--repair", is_flag=True, help="Drop unreadable lines at the end of --out (left by a crash) and resume.")
@yes_option
def scan(init_scale, init_N, points, sgd, N, sgd_runs, sgd_seeds_old, out, workers, scheduler, quiet, repair, force,
         **options):
    """Measure plateaus over a grid: every combination of the comma-separated values (a-b: a range
    of integers) is a point with one row in --out, written as it finishes; rerun to resume."""
    from ..scan import ScanDefinition, make_executor, run_scan
    check_paths(out)
    criteria = pop_criteria(options)
    runs = sgd_runs if sgd_runs is not None else sgd_seeds_old
    definition = ScanDefinition(grid=grid_from_options(options, force), engine="sgd" if sgd else "ode",
                                init_scale=init_scale, init_N=init_N, record_points=points, N=N,
                                sgd_runs=runs, criteria=criteria)
    check_scan_limits(definition, workers, force)
    try:
        with make_executor(workers, scheduler) as executor:
            result = run_scan(definition, out, executor, progress=not quiet and sys.stderr.isatty(), repair=repair)
    except Exception as exc:
        lost = lost_workers(exc)
        if lost is None:
            raise
        raise Failure(f"{lost}; the finished rows are kept in {out}: rerun to resume") from None
    click.echo(f"{out}: {result.message}")
    errors = result.statuses.get("error", 0)
    if errors:
        raise Failure(f"{errors} point{'s' if errors > 1 else ''} raised an error (see the message column of {out})")


def lost_workers(exc):
    """A one-line description when ``exc`` says the scan lost its workers or its Dask scheduler
    (a connection closed, a cancelled future, a broken process pool), else None."""
    from concurrent.futures import BrokenExecutor, CancelledError
    kind = type(exc)
    if isinstance(exc, BrokenExecutor):
        return f"a worker process died ({exc})"
    if kind.__module__.split(".")[0] in ("distributed", "tornado") or isinstance(exc, (CancelledError, TimeoutError)):
        text = " ".join(str(exc).split())
        return f"lost the Dask scheduler or its workers ({kind.__name__}: {text[:200]})"
    return None


def check_scan_limits(definition, workers, force):
    """The resource limits (plateau.limits) of a scan: its size, its largest point and its memory."""
    import math
    from ..limits import (check_grid, check_memory, check_points, check_rhs_cost, draw_bytes, model_bytes,
                          sgd_bytes)
    from ..resources import cpu_count
    grid = definition.grid
    check_grid(math.prod(max(1, len(values)) for values in grid.values()), force)   # damping may be empty
    check_points(definition.record_points, force)
    K, M, L = max(grid["K"]), max(grid["M"]), max(grid["L"])
    if definition.engine == "ode":
        for activation in grid["activation"]:
            check_rhs_cost(K, M, activation, force)
    at_once = workers or cpu_count()
    point = max(draw_bytes(K, M, definition.init_N), model_bytes(K, M, L, definition.record_points + 1))
    if definition.engine == "sgd":
        point = max(point, sgd_bytes(K, M, L, definition.N, definition.sgd_runs, 1, definition.record_points + 1))
    check_memory(at_once * point, f"{at_once} scan points at once (K = {K}, M = {M}, L = {L})", force)


@cli.command("plot-scan")
@click.argument("scan_file", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Figure file (png, pdf, svg).")
@click.option("--x", "x", default="L", show_default=True, help="Grid parameter on the x axis.")
@click.option("--y", "y", default="escape_alpha", show_default=True, help="Result column on the y axis.")
def plot_scan(scan_file, out, x, y):
    """Plot a scan: y against x (mean and min-max over seeds), the plateau level, and the
    fraction of seeds with a plateau; one line per combination of the other varied parameters.
    A scan comparing learning rules (varying --algorithm or --damping, and else only x and the
    seeds) gets the NGD figure instead: median y against x, GD beside NGD per damping, trapped
    runs marked, and the best per damping."""
    from ..plotting import ngd_scan_figure, scan_figure
    from ..scan import compares_algorithms, read_scan, scan_series, scan_title
    from ..files import check_outputs
    check_outputs(figures=[("--out", out)], inputs=[("SCAN_FILE", scan_file)])
    definition, rows = read_scan(scan_file)
    series = scan_series(definition, rows, x, y)
    if compares_algorithms(definition, x):
        save_figure(ngd_scan_figure(definition, rows, x, y), out)
        return
    levels = scan_series(definition, rows, x, "plateau_level")
    save_figure(scan_figure(series, levels, x, y, title=scan_title(definition, x)), out)
