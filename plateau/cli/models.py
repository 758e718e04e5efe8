"""Commands that run one model: ``ode``, ``stability``, ``sgd`` and ``compare``."""
import json
import os
import sys
import time

import click

from ..choices import METHOD, METHODS
from .app import Failure, cli
from .options import (grid_size, model_options, ode_options, parse_floats, parse_sizes, plateau_options,
                      pop_criteria, pop_setup, sgd_arguments, sgd_options, trajectory_outputs)
from .output import check_paths, report, run_summary, save_figure, write_outputs


def _title(kind, setup, extra=""):
    return f"{kind}{extra}, K={setup.K} M={setup.M} L={setup.L}"


@cli.command()
@model_options
@click.option("--alpha-max", "alpha_max", type=float, required=True, help="Integrate to this alpha = t/N.")
@ode_options
@trajectory_outputs
@plateau_options
def ode(alpha_max, alphas, points, method, rtol, atol, out, plot, fisher, save_setup, as_json, **options):
    """Integrate the order-parameter ODEs and write the trajectory file."""
    from ..ode import integrate
    from ..limits import check_points
    from ..outcomes import explain
    check_paths(out, plot, save_setup, inputs=[("--setup", options["setup_file"])])
    criteria = pop_criteria(options)
    force = options.pop("force")
    alphas = parse_floats(alphas, "--alphas")
    check_points(points, force)
    setup = pop_setup(options, force, points=grid_size(alphas, points))
    start = time.perf_counter()
    trajectory = integrate(setup, alpha_max, alphas=alphas, points=points,
                           method=method, rtol=rtol, atol=atol, progress=sys.stderr.isatty())
    elapsed = time.perf_counter() - start
    plateaus = explain(trajectory, criteria)
    write_outputs(setup, trajectory, out, plot, save_setup, _title("ODE", setup), plateaus, fisher)
    report(run_summary(setup, trajectory, elapsed, plateaus), as_json, trajectory)


@cli.command()
@model_options
@plateau_options
@click.option("--alpha-max", "alpha_max", type=float,
              help="Integrate to this alpha to measure and explain the plateaus "
                   "[3x the predicted escape, at least 1e3; 1e4 without a prediction].")
@click.option("--plot", type=click.Path(dir_okay=False),
              help="Trajectory with the detected plateaus shaded and the predicted escape marked.")
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as JSON to stdout.")
def stability(alpha_max, plot, as_json, **options):
    """The unspecialised fixed point, its eigenvalues and the escape predicted from the start; the
    measured plateaus with the fixed point behind each and the escape predicted from the plateau."""
    from ..escape import warnings
    from ..stability import analyse, measure_escape
    check_paths(plot=plot, inputs=[("--setup", options["setup_file"])])
    criteria = pop_criteria(options)
    setup = pop_setup(options, options.pop("force"))
    result = analyse(setup, criteria)
    info = result.summary(setup)
    trajectory, plateaus = measure_escape(setup, result, criteria, alpha_max)
    info.update(plateaus.summary())
    info["measured_escape_alpha"] = plateaus.escape_alpha
    main = plateaus.main
    info["predicted_escape_from_plateau"] = (None if main is None else
                                             plateaus.fixed_points[main].get("predicted_escape_from_plateau"))
    info["warnings"] = warnings(result, plateaus)
    if plot:
        from ..plotting import trajectory_figure
        fig = trajectory_figure(trajectory, plateaus=plateaus, predicted_escape=result.predicted_escape_alpha,
                                fixed_point_eps_g=result.eps_g,
                                title=_title("ODE", setup) + f", eta={setup.eta:g}")
        save_figure(fig, plot)
    if as_json:
        click.echo(json.dumps(info, indent=1))
        return
    click.echo(result.message)
    if result.found:
        top = ", ".join(f"{z.real:.4g}" + (f"{z.imag:+.3g}i" if z.imag else "")
                        for z in sorted(result.eigenvalues, key=lambda z: -z.real)[:4])
        click.echo(f"fixed point eps_g = {result.eps_g:.6g}; leading eigenvalues: {top}")
    measured = info["measured_escape_alpha"]
    click.echo("measured escape: " + (f"alpha = {measured:.4g}" if measured else info["plateau_outcome"]))
    if info["predicted_escape_from_plateau"]:
        click.echo(f"escape predicted from the plateau: alpha = {info['predicted_escape_from_plateau']:.4g}")
    for k, entry in enumerate(plateaus.fixed_points or []):
        click.echo(f"plateau {k}: {entry['fixed_point']['message']}")
    for text in info["warnings"]:
        click.echo(f"Warning: {text}", err=True)


@cli.command()
@model_options
@click.option("--N", "N", type=int, default=1000, show_default=True, help="Input dimension.")
@sgd_options
@trajectory_outputs
@plateau_options
def sgd(N, out, plot, fisher, save_setup, as_json, **options):
    """Simulate online SGD in N dimensions and write the run-averaged trajectory file."""
    from ..outcomes import explain
    from ..sgd import simulate
    check_paths(out, plot, save_setup, inputs=[("--setup", options["setup_file"])])
    criteria = pop_criteria(options)
    force = options.pop("force")
    setup = pop_setup(options, force, ode=False)
    kwargs = sgd_arguments(setup, options, progress=sys.stderr.isatty(), Ns=[N], force=force)
    begin = time.perf_counter()
    trajectory = simulate(setup, N, **kwargs)
    elapsed = time.perf_counter() - begin
    plateaus = explain(trajectory, criteria)
    write_outputs(setup, trajectory, out, plot, save_setup,
                  _title("SGD", setup, f", N={N}, {kwargs['seeds']} runs"), plateaus, fisher)
    report(run_summary(setup, trajectory, elapsed, plateaus), as_json, trajectory)


@cli.command()
@model_options
@click.option("--N", "Ns", required=True, help="Comma-separated input dimensions, e.g. 500,1000,2000.")
@sgd_options
@click.option("--method", default=METHOD, show_default=True, type=click.Choice(METHODS), help="ODE method.")
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Directory for ode.csv, sgd_N{N}.csv, compare.csv and compare.png.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON to stdout.")
def compare(Ns, method, out, as_json, **options):
    """Integrate the ODE and simulate SGD at each N from the same setup; tabulate the deviations."""
    from ..compare import compare as run_comparison, format_table, write_comparison
    from ..plotting import comparison_figure
    check_paths(out, folder=True, inputs=[("--setup", options["setup_file"])])
    force = options.pop("force")
    setup = pop_setup(options, force)
    Ns = parse_sizes(Ns)
    kwargs = sgd_arguments(setup, options, progress=sys.stderr.isatty(), Ns=Ns, force=force)
    begin = time.perf_counter()
    comparison = run_comparison(setup, Ns, kwargs.pop("alpha_max"), method=method, **kwargs)
    elapsed = time.perf_counter() - begin
    write_comparison(comparison, out)
    save_figure(comparison_figure(comparison.ode, comparison.sgd, title=_title("ODE and SGD", setup)),
                os.path.join(out, "compare.png"))
    if as_json:
        click.echo(json.dumps({"status": "finished" if comparison.success else "failed",
                               "message": comparison.message, "wall_time": round(elapsed, 4),
                               "rows": comparison.rows}, indent=1))
    else:
        click.echo("\n".join(format_table(comparison.rows)))
    if not comparison.success:
        raise Failure(comparison.message)
