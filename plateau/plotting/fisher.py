"""Figures of the Fisher spectrum along a learning curve (issue 12).

Like :mod:`plateau.plotting`, these functions draw results and compute nothing:
the spectrum comes as a table (:func:`plateau.fisher.fisher_table`, or a file
read back with :func:`plateau.fisher.read_fisher_table`), the plateaus as a
PlateauReport.
"""
import numpy as np

from ..fisher.table import table_columns
from .curves import plot_eps_g, shade_plateaus


def _as_table(spectrum_table):
    """A dict column -> array from a dict, or from the (names, data) pair of fisher_table."""
    if isinstance(spectrum_table, dict):
        return spectrum_table
    names, data = spectrum_table
    return {name: data[:, j] for j, name in enumerate(names)}


def _positive(values):
    # eigenvalues that are zero up to rounding cannot be drawn on a log axis
    return np.where(values > 0, values, np.nan)


def add_fisher_panel(ax, spectrum_table, plain=False, bulk=True, outliers=True, color=None, label=None):
    """Draw the spectrum against alpha on ``ax``, log-log: bulk solid (a color each), outliers dashed (grey).

    Parameters
    ----------
    ax : matplotlib Axes
    spectrum_table : dict or (names, data)     the Fisher table
    plain : bool           the plain FIM G's columns (G_bulk[i], G_outlier[j]) instead of Gs's
    bulk, outliers : bool  which families to draw
    color : matplotlib color, optional    one color for every line (to overlay two runs)
    label : str, optional  legend text prefix

    Returns
    -------
    ax
    """
    table = _as_table(spectrum_table)
    prefix = "G_" if plain else ""
    alpha = table["alpha"]
    keep = alpha > 0
    families = []
    if bulk:
        families.append(("bulk", "-", 1.6))
    if outliers:
        families.append(("outlier", "--", 0.9))
    for base, style, width in families:
        values = table_columns(table, prefix + base)[keep]
        for j in range(values.shape[1]):
            name = f"{label + ': ' if label else ''}{base}" if j == 0 else None
            shade = color if color is not None or base == "bulk" else "0.55"
            line, = ax.loglog(alpha[keep], _positive(values[:, j]), style, linewidth=width,
                              color=shade, label=name)
            if color is None and base == "bulk":
                line.set_label(f"{label + ': ' if label else ''}bulk[{j}]")
    ax.set_xlabel(r"$\alpha = t/N$")
    ax.set_ylabel("eigenvalues of $G$" if plain else r"eigenvalues of $G_s = SGS$")
    return ax


def fisher_figure(trajectory, spectrum_table, plateaus=None, title=None, plain=False):
    """eps_g on top (plateaus shaded), the Fisher spectrum below on a log axis, shared alpha axis.

    Parameters
    ----------
    trajectory : Trajectory
    spectrum_table : dict or (names, data)     the Fisher table of ``trajectory``
    plateaus : PlateauReport, optional        shaded in both panels
    title : str, optional
    plain : bool                              draw the plain G instead of Gs

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.0, 6.4), sharex=True, constrained_layout=True,
                                      gridspec_kw=dict(height_ratios=[1, 1.4]))
    plot_eps_g(trajectory, ax=top)
    add_fisher_panel(bottom, spectrum_table, plain=plain)
    if plateaus is not None and plateaus.plateaus:
        shade_plateaus(top, plateaus)
        for p in plateaus.plateaus:
            bottom.axvspan(p.onset, p.end, color="tab:orange", alpha=0.15, linewidth=0)
    top.set_xlabel("")
    if top.get_legend_handles_labels()[0]:
        top.legend(fontsize="small")
    bottom.legend(fontsize="small", ncol=2)
    if title:
        top.set_title(title)
    return fig
