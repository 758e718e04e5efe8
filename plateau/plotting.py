"""Figures from result objects: functions take results and return matplotlib Axes.

Nothing here computes model quantities or calls ``show``; the CLI saves figures.
"""
import numpy as np


def _new_axes(ncols, width=5.0, height=3.8):
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), constrained_layout=True)
    return fig, np.atleast_1d(axes)


def plot_eps_g(trajectory, ax=None, label=None, **line_kwargs):
    """eps_g(alpha) on log-log axes (alpha = 0 is left out); SGD curves get a +-1 SEM band."""
    if ax is None:
        _, (ax,) = _new_axes(1)
    keep = trajectory.alpha > 0
    alpha, eps = trajectory.alpha[keep], trajectory.eps_g[keep]
    line, = ax.loglog(alpha, eps, label=label, **line_kwargs)
    if trajectory.eps_g_sem is not None:
        sem = trajectory.eps_g_sem[keep]
        ax.fill_between(alpha, np.clip(eps - sem, 1e-300, None), eps + sem,
                        color=line.get_color(), alpha=0.25, linewidth=0)
    ax.set_xlabel(r"$\alpha = t/N$")
    ax.set_ylabel(r"$\epsilon_g$")
    return ax


def plot_order_parameters(trajectory, ax=None, names=("R", "Q")):
    """Every entry of the named order parameters against alpha (log x axis)."""
    if ax is None:
        _, (ax,) = _new_axes(1)
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


def trajectory_figure(trajectory, title=None):
    """eps_g (log-log) with R and Q beside it; returns the Figure."""
    fig, (left, right) = _new_axes(2)
    plot_eps_g(trajectory, ax=left)
    plot_order_parameters(trajectory, ax=right)
    if title:
        fig.suptitle(title)
    return fig
