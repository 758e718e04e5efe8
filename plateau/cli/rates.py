"""The ``rates`` command: the largest and the best learning rate, predicted (and, with --map, checked)."""
import json
import os
import sys

import click

from ..choices import ACTIVATIONS, SETUP_DEFAULTS, SGD_N, SGD_RUNS, TEACHERS
from ..errors import InputError
from .app import cli
from .options import yes_option
from .output import save_figure


def _fmt(values, count=6):
    return ", ".join(f"{z.real:.4g}" + (f"{z.imag:+.3g}i" if abs(z.imag) > 1e-12 else "") for z in values[:count])


@cli.command()
@click.option("--setup", "setup_file", type=click.Path(dir_okay=False),
              help="Setup file (JSON); its eta_w / eta ratio is kept as eta varies.")
@click.option("--K", "K", help=f"Student = teacher hidden units [{SETUP_DEFAULTS['K']}]; with --map a "
                               "range a-b or a list (M = K throughout).")
@click.option("--M", "M", type=int, help="Teacher hidden units [= K]; rates need M = K.")
@click.option("--L", "L", help=f"Output units [{SETUP_DEFAULTS['L']}]; with --map a range a-b or a list.")
@click.option("--activation", type=click.Choice(ACTIVATIONS), help="Hidden activation [erf]; relu has no "
                                                                    "differentiable perfect state.")
@click.option("--teacher", type=click.Choice(TEACHERS), help="Teacher second layer [degenerate].")
@click.option("--eta", help="Learning rate: with --map the map's rates, LO:HI:N (N evenly spaced, both ends "
                            "included) or a comma list; otherwise only eta_w / eta matters [0.1].")
@click.option("--eta-w", "eta_w", type=float, help="Second-layer rate at --eta: fixes the ratio eta_w / eta "
                                                   "(0 freezes W) [0].")
@click.option("--eta-w-ratio", "ratio", type=float, help="eta_w / eta directly (instead of --eta-w).")
@click.option("--sigma", type=float, help="Output noise; must be 0 (no perfect fixed point otherwise).")
@click.option("--seed", type=int, help="Seed of the draws (teacher, the map's random starts) [0].")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--plot", type=click.Path(dir_okay=False), help="Figure: Re lambda against eta.")
@click.option("--map", "as_map", is_flag=True, help="Run the map of real training runs over eta and K (or L).")
@click.option("--alpha-max", "alpha_max", type=float, default=5000.0, show_default=True,
              help="--map: train to this alpha.")
@click.option("--seeds", default="0", show_default=True, help="--map: seeds of the random starts, a-b or a list.")
@click.option("--sgd", is_flag=True, help="--map: simulate SGD instead of the ODEs.")
@click.option("--N", "N", type=int, help=f"--map --sgd: input dimension [{SGD_N}].")
@click.option("--sgd-runs", "runs", type=int, help=f"--map --sgd: runs averaged per point [{SGD_RUNS}].")
@click.option("--color", type=click.Choice(["final_eps_g", "escape_alpha"]), default="final_eps_g",
              show_default=True, help="--map: what colours a cell.")
@click.option("--out", type=click.Path(dir_okay=False), help="--map: the figure (png, pdf, svg).")
@click.option("--scan-file", "scan_file", type=click.Path(dir_okay=False),
              help="--map: the resumable scan file [--out with .csv].")
@click.option("--workers", type=int, help="--map: worker processes [all CPUs].")
@click.option("--quiet", is_flag=True, help="--map: no progress bar.")
@yes_option
def rates(setup_file, K, M, L, activation, teacher, eta, eta_w, ratio, sigma, seed, as_json, plot, as_map, alpha_max,
          seeds, sgd, N, runs, color, out, scan_file, workers, quiet, force):
    """The largest (eta_max) and the fastest (eta_opt) learning rate at the perfect-learning fixed point,
    from the eigenvalues of the linearised ODEs; with --map, checked against real training runs."""
    if eta_w is not None and ratio is not None:
        raise InputError("give --eta-w or --eta-w-ratio, not both")
    if as_map:
        if M is not None:
            raise InputError("--map sets M = K at every point; leave out --M")
        return _map(K, L, activation, teacher, eta, eta_w, ratio, sigma, seed, alpha_max, seeds, sgd, N, runs,
                    color, out, scan_file, workers, quiet, setup_file, force)
    _predict(setup_file, K, M, L, activation, teacher, eta, eta_w, ratio, sigma, seed, as_json, plot, force)


def _single(text, name, kind):
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        raise InputError(f"{name} takes one value without --map, got {text!r}") from None


