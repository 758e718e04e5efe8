"""Figures of single runs: learning curves, order parameters, plateaus, ODE against SGD."""
import numpy as np


def new_axes(ncols, width=5.0, height=3.8):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), constrained_layout=True)
    return fig, np.atleast_1d(axes)


def plot_eps_g(trajectory, ax=None, label=None, **line_kwargs):
    """eps_g(alpha) on log-log axes (alpha = 0 is left out); SGD curves get a +-1 SEM band."""
    if ax is None:
        _, (ax,) = new_axes(1)
    keep = trajectory.alpha > 0
    alpha, eps = trajectory.alpha[keep], trajectory.eps_g[keep]
    line, = ax.loglog(alpha, eps, label=label, **line_kwargs)
    if trajectory.eps_g_sem is not None:
        sem = trajectory.eps_g_sem[keep]
        ax.fill_between(alpha, np.clip(eps - sem, 1e-300, None), eps + sem,
                        color=line.get_color(), alpha=0.25, linewidth=0)
    positive = eps[eps > 0]
    if len(positive):
        # A converged run's eps_g ends in rounding noise (~1e-13); ten decades below the top is plenty.
        ax.set_ylim(bottom=max(positive.min() * 0.5, 1e-10 * positive.max()))
    ax.set_xlabel(r"$\alpha = t/N$")
    ax.set_ylabel(r"$\epsilon_g$")
    return ax


def plot_order_parameters(trajectory, ax=None, names=("R", "Q")):
    """Every entry of the named order parameters against alpha (log x axis)."""
    if ax is None:
        _, (ax,) = new_axes(1)
    keep = trajectory.alpha > 0
    styles = {"R": "-", "Q": "--", "D": ":", "E": "-."}
    for name in names:
        values = trajectory.order_parameter(name)[keep]
        rows, cols = values.shape[1:]
        for i in range(rows):
            for j in range(cols):
                if name in ("Q", "D") and j < i:
                    continue
                ax.semilogx(trajectory.alpha[keep], values[:, i, j], styles.get(name, "-"),
                            label=f"{name}[{i},{j}]", linewidth=1.2)
    ax.set_xlabel(r"$\alpha = t/N$")
    ax.set_ylabel("order parameters")
    if sum(np.prod(trajectory.order_parameter(n).shape[1:]) for n in names) <= 12:
        ax.legend(fontsize="small", ncol=2)
    return ax


_PLATEAU_COLOURS = {"saddle": "tab:orange", "trap": "tab:purple", "undecided": "tab:gray"}


def shade_plateaus(ax, plateaus, predicted_escape=None, label_types=False):
    """Shade each detected plateau (onset..end), coloured and, with ``label_types``, labelled by the
    class of its fixed point when the report is explained (:func:`plateau.outcomes.explain`); mark
    its escape; mark a predicted escape."""
    for k, p in enumerate(plateaus.plateaus):
        kind = None
        if plateaus.fixed_points is not None:
            kind = plateaus.fixed_points[k]["fixed_point"]["classification"]
        ax.axvspan(p.onset, p.end, color=_PLATEAU_COLOURS.get(kind, "tab:orange"), alpha=0.15, linewidth=0,
                   label="plateau" if k == 0 and kind is None else None)
        if label_types and kind is not None:
            ax.text(np.sqrt(p.onset * p.end), 0.97, kind, transform=ax.get_xaxis_transform(), ha="center",
                    va="top", fontsize="small", color=_PLATEAU_COLOURS.get(kind, "black"))
        if p.escape_alpha is not None:
            ax.axvline(p.escape_alpha, color="tab:orange", linewidth=1.2,
                       label="measured escape" if k == plateaus.main else None)
    if predicted_escape is not None:
        ax.axvline(predicted_escape, color="tab:red", linestyle="--", linewidth=1.2, label="predicted escape")
    return ax


def _fisher_layout():
    """eps_g above the Fisher spectrum (shared alpha axis) on the left, R and Q on the right."""
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(10.0, 7.0), constrained_layout=True)
    grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.2])
    left = fig.add_subplot(grid[0, 0])
    below = fig.add_subplot(grid[1, 0], sharex=left)
    right = fig.add_subplot(grid[:, 1])
    return fig, left, right, below


