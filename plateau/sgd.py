"""Direct online-SGD simulation in N dimensions: :func:`simulate` and :func:`simulate_seeds`.

A setup with algorithm 'ngd' takes natural-gradient steps (:mod:`plateau.kernels.sgd_ngd`,
chosen by :func:`plateau.natural.step_function`) from the same streams.

Each seed is an independent network pair and sample stream: seed index s of a
run with base seed ``seed`` takes ``numpy.random.SeedSequence([seed, s])`` and
spawns three generators from it, for the initial directions
(:func:`plateau.networks.make_networks`), the inputs xi and the output noise
zeta.  The steps run in the compiled loop of :mod:`plateau.kernels.sgd`, which
draws from these generators directly, so a seed's run is reproducible bit for
bit and does not depend on the number of workers or on how it is split into
calls.  Seeds run in parallel in threads (the kernel releases the GIL).

Order parameters are measured from the weights, Q = J J^T / N, R = J B^T / N,
D = W W^T, E = W V^T, and eps_g is computed from them with the ODE's kernel
(:func:`plateau.kernels.rhs.generalisation_error`), at the recorded times: the
times of :func:`plateau.ode.output_grid` rounded to whole steps, alpha = t / N
(times that round to the same step are recorded once).

A seed whose weights become non-finite, or whose order parameters exceed
``divergence_threshold`` in magnitude, stops with status 'diverged'; its
trajectory keeps the times before that, and the seed average stops at the
last time every seed reached, so no file ever holds NaN.
"""
import math
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .kernels import sgd as kernels
from .kernels.integrals import ACTIVATION_CODES
from .kernels.rhs import generalisation_error
from .model import Setup
from .natural import metric_problem, step_function
from .networks import check_size, make_networks, resolve_start
from .interrupts import check as check_interrupt, deferred_interrupts
from .progress import progress_bar
from .ode import DEFAULT_POINTS, DIVERGENCE_THRESHOLD, output_grid
from .trajectory import Trajectory
from .errors import InputError
from .resources import cpu_count

# The kernel stops when a field or an error component exceeds this: far beyond
# any finite run below the divergence threshold, and far from overflow.
FIELD_LIMIT = 1e100
# Steps per kernel call are at most this many input numbers / N: between calls
# Python checks for divergence, updates the progress bar and sees Ctrl-C.
_NUMBERS_PER_CALL = 1 << 25


def recording_steps(N, alpha_max, alphas=None, points=DEFAULT_POINTS):
    """The steps t (n_t,) at which to record: ``output_grid`` times times N, rounded, unique."""
    grid = output_grid(alpha_max, alphas, points)
    steps = np.unique(np.rint(grid * N).astype(np.int64))
    if steps[-1] < 1:
        raise InputError(f"alpha-max = {alpha_max:g} is less than one step at N = {N} (alpha = t/N)")
    return steps


