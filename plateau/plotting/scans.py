"""Figures of scans: a result column against a grid parameter, plateau fractions, GD against NGD."""
import numpy as np

from .curves import new_axes

_SCAN_LABELS = {"escape_alpha": r"escape time $\alpha_{esc}$", "plateau_level": r"plateau level $\epsilon_g$",
                "plateau_length": r"plateau length $\alpha_{esc} - \alpha_{onset}$",
                "plateau_onset": r"plateau onset $\alpha$", "plateau_end": r"plateau end $\alpha$",
                "final_eps_g": r"final $\epsilon_g$", "wall_time": "wall time (s)",
                "alpha_to_target": r"$\alpha$ at which $\epsilon_g = 10^{-3}$"}


def _angles(values):
    """The degrees of teachers that are all 'angle:DEG', else None (they are then plotted as numbers)."""
    if values and all(isinstance(v, str) and v.startswith("angle:") for v in values):
        return [float(v.split(":", 1)[1]) for v in values]
    return None


def _x_label(series, x):
    return "teacher output angle (degrees)" if x == "teacher" and _angles(series[0].x) else x


def _scan_positions(series, x):
    """x positions (numbers, or category indices) per series, dodged so that markers do not overlap;
    teachers 'angle:DEG' sit at DEG."""
    values = series[0].x
    angles = _angles(values)
    numeric = angles is not None or all(isinstance(v, (int, float)) for v in values)
    if angles is not None:
        values = angles
    base = np.array(values, dtype=float) if numeric else np.arange(len(values), dtype=float)
    spacing = np.min(np.diff(base)) if len(base) > 1 else 1.0
    n = len(series)
    return [base + (k - (n - 1) / 2) * 0.5 * spacing / max(n, 2) if n > 1 else base for k in range(n)], numeric


def plot_scan_series(series, x, y, ax=None, markers=True):
    """Mean (line) and min-max over seeds (error bars) of y against x, one line per series.

    ``series`` are :class:`plateau.scan.ScanSeries`.  Where a line has no value
    because its runs had no plateau, a 'v' at the bottom marks it; '^' at the
    top marks seeds still on the plateau at the end of the run (escape later
    than alpha_max); 'x' at the bottom, runs that diverged or failed.
    """
    import matplotlib.pyplot as plt
    import matplotlib.transforms as transforms
    if ax is None:
        _, (ax,) = new_axes(1)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    positions, numeric = _scan_positions(series, x)
    edge = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    used = set()
    values = []
    for k, (s, pos) in enumerate(zip(series, positions)):
        color = colors[k % len(colors)]
        mean, low, high = (np.array(v, dtype=float) for v in (s.mean, s.low, s.high))
        ax.errorbar(pos, mean, yerr=[mean - low, high - mean], color=color, marker="o", markersize=4,
                    capsize=2.5, linewidth=1.3, label=s.label)
        values += list(low[np.isfinite(low)]) + list(high[np.isfinite(high)])
        if not markers:
            continue
        flags = [("no plateau", "v", 0.03, [c == 0 and n > 0 for c, n in zip(s.count, s.no_plateau)]),
                 (r"on plateau at $\alpha_{max}$", "^", 0.97, [n > 0 for n in s.on_plateau]),
                 ("diverged / failed", "x", 0.03, [n > 0 for n in s.stopped])]
        for name, marker, height, where in flags:
            where = np.array(where, dtype=bool)
            if where.any():
                ax.plot(pos[where], np.full(where.sum(), height), linestyle="none", marker=marker,
                        markersize=7, color=color, transform=edge, clip_on=False)
                used.add((name, marker))
    if values and min(values) > 0 and max(values) > 4 * min(values):
        ax.set_yscale("log")
    if not numeric:
        ax.set_xticks(np.arange(len(series[0].x)))
        ax.set_xticklabels([str(v) for v in series[0].x])
    ax.set_xlabel(_x_label(series, x))
    ax.set_ylabel(_SCAN_LABELS.get(y, y))
    ax.margins(y=0.12)
    handles = [plt.Line2D([], [], linestyle="none", marker=m, color="gray", markersize=7, label=name)
               for name, m in sorted(used, key=lambda item: "v^x".index(item[1]))]
    return ax, handles


def plot_plateau_fraction(series, x, ax=None):
    """The fraction of finished seeds with a plateau (solid) and of trapped seeds (dashed, outcome
    'trapped'), against x, one colour per series."""
    import matplotlib.pyplot as plt
    if ax is None:
        _, (ax,) = new_axes(1)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    positions, numeric = _scan_positions(series, x)
    for k, (s, pos) in enumerate(zip(series, positions)):
        fraction = np.array([w / f if f else np.nan for w, f in zip(s.with_plateau, s.finished)])
        ax.plot(pos, fraction, marker="o", markersize=4, linewidth=1.3, color=colors[k % len(colors)],
                label=s.label)
        trapped = np.array([t / f if f else np.nan for t, f in zip(s.trapped, s.finished)])
        if np.nansum(trapped) > 0:
            ax.plot(pos, trapped, marker="s", markersize=3.5, linewidth=1.1, linestyle="--",
                    color=colors[k % len(colors)])
    if not numeric:
        ax.set_xticks(np.arange(len(series[0].x)))
        ax.set_xticklabels([str(v) for v in series[0].x])
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel(_x_label(series, x))
    ax.set_ylabel("fraction of seeds with a plateau\n(dashed: trapped)")
    return ax