def trajectory_figure(trajectory, title=None, plateaus=None, predicted_escape=None, fixed_point_eps_g=None,
                      fisher_table=None):
    """eps_g (log-log) with R and Q beside it; detected plateaus shaded when given; with
    ``fisher_table`` (:func:`plateau.fisher.fisher_table` of the trajectory) the Fisher spectrum
    below eps_g on the same alpha axis.  Returns the Figure."""
    if fisher_table is None:
        fig, (left, right) = new_axes(2)
    else:
        from .fisher import add_fisher_panel
        fig, left, right, below = _fisher_layout()
        add_fisher_panel(below, fisher_table)
        if plateaus is not None:
            shade_plateaus(below, plateaus)
        below.legend(fontsize="x-small", ncol=2)
    plot_eps_g(trajectory, ax=left, label=r"$\epsilon_g$")
    if fisher_table is not None:
        left.set_xlabel("")
    plot_order_parameters(trajectory, ax=right)
    if fixed_point_eps_g is not None:
        left.axhline(fixed_point_eps_g, color="gray", linestyle=":", linewidth=1.2,
                     label="unspecialised fixed point")
    if plateaus is not None:
        for ax in (left, right):
            shade_plateaus(ax, plateaus, predicted_escape, label_types=ax is left)
    if plateaus is not None or fixed_point_eps_g is not None:
        left.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def plot_comparison(ode, sgd_runs, name="eps_g", ax=None, entries=None):
    """The ODE curve (black) over the seed-averaged SGD curves of several N, each with a +-1 SEM band.

    ``sgd_runs`` maps N to a Trajectory.  ``name`` is 'eps_g' (log-log axes) or
    one of Q, R, D, E, of which ``entries`` ((i, j) pairs; default: all of R,
    the upper triangle of Q and D) are drawn on a log alpha axis.  Bands come
    from ``eps_g_sem`` or, for order parameters, ``order_parameter_sem``
    when present.
    """
    import matplotlib.pyplot as plt
    if ax is None:
        _, (ax,) = new_axes(1)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    def series(traj):
        keep = traj.alpha > 0
        if name == "eps_g":
            sem = traj.eps_g_sem
            return traj.alpha[keep], [(None, traj.eps_g[keep], None if sem is None else sem[keep])]
        values = traj.order_parameter(name)
        sem = (traj.order_parameter_sem or {}).get(name)
        rows, cols = values.shape[1:]
        pairs = entries or [(i, j) for i in range(rows) for j in range(cols)
                            if name not in ("Q", "D") or j >= i]
        return traj.alpha[keep], [((i, j), values[keep, i, j], None if sem is None else sem[keep, i, j])
                                  for i, j in pairs]

    plot = ax.loglog if name == "eps_g" else ax.semilogx
    alpha, curves = series(ode)
    for k, (_, values, _) in enumerate(curves):
        plot(alpha, values, color="black", linewidth=1.4, label="ODE" if k == 0 else None, zorder=3)
    for n, (N, traj) in enumerate(sorted(sgd_runs.items())):
        color = colors[n % len(colors)]
        alpha, curves = series(traj)
        for k, (_, values, sem) in enumerate(curves):
            plot(alpha, values, color=color, linewidth=1.0, linestyle="--",
                 label=f"SGD N={N}" if k == 0 else None)
            if sem is not None:
                low = np.clip(values - sem, 1e-300, None) if name == "eps_g" else values - sem
                ax.fill_between(alpha, low, values + sem, color=color, alpha=0.25, linewidth=0)
    ax.set_xlabel(r"$\alpha = t/N$")
    ax.set_ylabel(r"$\epsilon_g$" if name == "eps_g" else f"{name} entries")
    ax.legend(fontsize="small")
    return ax


def comparison_figure(ode, sgd_runs, names=("R", "Q"), title=None):
    """eps_g and the named order parameters, ODE against SGD at each N; returns the Figure."""
    fig, axes = new_axes(1 + len(names))
    plot_comparison(ode, sgd_runs, "eps_g", ax=axes[0])
    for ax, name in zip(axes[1:], names):
        plot_comparison(ode, sgd_runs, name, ax=ax)
    if title:
        fig.suptitle(title)
    return fig


# --- scans -------------------------------------------------------------------------------