def simulate_seeds(setup, N, alpha_max, *, seeds=8, alphas=None, points=DEFAULT_POINTS, seed=0,
                   workers=None, progress=False, start="auto", divergence_threshold=DIVERGENCE_THRESHOLD):
    """Simulate online SGD for several independent seeds; one Trajectory per seed.

    Parameters
    ----------
    setup : Setup
    N : int >= K + M                  input dimension
    alpha_max : float > 0             simulate to t = round(alpha_max N) steps
    seeds : int >= 1                  number of independent runs
    alphas : sequence of float, optional   times to record (alpha = 0 is always added),
                                      rounded to whole steps; default a log grid
    points : int                      size of the log grid when ``alphas`` is None
    seed : int >= 0                   base seed; run s uses SeedSequence([seed, s])
    workers : int, optional           threads (default: the CPUs available, at most ``seeds``)
    progress : bool                   show a tqdm bar on stderr (after 2 s)
    start : {'auto', 'exact', 'draw'} initial networks, see :mod:`plateau.networks`
    divergence_threshold : float      stop a seed whose order parameter exceeds this

    Returns
    -------
    list of ``seeds`` Trajectory objects (alpha (n_t,), eps_g (n_t,), Q (n_t, K, K),
    R (n_t, K, M), D (n_t, K, K), E (n_t, K, M); ``eps_g_sem`` is None), each with
    its own status and ``info`` (N, seed, seed_index, start, steps done).
    """
    N, seeds, workers, mode, steps = check_arguments(setup, N, alpha_max, seeds, alphas, points, seed, workers,
                                                     start, divergence_threshold)
    chunk = max(1, _NUMBERS_PER_CALL // N)

    bar = progress_bar(seeds * int(steps[-1]), progress, unit="step", unit_scale=True, desc="SGD")
    lock = threading.Lock()
    cancelled = threading.Event()

    def advance(n):
        with lock:
            bar.update(n)

    def run(index):
        return _run_seed(setup, N, steps, int(seed), index, mode, float(divergence_threshold), chunk,
                         advance, cancelled)

    with deferred_interrupts():
        return _run_all(run, seeds, workers, cancelled, bar)


def _run_all(run, seeds, workers, cancelled, bar):
    """Run every seed, in threads when there are several workers; close the bar at the end."""
    try:
        if min(workers, seeds) == 1:
            return [run(index) for index in range(seeds)]
        pool = ThreadPoolExecutor(max_workers=min(workers, seeds))
        try:
            futures = [pool.submit(run, index) for index in range(seeds)]
            results = [future.result() for future in futures]
        except BaseException:   # Ctrl-C or an error in one seed: stop the others at their next call
            cancelled.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
        return results
    finally:
        bar.close()


def check_arguments(setup, N, alpha_max, seeds=8, alphas=None, points=DEFAULT_POINTS, seed=0, workers=None,
                    start="auto", divergence_threshold=DIVERGENCE_THRESHOLD):
    """Validate the arguments of :func:`simulate_seeds` (InputError with a one-line message).

    Returns N, seeds, workers (ints), the start mode ('exact' or 'draw') and the recording steps.
    """
    if not isinstance(setup, Setup):
        raise InputError(f"setup must be a Setup, got {type(setup).__name__}")
    N = check_size(setup, N)
    seeds = _positive_int(seeds, "seeds")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be an integer >= 0, got {seed!r}")
    workers = cpu_count() if workers is None else _positive_int(workers, "workers")
    if not (divergence_threshold > 0):
        raise InputError(f"divergence_threshold must be positive, got {divergence_threshold}")
    mode = resolve_start(setup, start)
    steps = recording_steps(N, alpha_max, alphas, points)
    return N, seeds, workers, mode, steps


def simulate(setup, N, alpha_max, *, seeds=8, alphas=None, points=DEFAULT_POINTS, seed=0, workers=None,
             progress=False, start="auto", divergence_threshold=DIVERGENCE_THRESHOLD, align=None,
             reference=None):
    """Simulate online SGD for several seeds and return their average.

    Takes the arguments of :func:`simulate_seeds`, and

    align : {'none', 'teacher', 'ode'} or None   how the runs' units are aligned before their
                                      order parameters are averaged (:mod:`plateau.align`);
                                      None: 'ode' for an exact start, else 'teacher'
    reference : Trajectory, optional  the ODE trajectory for align='ode' (default: integrated
                                      here from the setup, to alpha_max)

    Returns a Trajectory whose eps_g, Q, R, D, E are the means over seeds at each
    recorded time (of the aligned runs), with ``eps_g_sem`` (n_t,) = std over
    seeds (ddof=1) / sqrt(seeds) (None when seeds = 1) and the same for the order
    parameters in ``order_parameter_sem``.  ``status`` is 'finished', or
    'diverged' if any seed diverged, in which case the average stops at the last
    time all seeds reached and ``message`` names the seeds.
    """
    runs = simulate_seeds(setup, N, alpha_max, seeds=seeds, alphas=alphas, points=points, seed=seed,
                          workers=workers, progress=progress, start=start,
                          divergence_threshold=divergence_threshold)
    align = default_alignment(resolve_start(setup, start)) if align is None else align
    if align == "ode" and reference is None:
        from .ode import integrate
        reference = integrate(setup, alpha_max, alphas=runs[0].alpha[1:], points=points)
    return seed_average(runs, alpha_max, align=align, reference=reference)


def default_alignment(start_mode):
    """'ode' for runs that start exactly where the ODE does, else 'teacher'."""
    return "ode" if start_mode == "exact" else "teacher"


def seed_average(runs, alpha_max=None, align="none", reference=None):
    """The seed average of trajectories recorded at the same times (see :func:`simulate`);
    the runs' units are aligned first as ``align`` says (:func:`plateau.align.align_runs`);
    'ode' needs the ODE ``reference`` up to the runs' last time, else the teacher is used
    (the result's ``align`` says which)."""
    from .align import align_runs
    if not runs:
        raise InputError("no trajectories to average")
    n_t = min(len(run.alpha) for run in runs)
    S = len(runs)
    eps = np.array([run.eps_g[:n_t] for run in runs])
    if align == "ode" and (reference is None or reference.alpha[-1] < runs[0].alpha[n_t - 1]):
        align = "teacher"   # the ODE stopped early (it diverged too): the teacher is the reference left
    aligned = align_runs([_first(run, n_t) for run in runs], runs[0].setup, align, reference)
    mean = {name: np.mean([parts[name] for parts in aligned], axis=0) for name in "QRDE"}
    sem = eps.std(axis=0, ddof=1) / math.sqrt(S) if S > 1 else None
    failed = [run for run in runs if not run.success]
    order_sem = None
    if S > 1:
        order_sem = {name: np.std([parts[name] for parts in aligned], axis=0, ddof=1) / math.sqrt(S)
                     for name in "QRDE"}
    if not failed:
        status = "finished"
        reached = runs[0].alpha[-1] if alpha_max is None else alpha_max
        message = f"simulated {S} seed{'s' if S > 1 else ''} to alpha = {reached:g}"
    else:
        status = "diverged" if any(run.status == "diverged" for run in failed) else "failed"
        indices = ", ".join(str(run.info.get("seed_index", "?")) for run in failed)
        message = (f"{len(failed)} of {S} seeds stopped (seed index {indices}); the average ends at "
                   f"alpha = {runs[0].alpha[n_t - 1]:.4g}. Earliest: "
                   f"{min(failed, key=lambda run: run.info.get('steps', 0)).message}")
    first = runs[0]
    return Trajectory(alpha=first.alpha[:n_t].copy(), eps_g=eps.mean(axis=0), eps_g_sem=sem,
                      status=status, message=message, engine="sgd", setup=first.setup, N=first.N, runs=S,
                      seed=first.seed, start=first.start, align=align, order_parameter_sem=order_sem, **mean)


def _first(run, n_t):
    """The run cut to its first n_t recorded times (the times every run reached)."""
    from dataclasses import replace
    return replace(run, alpha=run.alpha[:n_t], eps_g=run.eps_g[:n_t],
                   **{name: getattr(run, name)[:n_t] for name in "QRDE"})


def _run_seed(setup, N, steps, seed, index, mode, threshold, chunk, advance, cancelled):
    """One seed's run: a Trajectory recorded at ``steps`` (ints, steps[0] = 0)."""
    net_seq, x_seq, z_seq = np.random.SeedSequence([seed, index]).spawn(3)
    nets = make_networks(setup, N, np.random.default_rng(net_seq), mode)
    rng_x, rng_z = np.random.default_rng(x_seq), np.random.default_rng(z_seq)
    J, W, B, V = nets.J, nets.W, nets.B, nets.V
    act = ACTIVATION_CODES[setup.activation]
    take_steps = step_function(setup)     # plain SGD, or NGD (plateau.natural) when the setup says so
    K, M = setup.K, setup.M
    n_rec = len(steps)
    Q, R = np.empty((n_rec, K, K)), np.empty((n_rec, K, M))
    D, E = np.empty((n_rec, K, K)), np.empty((n_rec, K, M))
    Q[0], R[0], D[0], E[0] = kernels.order_parameters(J, B, W, V)
    recorded, done, stopped_at = 1, 0, None
    for r in range(1, n_rec):
        while done < steps[r] and stopped_at is None:
            if cancelled.is_set():
                raise RuntimeError("cancelled")
            want = int(min(chunk, steps[r] - done))
            did = take_steps(J, W, B, V, want, rng_x, rng_z, FIELD_LIMIT)
            check_interrupt()
            done += did
            advance(did)
            params = kernels.order_parameters(J, B, W, V)
            if did < want or not _bounded(params, W, threshold):
                stopped_at = done
        if stopped_at is not None:
            break
        Q[r], R[r], D[r], E[r] = params
        recorded += 1
    T, F = np.ascontiguousarray(setup.T), np.ascontiguousarray(setup.F)
    eps = np.array([generalisation_error(Q[r], R[r], D[r], E[r], T, F, act) for r in range(recorded)])
    info = {"seed_index": index, "steps": int(done)}
    if stopped_at is None:
        status, message = "finished", f"simulated to alpha = {steps[-1] / N:g}"
    else:
        status = "diverged"
        message = (f"diverged at alpha = {stopped_at / N:.4g} (N = {N}, seed index {index}): the weights "
                   f"became non-finite or an order parameter exceeded {threshold:g} in magnitude "
                   f"(eta = {setup.eta:g}, eta_w = {setup.eta_w:g} may be too large)")
        problem = metric_problem(setup, *kernels.order_parameters(J, B, W, V)[:1], W)
        if problem is not None:
            status, message = "failed", f"stopped at alpha = {stopped_at / N:.4g} (seed index {index}): {problem}"
    return Trajectory(alpha=steps[:recorded] / N, eps_g=eps, Q=Q[:recorded], R=R[:recorded],
                      D=D[:recorded], E=E[:recorded], status=status, message=message, engine="sgd",
                      setup=setup, N=N, runs=1, seed=seed, start=mode, info=info)


def _bounded(params, W, threshold):
    for value in params:
        if not np.all(np.isfinite(value)) or np.max(np.abs(value)) > threshold:
            return False
    return bool(np.all(np.isfinite(W)))


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)
