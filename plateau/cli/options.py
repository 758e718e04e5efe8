"""Options shared by several commands, and the parsing of option strings.

Choices and defaults come from :mod:`plateau.choices` (and the plateau
criteria's from :class:`plateau.plateaus.PlateauCriteria`), so the help texts
show the values the package really uses.
"""
import dataclasses

import click

from ..choices import ACTIVATIONS, ALGORITHM, ALGORITHMS, INITS, METHOD, METHODS, POINTS, SETUP_DEFAULTS, STARTS, TEACHERS
from ..align import ALIGNMENTS
from ..errors import InputError

D = SETUP_DEFAULTS


def _stack(options):
    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func
    return decorate


def model_options(func):
    """Options that describe a model run; all default to None so that given ones can be told apart
    (plateau.builders.resolve_setup fills in the defaults shown in brackets)."""
    return _stack([
        click.option("--setup", "setup_file", type=click.Path(dir_okay=False),
                     help="Setup file (JSON, MODEL.md); options below override its scalars."),
        click.option("--K", "K", type=int, help=f"Student hidden units [{D['K']}]."),
        click.option("--M", "M", type=int, help=f"Teacher hidden units [{D['M']}]."),
        click.option("--L", "L", type=int, help=f"Output units [{D['L']}]."),
        click.option("--activation", type=click.Choice(ACTIVATIONS),
                     help=f"Hidden activation [{D['activation']}]."),
        click.option("--eta", type=float, help=f"First-layer learning rate [{D['eta']}]."),
        click.option("--eta-w", "eta_w", type=float,
                     help=f"Second-layer learning rate; 0 freezes it [{D['eta_w']:g}]."),
        click.option("--sigma", type=float, help=f"Output noise standard deviation [{D['sigma']:g}]."),
        click.option("--algorithm", type=click.Choice(ALGORITHMS),
                     help=f"Learning rule: gd (plain gradient) or ngd (natural gradient, MODEL.md) [{ALGORITHM}]."),
        click.option("--damping", type=float,
                     help="NGD damping eps >= 0 on the scaled Fisher metric (required with --algorithm ngd)."),
        click.option("--teacher", callback=_teacher, metavar="[" + "|".join(TEACHERS) + "|angle:DEG]",
                     help="Teacher second layer; angle:DEG: unit output vectors at pairwise angle DEG "
                          f"(0 = degenerate, 90 = orthogonal) [{D['teacher']}]."),
        click.option("--init", type=click.Choice(INITS), help=f"Student start [{D['init']}]."),
        click.option("--init-scale", "init_scale", type=float,
                     help=f"Scale of the student's initial weights [{D['init_scale']}]."),
        click.option("--seed", type=int, help=f"Seed of the random draws (teacher, student start) [{D['seed']}]."),
        click.option("--init-N", "init_N", type=int,
                     help=f"Input dimension in which the student's start is drawn [{D['init_N']}]."),
        yes_option,
    ])(func)


yes_option = click.option("--yes", "force", is_flag=True,
                          help="Run even when the input exceeds a resource limit (README, Limits).")


def _teacher(ctx, param, value):
    """Validated once, by the package's own parser (an InputError is the one-line error)."""
    from ..builders import parse_teacher
    return None if value is None else parse_teacher(value)


MODEL_OPTION_NAMES = ("setup_file", "K", "M", "L", "activation", "eta", "eta_w", "sigma", "algorithm", "damping",
                      "teacher", "init", "init_scale", "seed", "init_N")


def pop_setup(options, force=False, ode=True, points=0):
    """Remove the model options from a command's keyword arguments; return the resolved Setup.

    The resource limits (plateau.limits) are checked before the start is drawn (from the
    options) or after the file is read (its shapes): ``ode`` includes the cost of the ODE's
    right-hand side, ``points`` the recorded times.  ``force`` (--yes) lifts them.
    """
    from ..builders import resolve_setup
    from ..limits import check_model
    values = {name: options.pop(name) for name in MODEL_OPTION_NAMES}
    setup_file = values.pop("setup_file")
    if setup_file is None:
        K, M, L, N = (D[n] if values[n] is None else values[n] for n in ("K", "M", "L", "init_N"))
        if all(isinstance(v, int) and v >= 1 for v in (K, M, L, N)):
            check_model(K, M, L, values["activation"] or D["activation"], init_N=N, points=points, force=force,
                        ode=ode)
    setup = resolve_setup(setup_file, values)
    if setup_file is not None:
        check_model(setup.K, setup.M, setup.L, setup.activation, points=points, force=force, ode=ode)
    return setup


