"""The ``plateau`` command line: parse options, build a setup, call the package, write, plot.

Errors in the user's input print one line ``Error: ...`` on stderr and exit with
status 2; a run that diverges or fails writes what it computed, says so, and
exits with status 1.
"""
import json
import sys
import time

import click


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


def summary(setup, trajectory, elapsed):
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
              type=click.Choice(["dopri5", "RK45", "DOP853", "RK23", "Radau", "BDF", "LSODA"]),
              help="dopri5: compiled Dormand-Prince; others: scipy.integrate.solve_ivp.")
@click.option("--rtol", type=float, default=1e-8, show_default=True)
@click.option("--atol", type=float, default=1e-12, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Trajectory file (CSV).")
@click.option("--plot", type=click.Path(dir_okay=False), help="Figure of eps_g and the order parameters.")
@click.option("--save-setup", "save_setup", type=click.Path(dir_okay=False), help="Write the setup used (JSON).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary to stdout.")
def ode(alpha_max, alphas, points, method, rtol, atol, out, plot, save_setup, as_json, **model):
    """Integrate the order-parameter ODEs and write the trajectory file."""
    setup = setup_from_options(**model)
    start = time.perf_counter()
    trajectory = run_ode(setup, alpha_max, alphas, points, method, rtol, atol)
    elapsed = time.perf_counter() - start
    write_outputs(setup, trajectory, out, plot, save_setup, f"ODE, K={setup.K} M={setup.M} L={setup.L}")
    report(summary(setup, trajectory, elapsed), as_json, trajectory)


def write_outputs(setup, trajectory, out, plot, save_setup, title):
    from plateau.files import atomic_output
    if save_setup:
        with atomic_output(save_setup) as handle:
            json.dump(setup.to_dict(), handle, indent=1)
    trajectory.to_csv(out)
    if plot:
        from plateau.plotting import trajectory_figure
        save_figure(trajectory_figure(trajectory, title=title), plot)


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
