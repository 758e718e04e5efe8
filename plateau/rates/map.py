"""The check a user trusts: real training runs over eta and K (or L), with the predictions on top.

The runs are a :mod:`plateau.scan` scan (parallel, resumable file), from the usual random start
(build_setup's default init, the scan's init_scale and init_N) -- real training outcomes, plateau
included.  Two parameters are linked rather than crossed: M = K (a student that can equal its
teacher) and eta_w = ratio x eta; :class:`LinkedScan` keeps only those points of the grid.
"""
import math

import numpy as np

from ..errors import InputError
from ..scan import ScanDefinition, read_scan, run_scan


def parse_eta_range(text):
    """'LO:HI:N' -> N values evenly spaced from LO to HI (both included); 'a,b,c' -> that list."""
    text = str(text).strip()
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError
            low, high, count = float(parts[0]), float(parts[1]), int(parts[2])
            values = np.linspace(low, high, count) if count > 1 else np.array([low])
        else:
            values = np.array([float(part) for part in text.split(",") if part.strip()])
    except ValueError:
        raise InputError(f"--eta must be LO:HI:N or comma-separated numbers, got {text!r}") from None
    if ":" in text and (count < 1 or (count > 1 and not high > low)):
        raise InputError(f"--eta {text}: write LO:HI:N with 0 < LO < HI and N >= 1")
    if values.size == 0 or not np.all(np.isfinite(values)) or values.min() <= 0:
        raise InputError(f"--eta values must be positive, got {text!r}")
    return [float(v) for v in values]


def parse_int_range(text, name, low=1):
    """'2-6' -> [2, ..., 6]; '2,3,5' -> that list; integers >= ``low``."""
    values = []
    for part in (part.strip() for part in str(text).split(",") if part.strip()):
        first, dash, last = part.partition("-")
        try:
            values += list(range(int(first), int(last) + 1)) if dash else [int(part)]
        except ValueError:
            raise InputError(f"{name} must be integers, a-b ranges or lists, got {text!r}") from None
    if not values or min(values) < low:
        raise InputError(f"{name} needs integers >= {low}, got {text!r}")
    return sorted(set(values))


class LinkedScan(ScanDefinition):
    """A ScanDefinition whose points keep M = K (when ``link_M``) and eta_w = ratio x eta."""

    def __init__(self, grid, ratio=0.0, link_M=True, **settings):
        grid = dict(grid)
        grid["eta_w"] = [ratio * eta for eta in grid["eta"]]
        if link_M:
            grid["M"] = list(grid["K"])
        super().__init__(grid, **settings)
        object.__setattr__(self, "ratio", float(ratio))
        object.__setattr__(self, "link_M", bool(link_M))

    def points(self):
        return [p for p in super().points()
                if (not self.link_M or p["M"] == p["K"]) and p["eta_w"] == self.ratio * p["eta"]]


def map_definition(over, values, etas, alpha_max, ratio=0.0, K=2, L=1, activation="erf", teacher="degenerate",
                   seeds=(0,), engine="ode", N=None, runs=None, init_scale=0.5, init_N=1000, points=400):
    """The scan of a rates map over ``over`` ('K' or 'L', taking ``values``) and eta (``etas``)."""
    if over not in ("K", "L"):
        raise InputError(f"a rates map runs over K or L, not {over!r}")
    grid = {"eta": etas, "alpha_max": [alpha_max], "activation": [activation], "teacher": [teacher],
            "seed": list(seeds), "sigma": [0.0]}
    grid.update({"K": values, "L": [L]} if over == "K" else {"K": [K], "M": [K], "L": values})
    return LinkedScan(grid, ratio=ratio, link_M=over == "K", engine=engine, N=N, sgd_runs=runs,
                      init_scale=init_scale, init_N=init_N, record_points=points)


def run_map(definition, path, executor=None, progress=False):
    """Run (or resume) the map's scan into ``path``; returns plateau.scan's ScanResult."""
    return run_scan(definition, path, executor, progress)


def map_table(path, over):
    """The map from a scan file: dict of ``values`` (n_v,), ``etas`` (n_e,) and (n_v, n_e) arrays
    ``final_eps_g`` (mean over seeds of the finished runs), ``escape_alpha`` (mean over escaped
    seeds, NaN when none), ``diverged`` (fraction of seeds that diverged or failed)."""
    definition, rows = read_scan(path)
    values = sorted(definition.grid[over])
    etas = sorted(definition.grid["eta"])
    shape = (len(values), len(etas))
    final, escape, diverged = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    cells = {}
    for row in rows:
        cells.setdefault((values.index(row[over]), etas.index(row["eta"])), []).append(row)
    for (i, j), here in cells.items():
        done = [r for r in here if r["status"] == "finished" and r["final_eps_g"] is not None]
        escapes = [r["escape_alpha"] for r in done if r["escape_alpha"] is not None]
        final[i, j] = np.mean([r["final_eps_g"] for r in done]) if done else np.nan
        escape[i, j] = np.mean(escapes) if escapes else np.nan
        diverged[i, j] = sum(r["status"] in ("diverged", "failed") for r in here) / len(here)
    return {"over": over, "values": values, "etas": etas, "final_eps_g": final, "escape_alpha": escape,
            "diverged": diverged, "definition": definition}


def map_predictions(table, ratio=None):
    """eta_max and eta_opt for each value of the map (NaN where no perfect fixed point exists)."""
    from ..builders import build_setup
    from .limits import learning_rates
    definition = table["definition"]
    ratio = getattr(definition, "ratio", None) if ratio is None else ratio
    if ratio is None:   # a file read back: the ratio is in its eta_w column
        ratio = definition.grid["eta_w"][0] / definition.grid["eta"][0]
    grid = definition.grid
    eta_max, eta_opt = [], []
    for value in table["values"]:
        K = value if table["over"] == "K" else grid["K"][0]
        L = value if table["over"] == "L" else grid["L"][0]
        setup = build_setup(K=K, M=K, L=L, activation=grid["activation"][0], eta=1.0, eta_w=ratio,
                            teacher=grid["teacher"][0], seed=grid["seed"][0])
        try:
            result = learning_rates(setup)
            eta_max.append(result.eta_max)
            eta_opt.append(result.eta_opt)
        except InputError:
            eta_max.append(math.nan)
            eta_opt.append(math.nan)
    return np.array(eta_max), np.array(eta_opt)
