"""``plateau fisher``: the exact Fisher-information spectrum along a learning curve."""
import json
import time

import click

from .app import Failure, cli
from .options import MODEL_OPTION_NAMES, grid_size, model_options, ode_options, parse_floats, plateau_options, \
    pop_criteria, pop_setup
from .output import check_paths, save_figure, save_setup_file


def _spectrum(trajectory, **options):
    """run_spectrum, with order parameters it cannot handle (too large, not finite) reported in one line:
    a run that failed is a Failure (exit 1), a file that holds them is bad input (exit 2)."""
    import numpy as np
    from ..errors import InputError
    from ..fisher.run import run_spectrum
    try:
        with np.errstate(all="ignore"):
            spectrum = run_spectrum(trajectory, **options)
        problem = not np.all(np.isfinite(spectrum.lambda_max))
    except np.linalg.LinAlgError:
        problem = True
    if not problem:
        return spectrum
    if not trajectory.success:
        raise Failure(f"{trajectory.message}; no Fisher spectrum at its order parameters")
    raise InputError("the Fisher spectrum is not finite at these order parameters (too large or not finite)")


@cli.command()
@click.argument("trajectory_file", required=False, type=click.Path(dir_okay=False))
@click.option("--N", "N", type=int, help="Input dimension: also report the plain FIM G (columns G_...).")
@click.option("--frozen-w", "frozen", is_flag=True, default=None,
              help="The second layer is frozen (J-only metric); read from the file when it records its setup.")
@model_options
@click.option("--alpha-max", "alpha_max", type=float, help="Without TRAJECTORY_FILE: integrate to this alpha first.")
@ode_options
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Fisher table (CSV).")
@click.option("--plot", type=click.Path(dir_okay=False), help="eps_g above the spectrum, plateaus shaded.")
@click.option("--save-setup", "save_setup", type=click.Path(dir_okay=False), help="Write the setup used (JSON).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (per plateau: the Fisher degeneracy).")
@plateau_options
def fisher(trajectory_file, N, frozen, alpha_max, alphas, points, method, rtol, atol, out, plot, save_setup, as_json,
           **options):
    """The Fisher spectrum (bulk, outliers, statistics) along a trajectory file, or along the ODE
    trajectory of a setup integrated to --alpha-max."""
    from ..fisher import fisher_table, plateau_fisher, write_fisher_table
    from ..plateaus import trajectory_plateaus
    check_paths(out, plot, save_setup, inputs=[("TRAJECTORY_FILE", trajectory_file),
                                                ("--setup", options["setup_file"])])
    from ..limits import check_points
    criteria = pop_criteria(options)
    force = options.pop("force")
    check_points(points, force)
    begin = time.perf_counter()
    if trajectory_file is not None:
        from ..errors import InputError
        from ..trajectory import Trajectory
        extra = sorted(name for name in MODEL_OPTION_NAMES if options[name] is not None
                       and name not in ("activation", "L"))
        if extra or alpha_max is not None or save_setup:
            names = ", ".join("--" + n.replace("_", "-") for n in extra + (["alpha_max"] if alpha_max else [])
                              + (["save_setup"] if save_setup else []))
            raise InputError(f"{names} cannot be combined with a trajectory file (it fixes the run)")
        trajectory = Trajectory.from_csv(trajectory_file)
        spectrum = _spectrum(trajectory, N=N, activation=options["activation"], frozen=frozen, L=options["L"])
    else:
        from ..errors import InputError
        from ..ode import integrate
        if alpha_max is None:
            raise InputError("give a TRAJECTORY_FILE, or --alpha-max to integrate a setup first")
        alphas = parse_floats(alphas, "--alphas")
        setup = pop_setup(options, force, points=grid_size(alphas, points))
        if frozen and setup.eta_w > 0:
            raise InputError("--frozen-w contradicts --eta-w > 0: freeze the second layer with --eta-w 0")
        trajectory = integrate(setup, alpha_max, alphas=alphas, points=points,
                               method=method, rtol=rtol, atol=atol)
        if save_setup:
            save_setup_file(setup, save_setup)
        spectrum = _spectrum(trajectory, N=N)
    report = trajectory_plateaus(trajectory, criteria)   # before writing: a bad curve writes no file
    write_fisher_table(out, trajectory, spectrum)
    if plot:
        from ..plotting.fisher import fisher_figure
        save_figure(fisher_figure(trajectory, fisher_table(trajectory, spectrum), plateaus=report,
                                  title="Fisher spectrum" + (f", N={N}" if N else " (scaled, alpha time)")), plot)
    final = {name: float(getattr(spectrum, name)[-1]) for name in
             ("lambda_max", "lambda_min_bulk", "lambda_min_outlier", "mean", "second_moment")}
    summary = {"status": trajectory.status, "message": trajectory.message, "points": int(len(trajectory.alpha)),
               "N": N, "final": final, "plateaus": plateau_fisher(trajectory, spectrum, report),
               "wall_time": round(time.perf_counter() - begin, 4)}
    if as_json:
        click.echo(json.dumps(summary, indent=1))
    else:
        click.echo(f"{out}: {len(trajectory.alpha)} rows; final lambda_max = {final['lambda_max']:.4g}, "
                   f"smallest bulk eigenvalue = {final['lambda_min_bulk']:.4g}")
        for p in summary["plateaus"]:
            click.echo(f"plateau alpha {p['onset']:.4g}..{p['end']:.4g}: smallest bulk eigenvalue "
                       f"{p['fisher_degeneracy']:.4g}" + (f", after the escape {p['fisher_after_escape']:.4g}"
                                                          if p["fisher_after_escape"] is not None else ""))
    if not trajectory.success:
        raise Failure(trajectory.message)