def scan_figure(series, levels, x, y, title=None):
    """Three panels: y against x, the plateau level against x, and the fraction of seeds with a
    plateau; ``series`` and ``levels`` come from :func:`plateau.scan.scan_series` for y and for
    'plateau_level'.  Returns the Figure."""
    fig, axes = new_axes(3, width=4.6, height=3.9)
    _, handles = plot_scan_series(series, x, y, ax=axes[0])
    plot_scan_series(levels, x, "plateau_level", ax=axes[1], markers=False)
    plot_plateau_fraction(series, x, ax=axes[2])
    lines, labels = axes[0].get_legend_handles_labels()
    if len(series) == 1:   # one line needs no name
        lines, labels = [], []
    lines, labels = lines + handles, labels + [h.get_label() for h in handles]
    if lines:
        fig.legend(lines, labels, loc="outside lower center", ncol=min(len(lines), 4), fontsize="small",
                   frameon=False)
    if title:
        fig.suptitle(title, fontsize="medium")
    return fig


def ngd_scan_figure(definition, rows, x="eta", y="alpha_to_target", title=None):
    """Natural gradient beside plain gradient: two panels drawn from a scan's rows.

    Left: the median over seeds of y (a time: alpha_to_target or escape_alpha) against x, GD as a
    thick black line, NGD one line per damping (coloured by damping), the min-max over seeds as a
    band; an 'x' at the top marks an x where seeds stayed on the plateau or were trapped (with
    their number when not all), '^' seeds that did not reach y by alpha_max for another reason,
    a diamond at the bottom runs that diverged or failed.  Right: the best median over x against
    the damping, each point labelled with its x, GD's best as a horizontal line.

    ``definition`` and ``rows`` come from :func:`plateau.scan.read_scan`; the scan should satisfy
    :func:`plateau.scan.compares_algorithms` for x.  Returns the Figure.
    """
    import matplotlib.pyplot as plt
    import matplotlib.transforms as transforms
    from ..scan import scan_series, scan_title
    from ..scan.definition import show_value
    series = scan_series(definition, rows, x, y)
    grid = definition.grid
    lines = []   # (algorithm, damping, series), GD first, NGD by damping
    for s in series:
        algorithm = s.params.get("algorithm", grid["algorithm"][0])
        damping = s.params.get("damping", grid["damping"][0] if algorithm == "ngd" else None)
        lines.append((algorithm, damping, s))
    lines.sort(key=lambda item: (item[0] != "gd", item[1] or 0.0))
    dampings = sorted({d for a, d, _ in lines if a == "ngd"})
    cmap = plt.get_cmap("viridis")
    shade = {d: cmap(0.9 * k / max(len(dampings) - 1, 1)) for k, d in enumerate(dampings)}
    fig, (ax, best_ax) = new_axes(2, width=4.8, height=3.9)
    edge = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    xs = np.array(series[0].x, dtype=float)
    values, used, best = [], set(), []
    for k, (algorithm, damping, s) in enumerate(lines):
        gd = algorithm == "gd"
        color = "black" if gd else shade[damping]
        label = "GD" if gd else rf"NGD $\varepsilon$ = {show_value(damping)}"
        median, low, high = (np.array(v, dtype=float) for v in (s.median, s.low, s.high))
        ax.plot(xs, median, color=color, linewidth=2.8 if gd else 1.5, marker="o", markersize=5 if gd else 4,
                label=label, zorder=3 if gd else 2)
        ax.fill_between(xs, low, high, color=color, alpha=0.12, linewidth=0)
        values += list(low[np.isfinite(low)]) + list(high[np.isfinite(high)])
        height = 0.97 - 0.045 * k
        stuck = np.array(s.on_plateau)
        late = np.array(s.finished) - np.array(s.count) - stuck
        for name, marker, where, at in (("stayed on the plateau / trapped", "x", stuck > 0, height),
                                        (r"not reached by $\alpha_{max}$, no plateau at the end", "^", late > 0, height),
                                        ("diverged / failed", "D", np.array(s.stopped) > 0, 0.03)):
            if where.any():
                ax.plot(xs[where], np.full(where.sum(), at), linestyle="none", marker=marker, markersize=7,
                        markerfacecolor="none" if marker != "x" else color, color=color, transform=edge,
                        clip_on=False, markeredgewidth=1.8 if marker == "x" else 1.2)
                used.add((name, marker))
        for xv, n, total in zip(xs, stuck, np.array(s.finished) + np.array(s.stopped)):
            if 0 < n < total:
                ax.annotate(f"{n}/{total}", (xv, height), xycoords=edge, xytext=(5, -3), textcoords="offset points",
                            fontsize="x-small", color=color)
        finite = np.isfinite(median)
        if finite.any():
            j = int(np.argmin(np.where(finite, median, np.inf)))
            best.append((algorithm, damping, xs[j], median[j], color))
    if len(xs) > 1 and xs.min() > 0 and xs.max() > 4 * xs.min():
        ax.set_xscale("log")
        ax.set_xticks(xs)
        ax.set_xticklabels([show_value(float(v)) for v in xs])
        ax.minorticks_off()
    if values and min(values) > 0 and max(values) > 4 * min(values):
        ax.set_yscale("log")
        low, high = min(values), max(values)
        ax.set_ylim(low / (high / low) ** 0.08, high * (high / low) ** (0.1 + 0.06 * len(lines)))  # room for marks
    elif values:
        low, high = min(values), max(values)
        ax.set_ylim(low - 0.08 * (high - low), high + (0.1 + 0.06 * len(lines)) * (high - low))
    ax.set_xlabel(_X_LABELS.get(x, x))
    ax.set_ylabel(_SCAN_LABELS.get(y, y))
    ax.set_title(f"median over {len(grid['seed'])} seeds (band: min-max)", fontsize="small")
    # Right: the best over x, per damping.
    ngd_best = [(d, v, xv) for a, d, xv, v, _ in best if a == "ngd"]
    if ngd_best:
        ds, vs = [d for d, _, _ in ngd_best], [v for _, v, _ in ngd_best]
        best_ax.plot(ds, vs, color="0.4", linewidth=1, zorder=1)
        best_ax.scatter(ds, vs, c=[shade[d] for d in ds], s=40, zorder=2)
        for d, v, xv in ngd_best:
            best_ax.annotate(f"{_X_SYMBOLS.get(x, x)}={show_value(float(xv))}", (d, v), xytext=(4, 5),
                             textcoords="offset points", fontsize="x-small")
        positive = [d for d in ds if d > 0]
        if positive and len(set(ds)) > 1:
            if min(ds) > 0:
                best_ax.set_xscale("log")
            else:
                best_ax.set_xscale("symlog", linthresh=min(positive))
    for a, d, xv, v, _ in best:
        if a == "gd":
            best_ax.axhline(v, color="black", linewidth=2.8,
                            label=f"GD, best {_X_SYMBOLS.get(x, x)} = {show_value(float(xv))}")
            best_ax.legend(fontsize="small", frameon=False, loc="best")
    reached = {d for d, _, _ in ngd_best}
    stuck_dampings = sorted({d for a, d, s in lines if a == "ngd" and sum(s.on_plateau) and d not in reached})
    if stuck_dampings:
        best_ax.annotate("never reached: " + ", ".join(rf"$\varepsilon$={show_value(d)}" for d in stuck_dampings),
                         (0.02, 0.97), xycoords="axes fraction", va="top", fontsize="x-small")
    best_ax.set_xlabel(r"NGD damping $\varepsilon$")
    best_ax.set_ylabel(f"best median over {_X_SYMBOLS.get(x, x)}")
    best_ax.set_title(f"fastest {_X_SYMBOLS.get(x, x)} per damping", fontsize="small")
    best_ax.margins(y=0.15)
    if best_ax.get_ylim()[0] > 0 and ax.get_yscale() == "log":
        best_ax.set_yscale("log")
    from matplotlib.ticker import FormatStrFormatter
    for axis in (ax.yaxis, best_ax.yaxis):
        axis.set_major_formatter(FormatStrFormatter("%g"))
        axis.set_minor_formatter(FormatStrFormatter("%g" if axis is best_ax.yaxis else ""))
    handles, labels = ax.get_legend_handles_labels()
    handles += [plt.Line2D([], [], linestyle="none", marker=m, color="gray", markerfacecolor="none" if m != "x"
                           else "gray", markersize=7, label=name) for name, m in sorted(used, key=lambda i: "x^D".index(i[1]))]
    fig.legend(handles, [h.get_label() for h in handles], loc="outside lower center", ncol=min(len(handles), 4),
               fontsize="small", frameon=False)
    fig.suptitle(title if title is not None else scan_title(definition, x), fontsize="medium")
    return fig


_X_SYMBOLS = {"eta": "η", "eta_w": "η_w", "sigma": "σ", "alpha_max": "α_max"}
_X_LABELS = {"eta": r"learning rate $\eta$", "eta_w": r"second-layer learning rate $\eta_w$",
             "sigma": r"output noise $\sigma$", "alpha_max": r"$\alpha_{max}$"}
