"""Draw docs/figures/fisher.png: the Fisher spectrum along a degenerate and an orthogonal teacher's curve.

Run:  python scripts/fisher_figure.py [OUT.png]

K = M = 2, erf, eta = eta_w = 0.5, seed 0, alpha up to 1e3; degenerate teacher with L = 1,
orthogonal teacher with L = 2 (the setup of tests/test_fisher.py's physics test).
Prints the numbers quoted in docs/fisher_section.md.  Public API only.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import plateau  # noqa: E402
from plateau.fisher import fisher_table, plateau_fisher, trajectory_spectrum  # noqa: E402
from plateau.plateaus import trajectory_plateaus  # noqa: E402
from plateau.plotting import plot_eps_g, shade_plateaus  # noqa: E402
from plateau.plotting.fisher import add_fisher_panel  # noqa: E402

CASES = (("degenerate", 1), ("orthogonal", 2))


def main(out):
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), sharex=True, sharey="row", constrained_layout=True,
                             gridspec_kw=dict(height_ratios=[1, 1.4]))
    spectra = {}
    for col, (teacher, L) in enumerate(CASES):
        setup = plateau.build_setup(K=2, M=2, L=L, teacher=teacher, eta=0.5, eta_w=0.5, seed=0)
        trajectory = plateau.integrate(setup, 1e3)
        spectrum = trajectory_spectrum(trajectory)
        report = trajectory_plateaus(trajectory)
        spectra[teacher] = (trajectory, spectrum, report)
        plot_eps_g(trajectory, ax=axes[0, col])
        add_fisher_panel(axes[1, col], fisher_table(trajectory, spectrum))
        if report.plateaus:
            shade_plateaus(axes[0, col], report)
            for p in report.plateaus:
                axes[1, col].axvspan(p.onset, p.end, color="tab:orange", alpha=0.15, linewidth=0)
            axes[0, col].legend(fontsize="small")
        axes[0, col].set_title(f"{teacher} teacher, L = {L}")
        axes[0, col].set_xlabel("")
        axes[1, col].legend(fontsize="small")
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
    deg, deg_spec, report = spectra["degenerate"]
    orth, orth_spec, _ = spectra["orthogonal"]
    for row in plateau_fisher(deg, deg_spec, report):
        p_on = (deg.alpha >= row["onset"]) & (deg.alpha <= row["end"])
        ratio = orth_spec.lambda_min_bulk[p_on] / deg_spec.lambda_min_bulk[p_on]
        print(f"degenerate plateau alpha {row['onset']:.1f}..{row['end']:.1f}, level {row['level']:.4g}, "
              f"escape {row['escape_alpha']:.1f}")
        print(f"  smallest bulk eigenvalue on it {row['fisher_degeneracy']:.4g}, after the escape "
              f"{row['fisher_after_escape']:.4g}")
        print(f"  orthogonal teacher on the same alphas: {orth_spec.lambda_min_bulk[p_on].min():.4g}.."
              f"{orth_spec.lambda_min_bulk[p_on].max():.4g}; ratio orthogonal / degenerate "
              f"{ratio.min():.1f}..{ratio.max():.1f}")
        print(f"  smallest outlier on it {deg_spec.lambda_min_outlier[p_on].min():.3g}, "
              f"at the end {deg_spec.lambda_min_outlier[-1]:.3g}")
    for name, (t, s, _) in spectra.items():
        print(f"{name}: final bulk {np.round(s.bulk[-1], 4)}, lambda_max {s.lambda_max[-1]:.4f}, "
              f"eps_g {t.eps_g[-1]:.2e}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(HERE), "docs", "figures", "fisher.png"))