def grid_size(alphas, points):
    """The number of recorded times of --alphas or --points (parsed or not)."""
    return points + 1 if alphas is None else len(alphas) + 1


_CRITERIA_HELP = {
    "flatness": "A point is flat when |d ln eps_g / d ln alpha| <= this.",
    "min_span": "A plateau spans at least this factor in alpha.",
    "min_drop": "A plateau lies below (1 - this) x the initial eps_g.",
    "escape_fraction": "Escape: eps_g falls below this x the plateau level.",
    "window": "Half-width of the log-log smoothing window, in decades of alpha.",
    "min_level": "Flat stretches below this eps_g are a finished run, not a plateau.",
    "drift": "A slow stall with |d ln eps_g / d ln alpha| <= this is a (drifting) plateau when a fall "
             "--contrast times steeper follows; 0 switches drifting plateaus off.",
    "contrast": "How much steeper than a drifting stall its escape must be.",
}


def plateau_options(func):
    """Options of the plateau definition (plateau.plateaus.PlateauCriteria), with its defaults."""
    from ..plateaus import PlateauCriteria
    defaults = {f.name: f.default for f in dataclasses.fields(PlateauCriteria)}
    return _stack([
        click.option("--" + name.replace("_", "-"), name, type=float, default=defaults[name], show_default=True,
                     help=text)
        for name, text in _CRITERIA_HELP.items()
    ])(func)


def pop_criteria(options):
    """Remove the plateau options from a command's keyword arguments; return the PlateauCriteria."""
    from ..plateaus import PlateauCriteria
    return PlateauCriteria(**{name: options.pop(name) for name in _CRITERIA_HELP})


def ode_options(func):
    """The integrator's options: recorded times, method, tolerances."""
    from ..choices import ATOL, RTOL
    return _stack([
        click.option("--alphas", help="Comma-separated times to record (default: a log grid)."),
        click.option("--points", type=int, default=POINTS, show_default=True, help="Size of the log grid."),
        click.option("--method", default=METHOD, show_default=True, type=click.Choice(METHODS),
                     help="dopri5: compiled Dormand-Prince; others: scipy.integrate.solve_ivp."),
        click.option("--rtol", type=float, default=RTOL, show_default=True),
        click.option("--atol", type=float, default=ATOL, show_default=True),
    ])(func)


def trajectory_outputs(func):
    """The outputs of ``ode`` and ``sgd``: trajectory file, figure (with the Fisher panel), setup, JSON."""
    return _stack([
        click.option("--out", type=click.Path(dir_okay=False), required=True, help="Trajectory file (CSV)."),
        click.option("--plot", type=click.Path(dir_okay=False), help="Figure of eps_g and the order parameters."),
        click.option("--fisher", is_flag=True, help="With --plot: the Fisher spectrum below eps_g (plateau fisher)."),
        click.option("--save-setup", "save_setup", type=click.Path(dir_okay=False),
                     help="Write the setup used (JSON)."),
        click.option("--json", "as_json", is_flag=True, help="Print a JSON summary to stdout."),
    ])(func)


def _deprecated_seeds(ctx, param, value):
    if value is not None:
        click.echo("Note: --seeds counts runs here; it is deprecated in favour of --runs "
                   "(in `plateau scan`, --seeds lists seeds).", err=True)
    return value