def _predict(setup_file, K, M, L, activation, teacher, eta, eta_w, ratio, sigma, seed, as_json, plot, force=False):
    from ..limits import check_model
    from ..builders import resolve_setup
    from ..rates import learning_rates
    eta = _single(eta, "--eta", float)
    if eta is not None and eta <= 0:
        raise InputError(f"--eta must be > 0, got {eta:g}")
    if ratio is not None:
        eta_w = ratio * (eta if eta is not None else SETUP_DEFAULTS["eta"])
    options = {"K": _single(K, "--K", int), "L": _single(L, "--L", int), "activation": activation,
               "teacher": teacher, "eta": eta, "eta_w": eta_w, "sigma": sigma, "seed": seed}
    options["M"] = M if M is not None else options["K"]
    if setup_file is None:
        sizes = [SETUP_DEFAULTS[n] if options[n] is None else options[n] for n in ("K", "M", "L")]
        if all(v >= 1 for v in sizes):
            check_model(*sizes, activation or SETUP_DEFAULTS["activation"], init_N=SETUP_DEFAULTS["init_N"],
                        force=force)
    setup = resolve_setup(setup_file, options)
    if setup_file is not None:
        check_model(setup.K, setup.M, setup.L, setup.activation, force=force)
    result = learning_rates(setup)
    if plot:
        from ..plotting.rates import rates_spectrum_figure
        from ..rates.limits import spectrum_curve
        etas, real = spectrum_curve(result)
        kind = "frozen W" if setup.eta_w == 0 else f"eta_w = {result.pencil.ratio:g} eta"
        save_figure(rates_spectrum_figure(etas, real, result.eta_max, result.eta_opt,
                                          title=f"K = M = {setup.K}, L = {setup.L}, {setup.activation}, {kind}"), plot)
    if as_json:
        click.echo(json.dumps(result.summary(), indent=1))
        return
    click.echo(result.message)
    click.echo(f"eigenvalues at eta_max: {_fmt(result.eigenvalues_max)} ...")
    click.echo(f"eigenvalues at eta_opt: {_fmt(result.eigenvalues_opt)} ...")
    if result.saad_solla:
        ss = result.saad_solla
        click.echo(f"Saad & Solla (large-K closed forms): eta_max = pi sqrt(3)/K = {ss['eta_max']:.6g}, "
                   f"eta_opt = eta_max/2 = {ss['eta_opt']:.6g}, eps_g rate there 1/K = {ss['eps_g_rate_at_eta_opt']:.4g} "
                   f"(leading order in 1/K; see the README)")


def _map(K, L, activation, teacher, eta, eta_w, ratio, sigma, seed, alpha_max, seeds, sgd, N, runs, color, out,
         scan_file, workers, quiet, setup_file, force=False):
    from .scans import check_scan_limits
    from ..rates.map import map_definition, map_predictions, map_table, parse_eta_range, parse_int_range, run_map
    from ..scan import make_executor
    if setup_file is not None:
        raise InputError("--map builds its own setups from --K/--L; it cannot take --setup")
    if out is None:
        raise InputError("--map needs --out (the figure)")
    if sigma:
        raise InputError(f"with output noise sigma = {sigma:g} the perfect state is not a fixed point; give --sigma 0")
    if eta is None:
        raise InputError("--map needs --eta LO:HI:N (or a comma list)")
    etas = parse_eta_range(eta)
    if eta_w is not None:
        raise InputError("--map keeps eta_w / eta fixed: give --eta-w-ratio")
    ratio = 0.0 if ratio is None else ratio
    if ratio < 0:
        raise InputError(f"--eta-w-ratio must be >= 0, got {ratio:g}")
    K_values = parse_int_range(K, "--K") if K is not None else None
    L_values = parse_int_range(L, "--L") if L is not None else None
    if K_values is None and L_values is None:
        raise InputError("--map runs over --K a-b or over --L a-b; give one of them")
    if K_values and L_values and len(K_values) > 1 and len(L_values) > 1:
        raise InputError("--map runs over one of --K and --L; give the other a single value")
    over = "L" if K_values is None or (L_values and len(L_values) > 1) else "K"
    values = K_values if over == "K" else L_values
    fixed_K = K_values[0] if over == "L" and K_values else SETUP_DEFAULTS["K"]
    fixed_L = L_values[0] if over == "K" and L_values else SETUP_DEFAULTS["L"]
    if sgd:
        N, runs = (SGD_N if N is None else N), (SGD_RUNS if runs is None else runs)
    elif N is not None or runs is not None:
        raise InputError("--N and --sgd-runs need --sgd")
    definition = map_definition(over, values, etas, alpha_max, ratio=ratio, K=fixed_K, L=fixed_L,
                                activation=activation or "erf", teacher=teacher or "degenerate",
                                seeds=[seed] if seed is not None else parse_int_range(seeds, "--seeds", low=0),
                                engine="sgd" if sgd else "ode", N=N, runs=runs)
    check_scan_limits(definition, workers, force)
    path = scan_file or os.path.splitext(out)[0] + ".csv"
    with make_executor(workers, None) as executor:
        result = run_map(definition, path, executor, progress=not quiet and sys.stderr.isatty())
    click.echo(f"{path}: {result.message}")
    table = map_table(path, over)
    eta_max, eta_opt = map_predictions(table, ratio)
    from ..plotting.rates import rates_map_figure
    engine = f"SGD N={N}" if sgd else "ODE"
    kind = "frozen W" if ratio == 0 else f"eta_w = {ratio:g} eta"
    fixed = f"L = {fixed_L}" if over == "K" else f"K = M = {fixed_K}"
    save_figure(rates_map_figure(table, eta_max, eta_opt, color=color,
                                 title=f"{engine}, {fixed}, {kind}, alpha = {alpha_max:g}: {color} (grey: diverged)"),
                out)
    for value, e_max, e_opt in zip(values, eta_max, eta_opt):
        click.echo(f"{over} = {value}: predicted eta_max = {e_max:.4g}, eta_opt = {e_opt:.4g}")
