"""Resource guards: inputs whose cost is absurd are refused up front, in one place.

Every limit below is checked before any work or large allocation; a refusal is an
:class:`~plateau.errors.InputError` (one line ``Error: ...``, exit status 2) that says
the limit, why, and that ``--yes`` runs anyway.  The README's "Limits" section lists them.

- :data:`MAX_RHS_SECONDS`: the estimated time of one ODE right-hand side (a run needs
  thousands of them).  One right-hand side costs about ``K^2 (K + M)^2`` Gaussian
  averages (the I4 terms); :data:`RHS_SECONDS_PER_UNIT` holds the measured cost of one
  unit per activation (erf: 3.3 ms at K = M = 32, with the I4 sums vectorised over pairs
  of units; relu: 4 s at K = M = 32, whose I4 needs quadrature), so erf allows K = M of
  about 130 and relu about 20.
- :data:`MAX_POINTS`: recorded times of one run (``--points``, ``--alphas``).
- :data:`MAX_GRID_POINTS`: points of a scan or a rates map (the product of the value lists).
- Memory: the estimated peak of a run (SGD networks, the drawn start, the recorded
  trajectory) must fit in :data:`MEMORY_FRACTION` of the memory available now
  (``MemAvailable`` of /proc/meminfo, else ``os.sysconf``).
"""
import os

from .errors import InputError

MAX_RHS_SECONDS = 1.0
#: Seconds per unit K^2 (K + M)^2 of one right-hand side, measured on one core (K = M = 16 and 32).
RHS_SECONDS_PER_UNIT = {"erf": 8e-10, "linear": 1.2e-8, "relu": 1.0e-6}
MAX_POINTS = 1_000_000
MAX_GRID_POINTS = 100_000
MEMORY_FRACTION = 0.8
OVERRIDE = "--yes"


def available_memory():
    """Bytes of memory available to a new allocation now (None when unknown)."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _refuse(message, force):
    if not force:
        raise InputError(f"{message}; pass {OVERRIDE} to run anyway")


def _size(n):
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n / 1e3:.3g} kB"


def rhs_seconds(K, M, activation="erf"):
    """Estimated seconds of one ODE right-hand side at K student and M teacher units."""
    return RHS_SECONDS_PER_UNIT.get(activation, RHS_SECONDS_PER_UNIT["relu"]) * float(K) ** 2 * float(K + M) ** 2


def check_rhs_cost(K, M, activation="erf", force=False):
    """Refuse a model whose ODE right-hand side would take longer than MAX_RHS_SECONDS."""
    seconds = rhs_seconds(K, M, activation)
    if seconds > MAX_RHS_SECONDS:
        _refuse(f"K = {K}, M = {M} ({activation}): one right-hand side of the ODEs takes about {seconds:.3g} s "
                f"(it costs ~K^2 (K+M)^2 Gaussian averages) and a run needs thousands; the limit is "
                f"{MAX_RHS_SECONDS:g} s", force)


def check_points(points, force=False, option="--points"):
    """Refuse more than MAX_POINTS recorded times."""
    if points is not None and points > MAX_POINTS:
        _refuse(f"{option} {points} records more than {MAX_POINTS:,} times", force)


def check_grid(points, force=False, what="the scan"):
    """Refuse a grid of more than MAX_GRID_POINTS points."""
    if points > MAX_GRID_POINTS:
        _refuse(f"{what} has {points:,} points, more than {MAX_GRID_POINTS:,}", force)


def check_memory(nbytes, what, force=False):
    """Refuse when ``nbytes`` exceed MEMORY_FRACTION of the memory available now."""
    free = available_memory()
    if free is not None and nbytes > MEMORY_FRACTION * free:
        _refuse(f"{what} needs about {_size(nbytes)} of memory and {_size(free)} is available", force)


def model_bytes(K, M, L, points=0):
    """Bytes of a setup and of ``points`` recorded states (Q, R, W, D, E per time)."""
    per_state = K * K + K * M + K * L + K * K + K * M
    return 8.0 * (M * M + M * L + (points + 4) * per_state)


def draw_bytes(K, M, N):
    """Peak bytes of drawing K (or K + M) vectors in N dimensions (the draw and its QR factorisation)."""
    return 8.0 * 4 * (K + M) * float(N)


def sgd_bytes(K, M, L, N, runs, workers, points):
    """Peak bytes of SGD: the networks and their draw for each run in flight, and every run's trajectory."""
    in_flight = max(1, min(runs, workers))
    return in_flight * (draw_bytes(K, M, N) + 8.0 * 2 * N) + runs * model_bytes(K, M, L, points)


def check_model(K, M, L, activation="erf", init_N=None, points=0, force=False, ode=True):
    """The guards of one model run: ODE cost (when ``ode``), the drawn start and the recorded states."""
    if ode:
        check_rhs_cost(K, M, activation, force)
    if init_N is not None:
        check_memory(draw_bytes(K, M, init_N), f"drawing the student's start (K = {K}, --init-N {init_N})", force)
    check_memory(model_bytes(K, M, L, points), f"the model (K = {K}, M = {M}, L = {L}) and {points} recorded times",
                 force)
