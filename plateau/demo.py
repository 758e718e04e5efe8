"""The teaching demo: one degenerate single-output task next to a non-degenerate multi-output one.

Both students (K = 2, trained second layer, eta = eta_w = 0.5) start from the same
random draw and learn from teachers with M = 2 hidden units:

- ``degenerate``: L = 1 (v_1 = v_2): the units must break their symmetry by the
  first layer alone; learning stalls on the unspecialised plateau;
- ``orthogonal``: L = 2 with v_1 orthogonal to v_2: the outputs tell the hidden
  units apart and the plateau disappears.

:func:`run_demo` integrates both; :mod:`plateau.animation` draws them.
"""
from dataclasses import dataclass

import numpy as np

from .builders import build_setup
from .ode import integrate
from .plateaus import trajectory_plateaus

DEMO_CASES = (
    ("one output, degenerate teacher", dict(L=1, teacher="degenerate")),
    ("two outputs, orthogonal teacher", dict(L=2, teacher="orthogonal")),
)


@dataclass
class DemoCase:
    title: str
    setup: object
    trajectory: object
    plateaus: object


def run_demo(alpha_max=2000.0, points=300, seed=3, eta=0.5):
    """Integrate the demo's two cases on the same log grid; returns a list of DemoCase."""
    cases = []
    for title, choice in DEMO_CASES:
        setup = build_setup(K=2, M=2, eta=eta, eta_w=eta, seed=seed, **choice)
        trajectory = integrate(setup, alpha_max, points=points)
        if not trajectory.success:
            raise RuntimeError(f"demo case '{title}' did not finish: {trajectory.message}")
        cases.append(DemoCase(title, setup, trajectory, trajectory_plateaus(trajectory)))
    return cases


def frame_indices(alpha, n_frames):
    """Indices of ``n_frames`` recorded times spread evenly in log alpha (alpha > 0), shape (n_frames,)."""
    positive = np.nonzero(alpha > 0)[0]
    targets = np.geomspace(alpha[positive[0]], alpha[-1], n_frames)
    return np.unique(positive[np.searchsorted(alpha[positive], targets).clip(0, len(positive) - 1)])
