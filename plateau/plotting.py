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
        fig, (left, right) = _new_axes(2)
    else:
        from .plotting_fisher import add_fisher_panel
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
        _, (ax,) = _new_axes(1)
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
    fig, axes = _new_axes(1 + len(names))
    plot_comparison(ode, sgd_runs, "eps_g", ax=axes[0])
    for ax, name in zip(axes[1:], names):
        plot_comparison(ode, sgd_runs, name, ax=ax)
    if title:
        fig.suptitle(title)
    return fig


# --- scans -------------------------------------------------------------------------------
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
        _, (ax,) = _new_axes(1)
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
        _, (ax,) = _new_axes(1)
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
    fig, axes = _new_axes(3, width=4.6, height=3.9)
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
    from .scan import scan_series, scan_title
    from .scan.definition import show_value
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
    fig, (ax, best_ax) = _new_axes(2, width=4.8, height=3.9)
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
