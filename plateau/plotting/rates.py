"""Figures of ``plateau rates``: the spectrum against eta, and the map of real training runs.

Like :mod:`plateau.plotting`, these functions draw results and compute nothing: the spectrum
comes from :func:`plateau.rates.limits.spectrum_curve`, the map from
:func:`plateau.rates.map.map_table` and :func:`plateau.rates.map.map_predictions`.
"""
import numpy as np


def rates_spectrum_figure(etas, real_parts, eta_max, eta_opt, title=None):
    """Re lambda of every mode against eta, eta_max and eta_opt marked.  Returns the Figure."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    ax.plot(etas, real_parts, color="tab:blue", linewidth=1.0)
    ax.axhline(0.0, color="black", linewidth=0.6)
    if np.isfinite(eta_max):
        ax.axvline(eta_max, color="tab:red", linestyle="--", label=f"eta_max = {eta_max:.4g}")
    ax.axvline(eta_opt, color="tab:green", linestyle=":", label=f"eta_opt = {eta_opt:.4g}")
    low = np.nanmin(real_parts)
    ax.set_ylim(max(low, -3.0 * np.nanmax(np.abs(real_parts[:, -1]))) * 1.05, np.nanmax(real_parts) * 1.05 + 1e-3)
    ax.set_xlabel("eta (eta_w keeps its ratio to eta)")
    ax.set_ylabel("Re lambda at the perfect state")
    ax.legend(loc="lower left")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def rates_map_figure(table, eta_max, eta_opt, color="final_eps_g", title=None):
    """The map: cells coloured by ``color`` (log scale), diverged runs grey, the shortest plateau
    escape of each row marked (white circle), predicted eta_max (red) and eta_opt (green) on top."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    values, etas = np.array(table["values"]), np.array(table["etas"])
    data = np.array(table[color], dtype=float)
    # eps_g at the rounding floor can come out <= 0: show it at the floor; only diverged runs are grey
    data = np.where(np.isfinite(data) & (data <= 1e-16), 1e-16, data)
    data = np.where(table["diverged"] > 0.5, np.nan, data)
    de = np.diff(etas).mean() if len(etas) > 1 else 0.1
    edges = np.concatenate([etas - de / 2, [etas[-1] + de / 2]])
    rows = np.concatenate([values - 0.5, [values[-1] + 0.5]])
    fig, ax = plt.subplots(figsize=(7.0, 4.6))
    ax.set_facecolor("0.7")     # diverged (and missing) cells show the background: grey
    finite = data[np.isfinite(data)]
    norm = LogNorm(vmin=finite.min(), vmax=finite.max()) if finite.size else None
    mesh = ax.pcolormesh(edges, rows, np.ma.masked_invalid(data), cmap="viridis", norm=norm)
    fig.colorbar(mesh, ax=ax, label=color.replace("_", " ") + (" (mean over seeds)"))
    ax.plot(eta_max, values, "o-", color="tab:red", label="predicted eta_max")
    ax.plot(eta_opt, values, "s--", color="tab:green", label="predicted eta_opt")
    escape = np.array(table["escape_alpha"], dtype=float)
    for i, v in enumerate(values):
        if np.any(np.isfinite(escape[i])):
            j = int(np.nanargmin(escape[i]))
            ax.plot(etas[j], v, "o", markerfacecolor="none", markeredgecolor="white", markersize=10,
                    label="shortest plateau escape" if i == 0 else None)
    ax.set_xlabel("eta")
    ax.set_ylabel(table["over"])
    ax.set_yticks(values)
    ax.set_xlim(edges[0], edges[-1])
    ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
    ax.set_title(title or "final eps_g of real runs (grey: diverged)")
    fig.tight_layout()
    return fig