def sgd_options(func):
    """Options shared by ``sgd`` and ``compare``: runs, recorded times, start, workers, progress."""
    from ..choices import SGD_RUNS
    return _stack([
        click.option("--runs", type=int, help=f"Independent SGD runs (seeds) per N, averaged [{SGD_RUNS}]."),
        click.option("--seeds", "seeds_count", type=int, hidden=True, callback=_deprecated_seeds,
                     help="Deprecated spelling of --runs."),
        click.option("--alpha-max", "alpha_max", type=float, required=True, help="Run to this alpha = t/N."),
        click.option("--alphas", help="Comma-separated times to record, rounded to whole steps "
                                      "(default: the ODE's log grid)."),
        click.option("--points", type=int, default=POINTS, show_default=True, help="Size of the log grid."),
        click.option("--start", type=click.Choice(STARTS), default="auto", show_default=True,
                     help="exact: initial overlaps equal the setup's; draw: draw the student per run as "
                          "its init says; auto: draw when the setup's student was drawn, else exact."),
        click.option("--sgd-seed", "sgd_seed", type=int,
                     help="Base seed of the SGD runs [the setup's seed, else 0]."),
        click.option("--align", type=click.Choice(ALIGNMENTS),
                     help="Align the runs' units before averaging: to the ODE from the same start, to the "
                          "teacher, or not [ode in compare and for exact starts, else teacher]."),
        click.option("--workers", type=int, help="Threads running the runs in parallel [all CPUs]."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
    ])(func)


def sgd_arguments(setup, options, progress, Ns=(), force=False):
    """Keyword arguments of plateau.sgd.simulate, popped from the shared SGD options; the recorded
    times and the memory of the runs at each of ``Ns`` are checked against plateau.limits."""
    from ..choices import SGD_RUNS
    from ..limits import check_memory, check_points, sgd_bytes
    from ..resources import cpu_count
    runs, old = options.pop("runs"), options.pop("seeds_count")
    if runs is not None and old is not None and runs != old:
        raise InputError("--runs and its old spelling --seeds disagree; give --runs only")
    runs = next((value for value in (runs, old) if value is not None), SGD_RUNS)
    if runs < 1:
        raise InputError(f"--runs must be an integer >= 1, got {runs}")
    base = options.pop("sgd_seed")
    if base is None:
        base = setup.seed if setup.seed is not None else 0
    quiet = options.pop("quiet")
    alphas = parse_floats(options.pop("alphas"), "--alphas")
    points, workers = options.pop("points"), options.pop("workers")
    check_points(points, force)
    for N in Ns:
        if isinstance(N, int) and N >= 1:
            check_memory(sgd_bytes(setup.K, setup.M, setup.L, N, runs, workers or cpu_count(),
                                   grid_size(alphas, points)), f"SGD at N = {N} with {runs} runs", force)
    return dict(seeds=runs, alpha_max=options.pop("alpha_max"), alphas=alphas,
                points=points, seed=base, workers=workers, start=options.pop("start"),
                align=options.pop("align"),
                progress=progress and not quiet)


# --- option strings -------------------------------------------------------------------
def parse_floats(text, name):
    """'0.1,1,10' -> [0.1, 1.0, 10.0] (None stays None)."""
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"{name} must be comma-separated numbers, got {text!r}") from None


def parse_sizes(text, name="--N"):
    """'500,1000' -> [500, 1000]."""
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"{name} must be comma-separated integers, got {text!r}") from None
    if not sizes:
        raise InputError(f"{name} must name at least one size")
    return sizes


def parse_list(text, name, integers=False, limit=None):
    """A comma-separated list of values; with ``integers``, 'a-b' stands for a, a+1, ..., b.

    Values stay strings (except expanded ranges); the scan definition converts and checks them.
    A range of more than ``limit`` values is refused before it is expanded.
    """
    values = []
    for part in (part.strip() for part in str(text).split(",")):
        low, dash, high = part.partition("-")
        if dash and integers and low.isdigit() and high.isdigit():
            if int(high) < int(low):
                raise InputError(f"{name}: the range {part} is empty (write low-high)")
            if limit is not None and int(high) - int(low) + 1 > limit:
                from ..limits import check_grid
                check_grid(int(high) - int(low) + 1, what=f"the range {name} {part}")
            values += range(int(low), int(high) + 1)
        elif part:
            values.append(part)
    if not values:
        raise InputError(f"{name} needs at least one value")
    return values
