"""The ``plateau`` command group and its entry point: how errors become exit statuses.

Exit statuses: 0 success; 1 a run that did not finish (diverged or failed:
:class:`Failure`); 2 bad input (:class:`plateau.errors.InputError` or a click
usage error), printed as one line ``Error: ...``; 130 interrupted (Ctrl-C).
Any other exception is a bug in plateau and is reported as one, with its
traceback, never as bad input.
"""
import atexit
import importlib
import os
import sys
import threading

import click

from .. import __version__
from ..errors import InputError
from ..interrupts import caused_by_interrupt


class Failure(Exception):
    """A run that ended without finishing (diverged or failed): exit status 1."""


#: Each command and the module (in plateau.cli) that defines it.  A run imports only its own
#: command's module, so it builds no other command's options (tests/test_startup.py checks the map).
COMMAND_MODULES = {"ode": "models", "stability": "models", "sgd": "models", "compare": "models",
                   "scan": "scans", "plot-scan": "scans", "fisher": "fisher", "rates": "rates",
                   "demo": "teaching", "warm-up": "warmup"}


class LazyGroup(click.Group):
    """A click group that imports a command's module when the command is first asked for."""

    def get_command(self, ctx, name):
        if name not in self.commands and name in COMMAND_MODULES:
            importlib.import_module(f"{__package__}.{COMMAND_MODULES[name]}")
        return super().get_command(ctx, name)

    def list_commands(self, ctx):
        for module in sorted(set(COMMAND_MODULES.values())):
            importlib.import_module(f"{__package__}.{module}")
        return super().list_commands(ctx)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="plateau")
def cli():
    """Online learning of two-layer networks with several outputs, and its plateaus."""


#: Variables that set the BLAS thread count; a command-line run sets them to 1 unless one is set.
#: plateau's matrices are small (SVDs and eigenproblems of at most a few hundred rows) and its
#: runs use the cores themselves (scan workers), so a second BLAS thread only competes: the
#: K = M = 16 fixed-point analysis takes 35-40 ms per SVD on one thread, 0.3-1.2 s on two when
#: the other core is busy.  Set before NumPy is first imported, and inherited by workers.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def main(argv=None):
    """Entry point: one-line errors with exit status 2 for bad input, 1 for a run that did not finish.

    Called with ``argv`` (tests, scripts), it raises SystemExit as ``sys.exit`` does.  Called
    without (the installed ``plateau`` command, ``python -m plateau``, ``python cli.py``: the
    process is the command), it ends the process when the command is done (:func:`end_process`).
    """
    if argv is not None:
        _run(list(argv))
    try:
        _run(sys.argv[1:])
    except SystemExit as stop:
        end_process(stop.code)


def end_process(code):
    """End the process with SystemExit's ``code``, skipping the interpreter's teardown.

    Tearing down the modules and objects of a process that has loaded Numba and LLVM takes
    ~0.08 s, an eighth of a warm W1 run, and a finished command needs none of it: its files
    are written and closed.  What an exit does that matters still happens: the atexit
    handlers run (multiprocessing's and tempfile's clean-up, logging's flush), the output
    streams are flushed (a failed flush exits 120, as Python's own exit does), a message
    code is printed with status 1, and a process in which another thread still runs exits
    the usual way (Python then joins it).
    """
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if threading.active_count() > 1 or run_exit_handlers is None:
        sys.exit(code)
    if code is None or isinstance(code, int):
        status = code or 0
    else:
        print(code, file=sys.stderr)
        status = 1
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            status = status or 120
    os._exit(status)


def _run(args):
    """Run the command line ``args``; always raises SystemExit with the exit status."""
    if not any(name in os.environ for name in BLAS_THREAD_VARIABLES):
        os.environ.update({name: "1" for name in BLAS_THREAD_VARIABLES})
    if not args:
        click.echo(cli.get_help(click.Context(cli, info_name="plateau")))
        sys.exit(0)
    try:
        cli.main(args=args, prog_name="plateau", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.ClickException as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(2)
    except InputError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except Failure as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:
        if caused_by_interrupt(exc):
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        raise
    sys.exit(0)
