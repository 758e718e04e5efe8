"""The README's numbers on random against orthogonal initialisation, from docs/figures/scan_init_K2.csv.

    python scripts/init_scan_summary.py [SCAN_FILE]

For each teacher and init, per L: seeds with a plateau (n_plateaus >= 1), seeds still on it at the end,
and the mean and maximum escape alpha over the seeds that escaped.
"""
import sys
from collections import defaultdict

import numpy as np

from plateau.scan import read_scan


def summary(path):
    """{(teacher, init): {L: (with plateau, on plateau at end, seeds, escapes (n,))}}."""
    _, rows = read_scan(path)
    groups = defaultdict(lambda: defaultdict(list))
    for row in rows:
        groups[(row["teacher"], row["init"])][row["L"]].append(row)
    out = {}
    for key, by_L in groups.items():
        out[key] = {}
        for L, runs in sorted(by_L.items()):
            plateau = sum(run["n_plateaus"] >= 1 for run in runs)
            stuck = sum(run["plateau_outcome"] == "on_plateau_at_end" for run in runs)
            escapes = np.array([run["escape_alpha"] for run in runs
                                if run["escape_alpha"] is not None and np.isfinite(run["escape_alpha"])])
            out[key][L] = (plateau, stuck, len(runs), escapes)
    return out


def main(path="docs/figures/scan_init_K2.csv"):
    for (teacher, init), by_L in sorted(summary(path).items()):
        print(f"teacher {teacher}, init {init}")
        for L, (plateau, stuck, seeds, escapes) in by_L.items():
            escape = f"mean escape {escapes.mean():7.0f}, max {escapes.max():7.0f}" if len(escapes) else "no escapes"
            print(f"  L = {L}: plateau {plateau:2d}/{seeds}, on it at the end {stuck:2d}, {escape}")
        means = [e.mean() for _, _, _, e in by_L.values() if len(e)]
        peaks = [e.max() for _, _, _, e in by_L.values() if len(e)]
        if means:
            print(f"  over L: mean escape {min(means):.0f}-{max(means):.0f}, at most {max(peaks):.0f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
