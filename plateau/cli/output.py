"""Writing what a command produced: result files, figures, the printed summary."""
import json

import click

from .app import Failure


def check_paths(out=None, plot=None, save_setup=None, folder=None, inputs=()):
    """Check a command's output paths before any work (plateau.files.check_outputs): --out is a
    result file (or, with ``folder``, an output folder), --plot a figure, --save-setup a file;
    ``inputs`` are (option, path) pairs the command reads, which no output may overwrite."""
    from ..files import check_outputs
    files = [("--save-setup", save_setup)] + ([] if folder else [("--out", out)])
    check_outputs(files=files, folders=[("--out", out)] if folder else [], figures=[("--plot", plot)],
                  inputs=inputs)


def save_figure(fig, path):
    """Write a matplotlib figure atomically, in the format named by the file's extension."""
    from ..files import atomic_output
    import matplotlib.pyplot as plt  # imported when a figure is made: it costs 0.2 s of start-up
    fmt = path.rsplit(".", 1)[-1] if "." in path else "png"
    with atomic_output(path, "wb") as handle:
        fig.savefig(handle, format=fmt, dpi=120)
    plt.close(fig)


def save_setup_file(setup, path):
    from ..files import atomic_output
    with atomic_output(path) as handle:
        json.dump(setup.to_dict(), handle, indent=1)


def write_outputs(setup, trajectory, out, plot, save_setup, title, plateaus=None, fisher=False):
    """The trajectory file, and optionally the setup file and the figure (with ``fisher``, the
    Fisher spectrum below eps_g)."""
    table = None
    if plot and fisher:
        from ..fisher import fisher_table
        from ..fisher.run import run_spectrum
        table = fisher_table(trajectory, run_spectrum(trajectory))
    if save_setup:
        save_setup_file(setup, save_setup)
    trajectory.to_csv(out)
    if plot:
        from ..plotting import trajectory_figure
        save_figure(trajectory_figure(trajectory, title=title, plateaus=plateaus, fisher_table=table), plot)


def run_summary(setup, trajectory, elapsed, plateaus=None):
    """The --json object of ode and sgd: the run, the model, the wall time and the plateaus."""
    return {**trajectory.summary(), **setup.summary(), "wall_time": round(elapsed, 4),
            **(plateaus.summary() if plateaus is not None else {})}


def report(info, as_json, trajectory):
    """Print the summary (JSON or one line); a run that did not finish becomes a Failure (exit 1)."""
    if as_json:
        click.echo(json.dumps(info, indent=1))
    elif trajectory.success:
        click.echo(f"{trajectory.message}; final eps_g = {info['final_eps_g']:.6g}")
    if not trajectory.success:
        raise Failure(trajectory.message)
