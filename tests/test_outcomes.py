"""Truthful outcomes: traps, lower plateaus after an escape, slow drifts (the issue-10 seeds)."""
import json

import pytest

from plateau import Setup, integrate
from plateau.outcomes import explain

from helpers import run_cli

DATA = "tests/data/"


def explained(name, alpha_max=1e5):
    setup = Setup.from_file(DATA + name + ".json")
    return explain(integrate(setup, alpha_max, points=400))


def test_degenerate_trap_seed12_is_trapped():
    report = explained("trap_K2_L2_degenerate_seed12")
    assert report.outcome == "trapped" and report.final_classification == "trap"
    point = report.fixed_points[-1]["fixed_point"]
    assert point["classification"] == "trap" and point["zero_modes"] == 1
    # eps_g on the trap line, 0.0120528 (the saddle's is 0.0120525).
    assert point["eps_g"] == pytest.approx(0.0120528, abs=1e-6)
    assert point["structure"]["coinciding_units"] == [[0, 1]]


def test_cascade_seed3_is_not_counted_escaped():
    report = explained("cascade_K3_L4_degenerate_seed3")
    # Two plateaus: the first (level 0.0221) is left at alpha ~5200, the second (0.0123) is not.
    assert len(report.plateaus) == 2 and report.plateaus[0].escaped and not report.plateaus[-1].escaped
    assert report.outcome != "escaped"
    assert report.outcome == "trapped"      # measured: the lower plateau is a trap (3 zero modes)
    first = report.fixed_points[0]["fixed_point"]
    assert first["classification"] == "saddle"


def test_orthogonal_45_degree_saddle_seed0():
    report = explained("saddle45_K2_L3_orthogonal_seed0", 1e4)
    assert report.outcome == "escaped"
    point = report.fixed_points[0]["fixed_point"]
    assert point["classification"] == "saddle"
    cosines = abs(__import__("numpy").array(point["structure"]["teacher_cosines"]))
    assert cosines == pytest.approx(0.7071, abs=0.01)       # 45-degree combinations of B_1, B_2
    assert point["structure"]["unused_outputs"] == 1


def test_ode_json_reports_fixed_points_and_outcome(tmp_path, capsys):
    code, out, err = run_cli(["ode", "--setup", DATA + "trap_K2_L2_degenerate_seed12.json", "--alpha-max", "1e5",
                              "--out", str(tmp_path / "t.csv"), "--plot", str(tmp_path / "t.png"), "--json"], capsys)
    assert code == 0, err
    info = json.loads(out)
    assert info["plateau_outcome"] == "trapped" and info["final_classification"] == "trap"
    assert info["n_plateaus"] == 1
    assert info["plateaus"][0]["fixed_point"]["classification"] == "trap"
    assert "coincide" in info["plateaus"][0]["fixed_point"]["structure"]["text"]


def test_drifting_seed6_has_a_plateau():
    report = explained("drift_K3_L4_degenerate_seed6", 1e4)
    # eps_g drifts 0.0275 -> 0.021 over alpha 100..700 (|slope| up to 0.39) and then falls with slope ~ -8.
    assert len(report.plateaus) == 1 and report.outcome == "escaped"
    p = report.plateaus[0]
    assert 80 <= p.onset <= 130 and 0.015 <= p.level <= 0.0275
    assert report.fixed_points[0]["fixed_point"]["classification"] == "saddle"


def test_stability_on_the_trap_start_warns_instead_of_promising_an_escape(capsys):
    code, out, err = run_cli(["stability", "--setup", DATA + "trap_K2_L2_degenerate_seed12.json", "--json"], capsys)
    assert code == 0, err
    info = json.loads(out)
    # The saddle still predicts ~1150 from the start, but the run (to 3x that) ends on the trap.
    assert info["predicted_escape_alpha"] == pytest.approx(1150, rel=0.05)
    assert info["plateau_outcome"] == "trapped" and info["measured_escape_alpha"] is None
    assert any("trap" in w for w in info["warnings"])
    # Random start at N = 1000 with a random second layer: asymmetry ~0.8, far outside the linear regime.
    assert any("linear regime" in w for w in info["warnings"])
