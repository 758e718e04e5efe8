"""Aligning the student units of independent runs before their order parameters are averaged.

The network is unchanged when its hidden units are permuted (J_i and w_i
together), and, for odd activations (erf, linear), when a unit's sign is
flipped (J_i, w_i) -> (-J_i, -w_i).  Independent SGD runs therefore specialise
in different orders: unit 1 learns teacher 1 in some runs and teacher 2 in
others, and a plain average of R over runs mixes them (after the escape the
mean R of K = M = 2 runs looks unspecialised although every run has
specialised).  eps_g is invariant and unaffected.

Each run is aligned once, at its last recorded time, to a reference state
(R_ref (K, M), W-part E_ref (K, M)): the permutation pi and signs s that
minimise

    sum_i || s_i R[pi(i)] - R_ref[i] ||^2 + || s_i E[pi(i)] - E_ref[i] ||^2

(an assignment problem, solved by scipy.optimize.linear_sum_assignment on the
K x K matrix of the best-sign costs), then applied to the whole run: Q ->
S P Q P^T S, R -> S P R, D -> S P D P^T S, E -> S P E.  One permutation per
run keeps every aligned curve continuous; choosing it at the end, after the
escape, is when the order is decided.  References (:data:`ALIGNMENTS`):

``'teacher'``  R_ref = T[:K] (student unit i learns teacher unit i; rows of zeros
               for units beyond M) and E_ref = F[:K] likewise;
``'ode'``      the ODE trajectory's state at the run's last time (the same start);
``'none'``     no alignment (plain averages, as in plateau 0.1).
"""
import numpy as np

from .errors import choose

ALIGNMENTS = ("none", "teacher", "ode")
#: Activations whose units may also flip sign without changing the network.
ODD_ACTIVATIONS = ("erf", "linear")


def teacher_reference(setup):
    """(R_ref (K, M), E_ref (K, M)): student unit i on teacher unit i (zeros beyond M)."""
    K, M = setup.K, setup.M
    R_ref, E_ref = np.zeros((K, M)), np.zeros((K, M))
    n = min(K, M)
    R_ref[:n], E_ref[:n] = setup.T[:n], setup.F[:n]
    return R_ref, E_ref


def best_alignment(R, E, R_ref, E_ref, signs=True):
    """The permutation (K,) and signs (K,) of :mod:`plateau.align`'s cost for one final state.

    ``order[i]`` is the run's unit that becomes unit i; ``sign[i]`` its sign (all +1
    unless ``signs``).
    """
    from scipy.optimize import linear_sum_assignment
    K = R.shape[0]
    cost = np.empty((K, K, 2))
    for s, flip in enumerate((1.0, -1.0)):
        cost[:, :, s] = (((flip * R[None, :, :] - R_ref[:, None, :]) ** 2).sum(axis=2)
                         + ((flip * E[None, :, :] - E_ref[:, None, :]) ** 2).sum(axis=2))
    if not signs:
        cost[:, :, 1] = np.inf
    rows, cols = linear_sum_assignment(cost.min(axis=2))
    order = cols[np.argsort(rows)]
    sign = np.where(cost[np.arange(K), order, 1] < cost[np.arange(K), order, 0], -1.0, 1.0)
    return order, sign


def apply_alignment(run, order, sign):
    """A copy of ``run``'s order parameters with the units permuted and flipped:
    dict Q, R, D, E of arrays (n_t, ., .)."""
    S = sign[:, None]
    return {"Q": (run.Q[:, order][:, :, order]) * (S * S.T)[None],
            "R": run.R[:, order] * S[None],
            "D": (run.D[:, order][:, :, order]) * (S * S.T)[None],
            "E": run.E[:, order] * S[None]}


def align_runs(runs, setup, mode, reference=None):
    """The order parameters of each run, aligned (see the module docstring).

    Parameters
    ----------
    runs : list of Trajectory     one per seed, on the same recorded times
    setup : Setup                 gives T, F and the activation
    mode : one of ALIGNMENTS
    reference : Trajectory, optional   the ODE trajectory for mode 'ode' (its state at each run's
                                  last time, interpolated linearly in alpha)

    Returns
    -------
    list of dicts {Q, R, D, E} (one per run; the run's own arrays when mode is 'none')
    """
    choose("alignment", mode, ALIGNMENTS)
    if mode == "none":
        return [{name: getattr(run, name) for name in "QRDE"} for run in runs]
    # A unit flips sign only with its second-layer vector: not when that layer is frozen.
    signs = setup.activation in ODD_ACTIVATIONS and setup.eta_w > 0
    aligned = []
    for run in runs:
        if mode == "teacher":
            R_ref, E_ref = teacher_reference(setup)
        else:
            R_ref, E_ref = (_state_at(reference, name, run.alpha[-1]) for name in "RE")
        order, sign = best_alignment(run.R[-1], run.E[-1], R_ref, E_ref, signs)
        aligned.append(apply_alignment(run, order, sign))
    return aligned


def _state_at(trajectory, name, alpha):
    values = getattr(trajectory, name)
    flat = values.reshape(len(values), -1)
    at = np.array([np.interp(alpha, trajectory.alpha, flat[:, j]) for j in range(flat.shape[1])])
    return at.reshape(values.shape[1:])
