"""``plateau warm-up``: compile (or load) the kernels a later run needs, ahead of it.

Numba compiles each kernel on its first use and caches it on disk
(~/.cache/plateau, or under $XDG_CACHE_HOME); the first command after an
install or an update otherwise pays that compile (seconds to tens of seconds).
Run this once when building an image for a cluster, so that workers start warm.
It runs tiny problems through the same code paths as real runs, so the
compiled signatures are exactly the ones real runs use.  It also writes the
bytecode of plateau's own modules, which Python otherwise compiles from source
at every start when it may not write it (PYTHONDONTWRITEBYTECODE, as on the
development machine, or a read-only install): ~40 ms of each run.
"""
import time

import click

from ..choices import ACTIVATIONS
from ..errors import InputError
from .app import cli


@cli.command("warm-up")
@click.option("--activation", "activations", default="erf", show_default=True,
              help="Comma-separated activations to prepare (erf, relu, linear) or 'all'.")
@click.option("--sgd", is_flag=True, help="Also the direct SGD kernels.")
@click.option("--ngd", is_flag=True, help="Also natural-gradient learning (ODE, and SGD with --sgd).")
@click.option("--large/--no-large", default=True, show_default=True,
              help="For erf, also the code of networks with K >= 5 student units or K + M > 8 units "
                   "(vectorised I4 sums, the compiled Jacobian of the fixed-point analysis).")
@click.option("--prune", is_flag=True,
              help="Also delete the kernel caches of other plateau versions (earlier installs, edited "
                   "kernels); another version still installed elsewhere would compile again.")
def warm_up(activations, sgd, ngd, large, prune):
    """Compile or load the compiled kernels ahead of a run (e.g. when building a cluster image)."""
    from ..builders import build_setup
    from ..ode import integrate
    names = ACTIVATIONS if activations.strip() == "all" else [a.strip() for a in activations.split(",") if a.strip()]
    unknown = [a for a in names if a not in ACTIVATIONS]
    if unknown or not names:
        raise InputError(f"--activation takes names from {', '.join(ACTIVATIONS)} (or 'all'), got {activations!r}")
    algorithms = ["gd", "ngd"] if ngd else ["gd"]
    total = time.perf_counter()
    for name in names:
        for algorithm in algorithms:
            begin = time.perf_counter()
            setup = _with_algorithm(build_setup(K=2, M=2, L=1, activation=name, seed=0), algorithm)
            integrate(setup, 1.0, points=3)
            parts = ["ode"]
            if sgd:
                from ..sgd import simulate
                simulate(setup, 20, 0.5, seeds=1, points=3, workers=1)
                parts.append("sgd")
            click.echo(f"{name}, {algorithm}: {' + '.join(parts)} ready in {time.perf_counter() - begin:.1f} s")
            if large and name == "erf":
                begin = time.perf_counter()
                K = _smallest_wide_K()
                _warm_large(_with_algorithm(build_setup(K=K, M=K, L=1, seed=0), algorithm))
                click.echo(f"{name} with K >= {K}, {algorithm}: ode ready in {time.perf_counter() - begin:.1f} s")
    _write_bytecode()
    click.echo(f"kernels ready ({time.perf_counter() - total:.1f} s); later runs load them from the cache")
    if prune:
        _prune_stale_caches()


def _prune_stale_caches():
    """Delete the kernel caches of other plateau versions and say what that freed (what cannot be
    deleted, e.g. for want of permission, is named on stderr; the warm-up has still succeeded)."""
    import os
    import shutil
    from ..kernels._jit import stale_cache_directories
    removed, freed = 0, 0
    for path in stale_cache_directories():
        size = sum(os.path.getsize(os.path.join(top, name)) for top, _, names in os.walk(path) for name in names)
        shutil.rmtree(path, ignore_errors=True)
        if os.path.exists(path):
            click.echo(f"plateau: could not remove the old kernel cache {path}", err=True)
        else:
            removed, freed = removed + 1, freed + size
    click.echo(f"removed {removed} kernel caches of other plateau versions ({freed / 1e6:.0f} MB)")


def _write_bytecode():
    """Byte-compile plateau's modules into their __pycache__ (quietly skipped where not writable)."""
    import compileall
    import os
    compileall.compile_dir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), quiet=2)


def _with_algorithm(setup, algorithm):
    return setup.with_scalars(algorithm="ngd", damping=1e-2) if algorithm == "ngd" else setup


def _smallest_wide_K():
    from ..kernels.entries import pairs_vectorised
    from ..kernels.integrals import ERF
    return next(K for K in range(1, 1000) if pairs_vectorised(ERF, K))


def _warm_large(setup):
    """The entry of large erf networks and, for gradient descent, its compiled Jacobian."""
    from ..ode import initial_state, integrate, rhs_function
    from ..linearise import active_coordinates, jacobian
    integrate(setup, 1.0, points=3)
    trained = setup.eta_w != 0.0
    jacobian(rhs_function(setup), initial_state(setup), active_coordinates(setup.K, setup.M, setup.L, trained))
