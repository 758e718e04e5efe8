"""The ``plateau`` command line: parse options, build a setup, call the package, write, plot.

Errors in the user's input print one line ``Error: ...`` on stderr and exit with
status 2; a run that diverges or fails writes what it computed, says so, and
exits with status 1.
"""
import json
import sys
import time

import click

from plateau.ode import METHODS


class Failure(Exception):
    """A run that ended without finishing (diverged or failed): exit status 1."""


# --- shared options ------------------------------------------------------------
def model_options(func):
    """Options that describe a model run; all default to None so that given ones can be told apart."""
    options = [
        click.option("--setup", "setup_file", type=click.Path(dir_okay=False),
                     help="Setup file (JSON, MODEL.md); options below override its scalars."),
        click.option("--K", "K", type=int, help="Student hidden units [2]."),
        click.option("--M", "M", type=int, help="Teacher hidden units [2]."),
        click.option("--L", "L", type=int, help="Output units [1]."),
        click.option("--activation", type=click.Choice(["erf", "relu", "linear"]), help="Hidden activation [erf]."),
        click.option("--eta", type=float, help="First-layer learning rate [0.1]."),
        click.option("--eta-w", "eta_w", type=float, help="Second-layer learning rate; 0 freezes it [0]."),
        click.option("--sigma", type=float, help="Output noise standard deviation [0]."),
        click.option("--teacher", type=click.Choice(["degenerate", "orthogonal", "random"]),
                     help="Teacher second layer [degenerate]."),
        click.option("--init", type=click.Choice(["random", "orthogonal"]), help="Student start [random]."),
        click.option("--init-scale", "init_scale", type=float, help="Scale of the student's initial weights [0.5]."),
        click.option("--seed", type=int, help="Seed of the random draws (teacher, student start) [0]."),
        click.option("--init-N", "init_N", type=int,
                     help="Input dimension in which the student's start is drawn [1000]."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def plateau_options(func):
    """Options of the plateau definition (plateau.plateaus.PlateauCriteria)."""
    options = [
        click.option("--flatness", type=float, default=0.1, show_default=True,
                     help="A point is flat when |d ln eps_g / d ln alpha| <= this."),
        click.option("--min-span", "min_span", type=float, default=2.0, show_default=True,
                     help="A plateau spans at least this factor in alpha."),
        click.option("--min-drop", "min_drop", type=float, default=0.25, show_default=True,
                     help="A plateau lies below (1 - this) x the initial eps_g."),
        click.option("--escape-fraction", "escape_fraction", type=float, default=0.5, show_default=True,
                     help="Escape: eps_g falls below this x the plateau level."),
        click.option("--window", type=float, default=0.1, show_default=True,
                     help="Half-width of the log-log smoothing window, in decades of alpha."),
        click.option("--min-level", "min_level", type=float, default=1e-8, show_default=True,
                     help="Flat stretches below this eps_g are a finished run, not a plateau."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


_CRITERIA = ("flatness", "min_span", "min_drop", "escape_fraction", "window", "min_level")


def pop_criteria(options):
    """Remove the plateau options from a command's keyword arguments; return the PlateauCriteria."""
    from plateau.plateaus import PlateauCriteria
    return PlateauCriteria(**{name: options.pop(name) for name in _CRITERIA})


_BUILD_DEFAULTS = dict(K=2, M=2, L=1, activation="erf", eta=0.1, eta_w=0.0, sigma=0.0,
                       teacher="degenerate", init="random", init_scale=0.5, seed=0, init_N=1000)


def setup_from_options(setup_file=None, **options):
    """A validated Setup from a setup file and/or model options (ValueError on bad input)."""
    from plateau import Setup, build_setup

    given = {k: v for k, v in options.items() if v is not None}
    if setup_file is not None:
        structural = sorted(set(given) - {"activation", "eta", "eta_w", "sigma"})
        if structural:
            names = ", ".join("--" + name.replace("_", "-") for name in structural)
            raise ValueError(f"{names} cannot be combined with --setup: the file fixes the networks")
        return Setup.from_file(setup_file).with_scalars(**given)
    values = {**_BUILD_DEFAULTS, **given}
    values["N"] = values.pop("init_N")
    return build_setup(**values)


def parse_floats(text, name):
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"{name} must be comma-separated numbers, got {text!r}") from None


def run_ode(setup, alpha_max, alphas, points, method, rtol, atol):
    from plateau.ode import integrate
    return integrate(setup, alpha_max, alphas=parse_floats(alphas, "--alphas"), points=points,
                     method=method, rtol=rtol, atol=atol)


def save_figure(fig, path):
    from plateau.files import atomic_output
    import matplotlib.pyplot as plt  # imported when a figure is made: it costs 0.2 s of start-up
    fmt = path.rsplit(".", 1)[-1] if "." in path else "png"
    with atomic_output(path, "wb") as handle:
        fig.savefig(handle, format=fmt, dpi=120)
    plt.close(fig)


def measure_plateaus(trajectory, criteria):
    from plateau.plateaus import trajectory_plateaus
    return trajectory_plateaus(trajectory, criteria)


def summary(setup, trajectory, elapsed, plateaus=None):
    """The --json object: status, message, final_eps_g, the model, and the plateaus when measured."""
    return {
        "status": trajectory.status,
        "message": trajectory.message,
        "final_eps_g": float(trajectory.eps_g[-1]) if len(trajectory.eps_g) else None,
        "final_alpha": float(trajectory.alpha[-1]) if len(trajectory.alpha) else None,
        "K": setup.K, "M": setup.M, "L": setup.L,
        "activation": setup.activation, "eta": setup.eta, "eta_w": setup.eta_w, "sigma": setup.sigma,
        "points": int(len(trajectory.alpha)),
        "wall_time": round(elapsed, 4),
        **{k: v for k, v in trajectory.info.items() if isinstance(v, (int, float, str))},
        **(plateaus.summary() if plateaus is not None else {}),
    }


# --- commands ---------------------------------------------------------------------
@click.group()
def cli():
    """Online learning of two-layer networks with several outputs, and its plateaus."""


@cli.command()
@model_options
@click.option("--alpha-max", "alpha_max", type=float, required=True, help="Integrate to this alpha = t/N.")
@click.option("--alphas", help="Comma-separated times to record (default: a log grid).")
@click.option("--points", type=int, default=400, show_default=True, help="Size of the log grid.")
@click.option("--method", default="dopri5", show_default=True,
              type=click.Choice(METHODS),
              help="dopri5: compiled Dormand-Prince; others: scipy.integrate.solve_ivp.")
@click.option("--rtol", type=float, default=1e-8, show_default=True)
@click.option("--atol", type=float, default=1e-12, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Trajectory file (CSV).")
@click.option("--plot", type=click.Path(dir_okay=False), help="Figure of eps_g and the order parameters.")
@click.option("--save-setup", "save_setup", type=click.Path(dir_okay=False), help="Write the setup used (JSON).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary to stdout.")
@plateau_options
def ode(alpha_max, alphas, points, method, rtol, atol, out, plot, save_setup, as_json, **model):
    """Integrate the order-parameter ODEs and write the trajectory file."""
    criteria = pop_criteria(model)
    setup = setup_from_options(**model)
    start = time.perf_counter()
    trajectory = run_ode(setup, alpha_max, alphas, points, method, rtol, atol)
    elapsed = time.perf_counter() - start
    plateaus = measure_plateaus(trajectory, criteria)
    write_outputs(setup, trajectory, out, plot, save_setup, f"ODE, K={setup.K} M={setup.M} L={setup.L}",
                  plateaus)
    report(summary(setup, trajectory, elapsed, plateaus), as_json, trajectory)


@cli.command()
@model_options
@plateau_options
@click.option("--alpha-max", "alpha_max", type=float,
              help="Also integrate to this alpha and measure the escape (default with --plot: "
                   "3x the predicted escape, at least 1e3).")
@click.option("--plot", type=click.Path(dir_okay=False),
              help="Trajectory with the detected plateau shaded and the predicted escape marked.")
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as JSON to stdout.")
def stability(alpha_max, plot, as_json, **options):
    """Find the plateau's unspecialised fixed point, its eigenvalues and the predicted escape time."""
    from plateau.plateaus import trajectory_plateaus
    from plateau.stability import analyse
    criteria = pop_criteria(options)
    setup = setup_from_options(**options)
    result = analyse(setup, criteria)
    info = result.summary(setup)
    if alpha_max is None and plot:
        predicted = result.predicted_escape_alpha
        alpha_max = max(1e3, 3 * predicted) if predicted else 1e4
    if alpha_max is not None:
        trajectory = run_ode(setup, alpha_max, None, 800, "dopri5", 1e-8, 1e-12)
        plateaus = trajectory_plateaus(trajectory, criteria)
        info.update(plateaus.summary())
        info["measured_escape_alpha"] = plateaus.escape_alpha
        if plot:
            from plateau.plotting import trajectory_figure
            fig = trajectory_figure(trajectory, plateaus=plateaus, predicted_escape=result.predicted_escape_alpha,
                                    fixed_point_eps_g=result.eps_g,
                                    title=f"ODE, K={setup.K} M={setup.M} L={setup.L}, eta={setup.eta:g}")
            save_figure(fig, plot)
    if as_json:
        click.echo(json.dumps(info, indent=1))
    else:
        click.echo(result.message)
        if result.found:
            top = ", ".join(f"{z.real:.4g}" + (f"{z.imag:+.3g}i" if z.imag else "")
                            for z in sorted(result.eigenvalues, key=lambda z: -z.real)[:4])
            click.echo(f"fixed point eps_g = {result.eps_g:.6g}; leading eigenvalues: {top}")
        if "measured_escape_alpha" in info:
            measured = info["measured_escape_alpha"]
            click.echo("measured escape: " + (f"alpha = {measured:.4g}" if measured else info["plateau_outcome"]))


def sgd_options(func):
    """Options shared by ``sgd`` and ``compare``: seeds, recorded times, start, workers, progress."""
    options = [
        click.option("--seeds", type=int, default=8, show_default=True, help="Independent SGD runs per N."),
        click.option("--alpha-max", "alpha_max", type=float, required=True, help="Run to this alpha = t/N."),
        click.option("--alphas", help="Comma-separated times to record, rounded to whole steps "
                                      "(default: the ODE's log grid)."),
        click.option("--points", type=int, default=400, show_default=True, help="Size of the log grid."),
        click.option("--start", type=click.Choice(["auto", "exact", "draw"]), default="auto", show_default=True,
                     help="exact: initial overlaps equal the setup's; draw: draw the student per seed as "
                          "its init says; auto: draw for setups built from options, else exact."),
        click.option("--sgd-seed", "sgd_seed", type=int,
                     help="Base seed of the SGD runs [the setup's --seed, else 0]."),
        click.option("--workers", type=int, help="Threads running seeds in parallel [all CPUs]."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def sgd_arguments(setup, seeds, alpha_max, alphas, points, start, sgd_seed, workers, quiet):
    """Keyword arguments of plateau.sgd.simulate from the shared options."""
    base = sgd_seed if sgd_seed is not None else setup.description.get("seed", 0)
    if not isinstance(base, int) or isinstance(base, bool):
        base = 0
    return dict(seeds=seeds, alpha_max=alpha_max, alphas=parse_floats(alphas, "--alphas"), points=points,
                seed=base, workers=workers, start=start, progress=not quiet and sys.stderr.isatty())


def parse_sizes(text):
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"--N must be comma-separated integers, got {text!r}") from None
    if not sizes:
        raise ValueError("--N must name at least one size")
    return sizes


@cli.command()
@model_options
@click.option("--N", "N", type=int, default=1000, show_default=True, help="Input dimension.")
@sgd_options
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Trajectory file (CSV).")
@click.option("--plot", type=click.Path(dir_okay=False), help="Figure of eps_g and the order parameters.")
@click.option("--save-setup", "save_setup", type=click.Path(dir_okay=False), help="Write the setup used (JSON).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary to stdout.")
@plateau_options
def sgd(N, seeds, alpha_max, alphas, points, start, sgd_seed, workers, quiet, out, plot, save_setup, as_json,
        **model):
    """Simulate online SGD in N dimensions and write the seed-averaged trajectory file."""
    from plateau.sgd import simulate
    criteria = pop_criteria(model)
    setup = setup_from_options(**model)
    kwargs = sgd_arguments(setup, seeds, alpha_max, alphas, points, start, sgd_seed, workers, quiet)
    begin = time.perf_counter()
    trajectory = simulate(setup, N, **kwargs)
    elapsed = time.perf_counter() - begin
    plateaus = measure_plateaus(trajectory, criteria)
    write_outputs(setup, trajectory, out, plot, save_setup,
                  f"SGD, N={N}, {seeds} seeds, K={setup.K} M={setup.M} L={setup.L}", plateaus)
    report(summary(setup, trajectory, elapsed, plateaus), as_json, trajectory)


@cli.command()
@model_options
@click.option("--N", "Ns", required=True, help="Comma-separated input dimensions, e.g. 500,1000,2000.")
@sgd_options
@click.option("--method", default="dopri5", show_default=True,
              type=click.Choice(METHODS),
              help="ODE method.")
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Directory for ode.csv, sgd_N{N}.csv, compare.csv and compare.png.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON to stdout.")
def compare(Ns, seeds, alpha_max, alphas, points, start, sgd_seed, workers, quiet, method, out, as_json,
            **model):
    """Integrate the ODE and simulate SGD at each N from the same setup; tabulate the deviations."""
    import os
    from plateau.compare import compare as run_comparison, format_table, write_comparison
    from plateau.plotting import comparison_figure
    setup = setup_from_options(**model)
    kwargs = sgd_arguments(setup, seeds, alpha_max, alphas, points, start, sgd_seed, workers, quiet)
    begin = time.perf_counter()
    comparison = run_comparison(setup, parse_sizes(Ns), kwargs.pop("alpha_max"), method=method, **kwargs)
    elapsed = time.perf_counter() - begin
    write_comparison(comparison, out)
    save_figure(comparison_figure(comparison.ode, comparison.sgd,
                                  title=f"ODE and SGD, K={setup.K} M={setup.M} L={setup.L}"),
                os.path.join(out, "compare.png"))
    if as_json:
        click.echo(json.dumps({"status": "finished" if comparison.success else "failed",
                               "message": comparison.message, "wall_time": round(elapsed, 4),
                               "rows": comparison.rows}, indent=1))
    else:
        click.echo("\n".join(format_table(comparison.rows)))
    if not comparison.success:
        raise Failure(comparison.message)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Directory for demo.png (teaching figure) and demo.gif (animation).")
@click.option("--quick", is_flag=True, help="Fewer frames and points: finishes in seconds.")
def demo(out, quick):
    """Teaching demo: a degenerate single-output teacher next to an orthogonal two-output one."""
    import os
    from plateau.animation import demo_animation, demo_figure, save_gif
    from plateau.demo import frame_indices, run_demo
    cases = run_demo(points=150 if quick else 400)
    os.makedirs(out, exist_ok=True)
    save_figure(demo_figure(cases), os.path.join(out, "demo.png"))
    gif = os.path.join(out, "demo.gif")
    save_gif(demo_animation(cases, frame_indices(cases[0].trajectory.alpha, 40 if quick else 120)), gif)
    for case in cases:
        escape = case.plateaus.escape_alpha
        click.echo(f"{case.title}: " + (f"plateau, escape at alpha = {escape:.4g}" if escape
                                         else case.plateaus.outcome.replace("_", " ")))
    click.echo(f"wrote {os.path.join(out, 'demo.png')} and {gif}")


def scan_grid_options(func):
    """Grid options of ``scan``: comma-separated values, every combination is a point."""
    options = [
        click.option("--K", "K", help="Student hidden units [2]."),
        click.option("--M", "M", help="Teacher hidden units [2]."),
        click.option("--L", "L", help="Output units [1]."),
        click.option("--teacher", help="Teacher second layers: degenerate,orthogonal,random [degenerate]."),
        click.option("--init", help="Student starts: random,orthogonal [random]."),
        click.option("--activation", help="Activations: erf,relu,linear [erf]."),
        click.option("--eta", help="First-layer learning rates [0.1]."),
        click.option("--eta-w", "eta_w", help="Second-layer learning rates [0.1: trained, unlike other commands]."),
        click.option("--sigma", help="Output noise standard deviations [0]."),
        click.option("--seeds", "seed", help="Seeds of the random draws (build_setup's --seed) [0]."),
        click.option("--alpha-max", "alpha_max", required=True, help="Integrate (simulate) to these alpha = t/N."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.command()
@scan_grid_options
@click.option("--init-scale", "init_scale", type=float, default=0.5, show_default=True,
              help="Scale of the student's initial weights.")
@click.option("--init-N", "init_N", type=int, default=1000, show_default=True,
              help="Input dimension in which the student's start is drawn.")
@click.option("--points", type=int, default=400, show_default=True, help="Size of the recorded log grid of alpha.")
@click.option("--sgd", is_flag=True, help="Simulate SGD instead of integrating the ODEs.")
@click.option("--N", "N", type=int, help="SGD input dimension [1000].")
@click.option("--sgd-seeds", "sgd_seeds", type=int, help="Independent SGD runs averaged per point [8].")
@plateau_options
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Scan file (CSV); an existing one of the same scan is resumed.")
@click.option("--workers", type=int, help="Processes (or Dask workers of --scheduler local) [all CPUs].")
@click.option("--scheduler", help="Run on this Dask scheduler (tcp://host:port), or 'local' for a LocalCluster.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def scan(init_scale, init_N, points, sgd, N, sgd_seeds, out, workers, scheduler, quiet, **options):
    """Measure plateaus over a grid: every combination of the comma-separated values (a-b: a range
    of integers) is a point with one row in --out, written as it finishes; rerun to resume."""
    from plateau.executors import make_executor
    from plateau.scan import GRID, definition_from_options, run_scan
    criteria = pop_criteria(options)
    if sgd:
        N = 1000 if N is None else N
        sgd_seeds = 8 if sgd_seeds is None else sgd_seeds
    definition = definition_from_options({name: options[name] for name in GRID}, engine="sgd" if sgd else "ode",
                                         init_scale=init_scale, init_N=init_N, record_points=points, N=N,
                                         sgd_seeds=sgd_seeds, criteria=criteria)
    with make_executor(workers, scheduler) as executor:
        result = run_scan(definition, out, executor, progress=not quiet and sys.stderr.isatty())
    click.echo(f"{out}: {result.message}")
    errors = result.statuses.get("error", 0)
    if errors:
        raise Failure(f"{errors} point{'s' if errors > 1 else ''} raised an error (see the message column of {out})")


@cli.command("plot-scan")
@click.argument("scan_file", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Figure file (png, pdf, svg).")
@click.option("--x", "x", default="L", show_default=True, help="Grid parameter on the x axis.")
@click.option("--y", "y", default="escape_alpha", show_default=True, help="Result column on the y axis.")
def plot_scan(scan_file, out, x, y):
    """Plot a scan: y against x (mean and min-max over seeds), the plateau level, and the
    fraction of seeds with a plateau; one line per combination of the other varied parameters."""
    from plateau.plotting import scan_figure
    from plateau.scan import read_scan, scan_series, scan_title
    definition, rows = read_scan(scan_file)
    series = scan_series(definition, rows, x, y)
    levels = scan_series(definition, rows, x, "plateau_level")
    save_figure(scan_figure(series, levels, x, y, title=scan_title(definition, x)), out)


def write_outputs(setup, trajectory, out, plot, save_setup, title, plateaus=None):
    from plateau.files import atomic_output
    if save_setup:
        with atomic_output(save_setup) as handle:
            json.dump(setup.to_dict(), handle, indent=1)
    trajectory.to_csv(out)
    if plot:
        from plateau.plotting import trajectory_figure
        save_figure(trajectory_figure(trajectory, title=title, plateaus=plateaus), plot)


def report(info, as_json, trajectory):
    if as_json:
        click.echo(json.dumps(info, indent=1))
    elif trajectory.success:
        click.echo(f"{trajectory.message}; final eps_g = {info['final_eps_g']:.6g}")
    if not trajectory.success:
        raise Failure(trajectory.message)


def main(argv=None):
    """Entry point: one-line errors with exit status 2 for bad input, 1 for a run that did not finish."""
    try:
        cli.main(args=argv, prog_name="plateau", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(2)
    except ValueError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except Failure as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
