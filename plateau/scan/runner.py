"""Running a scan: one point (:func:`run_point`), and the loop that runs the missing points
on an executor and appends their rows to the scan file (:func:`run_scan`).

Each point builds its setup with :func:`plateau.builders.build_setup` (``seed``
is build_setup's seed) and sets its learning rule (``algorithm``, ``damping``:
:meth:`plateau.model.Setup.with_scalars`), integrates the ODEs (:func:`plateau.ode.integrate`) or
simulates SGD (:func:`plateau.sgd.simulate`, base seed = the point's seed),
measures and explains the plateaus of eps_g (:func:`plateau.outcomes.explain`: the
outcome and the class of the final fixed point; no escape prediction)
and gives one row of :data:`plateau.scan.definition.COLUMNS`.
"""
import time
from dataclasses import dataclass

from ..interrupts import caused_by_interrupt
from ..plateaus import PlateauCriteria
from ..progress import progress_bar
from ..resources import cpu_count
from .definition import GRID_ADDED, RESULTS, point_key
from .executors import ProcessExecutor, SerialExecutor
from .store import ScanFile, latest_rows


def run_point(point, settings, threads=1):
    """Run one grid point and measure its plateaus; never raises for a failing point.

    Parameters
    ----------
    point : dict               one value for every name in GRID (algorithm and damping may be left
                               out: gd, None)
    settings : dict            :meth:`ScanDefinition.settings`
    threads : int              threads for the SGD runs of this point

    Returns
    -------
    dict with every name in COLUMNS (None where a quantity does not exist)
    """
    from ..builders import build_setup
    from ..choices import TARGET_EPS_G
    from ..outcomes import explain
    from ..plateaus import alpha_to_reach
    point = {**GRID_ADDED, **point}
    row = dict(point, **{name: None for name in RESULTS})
    start = time.perf_counter()
    try:
        setup = build_setup(K=point["K"], M=point["M"], L=point["L"], activation=point["activation"],
                            eta=point["eta"], eta_w=point["eta_w"], sigma=point["sigma"],
                            teacher=point["teacher"], init=point["init"], init_scale=settings["init_scale"],
                            seed=point["seed"], N=settings["init_N"])
        setup = setup.with_scalars(algorithm=point["algorithm"], damping=point["damping"])
        if settings["engine"] == "ode":
            from ..ode import integrate
            trajectory = integrate(setup, point["alpha_max"], points=settings["record_points"])
        else:
            from ..sgd import simulate
            trajectory = simulate(setup, settings["N"], point["alpha_max"], seeds=settings["sgd_runs"],
                                  points=settings["record_points"], seed=point["seed"], workers=threads,
                                  progress=False, start="auto")
        row.update(status=trajectory.status, message=trajectory.message)
        if len(trajectory.alpha):
            row.update(final_alpha=float(trajectory.alpha[-1]), final_eps_g=float(trajectory.eps_g[-1]))
        if trajectory.status == "finished":
            report = explain(trajectory, PlateauCriteria(**settings["criteria"]), predict=False)
            row.update(_plateau_columns(report), fisher_min=_fisher_min(trajectory, report),
                       alpha_to_target=alpha_to_reach(trajectory.alpha, trajectory.eps_g, TARGET_EPS_G))
    except Exception as exc:   # a failing point becomes a row, not the end of the scan
        if caused_by_interrupt(exc):   # Ctrl-C is no result: the point stays to be run
            raise KeyboardInterrupt from None
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
    row["wall_time"] = round(time.perf_counter() - start, 4)
    return row


def _plateau_columns(report):
    out = {"plateau_outcome": report.outcome, "n_plateaus": len(report.plateaus),
           "final_classification": report.final_classification}
    main = report.main_plateau
    if main is not None:
        out.update(plateau_level=main.level, plateau_onset=main.onset, plateau_end=main.end,
                   escape_alpha=main.escape_alpha,
                   plateau_length=main.escape_alpha - main.onset if main.escaped else None)
    return out


def _fisher_min(trajectory, report):
    """The smallest bulk eigenvalue of the scaled Fisher metric on the main plateau (None without one,
    or for a seed-averaged trajectory whose averaged D is no network's)."""
    from ..errors import InputError
    from ..fisher import plateau_fisher
    from ..fisher.run import run_spectrum
    if report.main is None:
        return None
    try:
        spectrum = run_spectrum(trajectory)
    except InputError:
        return None
    return plateau_fisher(trajectory, spectrum, report)[report.main]["fisher_degeneracy"]


def warm_up(engine, activations, algorithms=("gd",)):
    """Compile (or load from Numba's cache) the kernels a scan's points call, with tiny runs."""
    from ..builders import build_setup
    from ..ode import integrate
    for activation in activations:
        for algorithm in algorithms:
            setup = build_setup(K=2, M=2, L=2, activation=activation, eta_w=0.1, N=8).with_scalars(
                algorithm=algorithm, damping=0.1 if algorithm == "ngd" else None)
            integrate(setup, 0.1, points=2)
            if engine == "sgd":
                from ..sgd import simulate
                simulate(setup, 8, 0.5, seeds=1, points=2, workers=1)


@dataclass
class ScanResult:
    """What :func:`run_scan` did: points in the grid, already in the file, run now, by status."""
    total: int
    skipped: int
    ran: int
    missing: int
    statuses: dict
    wall_time: float

    @property
    def message(self):
        counts = ", ".join(f"{n} {status}" for status, n in sorted(self.statuses.items()))
        text = (f"{self.total} points ({self.skipped} already in the file, {self.ran} run"
                f"{', ' + str(self.missing) + ' missing' if self.missing else ''})")
        return f"{text}: {counts or 'nothing to do'}; {self.wall_time:.1f} s"


def run_scan(definition, path, executor=None, progress=False, repair=False):
    """Run the points of ``definition`` that ``path`` does not hold yet, appending a row for each.

    Parameters
    ----------
    definition : ScanDefinition
    path : str                 the scan file (created when missing; refused when it holds another scan)
    executor : executor, optional   see plateau.scan.executors (default: a process pool on all CPUs);
                               it is used, not closed
    progress : bool            show a tqdm bar of points on stderr
    repair : bool              drop unreadable lines at the end of the file (a crash mid-write)
                               instead of refusing it

    Returns
    -------
    ScanResult (statuses count the rows of the whole file)
    """
    begin = time.perf_counter()
    with ScanFile(path, definition, repair=repair) as store:
        done = store.done()
        todo = [p for p in definition.points() if point_key(p) not in done]
        total = len(definition.points())
        if todo:
            if executor is None:
                with (ProcessExecutor() if cpu_count() > 1 else SerialExecutor()) as own:
                    _run_points(definition, todo, total, store, own, progress)
            else:
                _run_points(definition, todo, total, store, executor, progress)
        missing = store.finish()
        statuses = {}
        for row in latest_rows(store.rows):
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    return ScanResult(total=total, skipped=total - len(todo), ran=len(todo), missing=missing,
                      statuses=statuses, wall_time=time.perf_counter() - begin)


def _run_points(definition, todo, total, store, executor, progress):
    threads = executor.threads_per_task()
    settings = definition.settings()
    executor.warm_up(warm_up, definition.engine, definition.grid["activation"], definition.grid["algorithm"])
    futures = [executor.submit(run_point, point, settings, threads) for point in todo]
    bar = progress_bar(total, progress, initial=total - len(todo), unit="point", desc="scan", delay=0.0)
    try:
        for future in executor.as_completed(futures):
            store.append(future.result())
            bar.update(1)
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    finally:
        bar.close()
