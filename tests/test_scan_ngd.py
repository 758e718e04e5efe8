"""Scans over the learning rule (issue 13, item 4): the algorithm and damping grid, the alpha_to_target
column, older files, bad input, and the NGD figure of plot-scan."""
import json
import os

import numpy as np
import pytest

from plateau import build_setup, integrate
from plateau.errors import InputError
from plateau.plateaus import alpha_to_reach, first_crossing
from plateau.scan import (GRID, HEADER_PREFIX, ScanDefinition, SerialExecutor, compares_algorithms, point_key,
                          read_scan, run_scan, scan_series)

from helpers import run_cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMITTED = os.path.join(ROOT, "docs", "figures", "scan_ngd.csv")
# Soft committee machine as in test_ngd.py's physics tests, drawn by build_setup: erf, K = M = 2, L = 1,
# frozen second layer (w = teacher's = 1), degenerate teacher.
SCM = ["--K", "2", "--M", "2", "--L", "1", "--teacher", "degenerate", "--eta-w", "0"]


def test_gd_points_come_once_with_an_empty_damping():
    scan = ScanDefinition(grid={"algorithm": ["gd", "ngd"], "damping": [0.01, 0.05, 0.2], "eta": [0.5, 1.0],
                                "seed": [0, 1], "alpha_max": 10})
    points = scan.points()
    gd = [p for p in points if p["algorithm"] == "gd"]
    ngd = [p for p in points if p["algorithm"] == "ngd"]
    assert len(gd) == 2 * 2 and len(ngd) == 3 * 2 * 2 and len(points) == 16
    assert all(p["damping"] is None for p in gd) and {p["damping"] for p in ngd} == {0.01, 0.05, 0.2}
    assert len({point_key(p) for p in points}) == len(points)
    assert [(p["algorithm"], p["damping"]) for p in points[:5:2]] == [("gd", None), ("gd", None), ("ngd", 0.01)]
    assert scan.varied() == ["algorithm", "damping", "eta", "seed"]
    assert scan.combinations(["algorithm", "damping"]) == [("gd", None), ("ngd", 0.01), ("ngd", 0.05),
                                                           ("ngd", 0.2)]
    # The same grid in another order is the same scan; another damping list is another.
    again = ScanDefinition(grid={"algorithm": ["ngd", "gd"], "damping": [0.2, 0.01, 0.05], "eta": [1.0, 0.5],
                                 "seed": [1, 0], "alpha_max": 10})
    assert again.differences(scan) == [] and sorted(map(point_key, again.points())) == sorted(map(point_key, points))
    other = ScanDefinition(grid={"algorithm": ["gd", "ngd"], "damping": [0.01], "eta": [0.5, 1.0], "seed": [0, 1],
                                 "alpha_max": 10})
    assert other.differences(scan) == ["damping"] and other.describe("damping") == "0.01"
    # The file's JSON states it, and reads back to the same scan.
    data = scan.to_json()
    assert "ngd only" in data["grid_notes"]["damping"] and data["grid"]["damping"] == [0.01, 0.05, 0.2]
    assert ScanDefinition.from_json(json.loads(json.dumps(data))) == scan
    plain = ScanDefinition(grid={"alpha_max": 10})
    assert plain.grid["algorithm"] == ("gd",) and plain.grid["damping"] == () and plain.describe("damping") == "none"
    assert [p["damping"] for p in plain.points()] == [None]


def test_a_tiny_scan_is_the_runs_by_hand(tmp_path, capsys):
    out = tmp_path / "scan.csv"
    code, stdout, err = run_cli(["scan", *SCM, "--algorithm", "gd,ngd", "--damping", "0.05", "--eta", "0.5",
                                 "--alpha-max", "300", "--workers", "1", "--out", str(out)], capsys)
    assert code == 0 and "2 points" in stdout and "2 finished" in stdout, err
    first, header, *lines = out.read_text().splitlines()
    columns = header.split(",")
    damping = columns.index("damping")
    assert [line.split(",")[damping] for line in lines] == ["", "0.05"]   # empty for gd
    assert "ngd only" in json.loads(first[len(HEADER_PREFIX):])["grid_notes"]["damping"]
    scan, rows = read_scan(out)
    assert [(r["algorithm"], r["damping"]) for r in rows] == [("gd", None), ("ngd", 0.05)]
    for row in rows:
        setup = build_setup(K=2, M=2, L=1, teacher="degenerate", eta=0.5, eta_w=0.0, seed=0, init_scale=0.5,
                            N=1000).with_scalars(algorithm=row["algorithm"], damping=row["damping"])
        run = integrate(setup, 300.0, points=scan.record_points)
        assert row["final_eps_g"] == run.eps_g[-1]
        # alpha_to_target is first_crossing's log-log interpolation at eps_g = 1e-3 (alpha = 0 left out).
        expected = first_crossing(run.alpha[1:], run.eps_g[1:], 0, 1e-3)
        assert row["alpha_to_target"] == expected == alpha_to_reach(run.alpha, run.eps_g, 1e-3)
        below = np.nonzero(run.eps_g <= 1e-3)[0][0]
        assert run.alpha[below - 1] < row["alpha_to_target"] <= run.alpha[below]
    gd, ngd = rows
    assert ngd["alpha_to_target"] < gd["alpha_to_target"] / 3   # NGD is faster here (eta = 0.5: 44 against 240)


def test_alpha_to_reach_edges():
    alpha = np.array([0.0, 1.0, 10.0, 100.0])
    assert alpha_to_reach(alpha, np.array([1.0, 0.1, 0.01, 0.001]), 0.01) == pytest.approx(10.0)
    assert alpha_to_reach(alpha, np.array([1.0, 0.1, 1e-2, 1e-4]), 1e-3) == pytest.approx(np.sqrt(10 * 100))
    assert alpha_to_reach(alpha, np.array([1.0, 0.1, 0.1, 0.1]), 1e-3) is None
    assert alpha_to_reach(alpha, np.array([1e-4, 0.1, 0.1, 0.1]), 1e-3) == 0.0
    assert alpha_to_reach(alpha, np.array([1.0, 0.1, 0.0, 0.0]), 1e-3) > 1.0     # a zero eps_g: no log(0)


@pytest.mark.parametrize("args, words", [
    (["--algorithm", "ngd"], "--algorithm ngd needs --damping"),
    (["--algorithm", "gd,ngd", "--damping", "0.1,-0.1"], "--damping values must be finite and >= 0, got -0.1"),
    (["--algorithm", "ngd", "--damping", "nan"], "--damping values must be finite and >= 0, got nan"),
    (["--algorithm", "ngd", "--damping", "x"], "--damping takes numbers"),
    (["--damping", "0.1"], "natural gradient only"),
    (["--algorithm", "gd,sgd"], "unknown algorithm 'sgd'"),
])
def test_bad_learning_rules_exit_2_with_one_line(tmp_path, capsys, args, words):
    out = tmp_path / "scan.csv"
    code, stdout, err = run_cli(["scan", "--alpha-max", "10", *args, "--out", str(out)], capsys)
    assert code == 2 and stdout == "" and words in err and err.count("\n") == 1
    assert not out.exists()


def test_files_without_the_learning_rule_read_as_gd(tmp_path):
    path = tmp_path / "old.csv"
    scan = ScanDefinition(grid={"eta": [0.5], "alpha_max": 20})
    run_scan(scan, path, SerialExecutor())
    first, header, *lines = path.read_text().splitlines()
    data = json.loads(first[len(HEADER_PREFIX):])
    for name in ("algorithm", "damping"):
        del data["grid"][name]
    del data["grid_notes"]
    names = header.split(",")
    keep = [j for j, name in enumerate(names) if name not in ("algorithm", "damping", "alpha_to_target")]
    path.write_text("\n".join([HEADER_PREFIX + json.dumps(data)] +
                              [",".join(line.split(",")[j] for j in keep) for line in [header] + lines]) + "\n")
    old, rows = read_scan(path)
    assert old == scan and rows[0]["algorithm"] == "gd" and rows[0]["damping"] is None
    assert rows[0]["alpha_to_target"] is None and rows[0]["status"] == "finished"
    with pytest.raises(InputError, match="lacks algorithm, damping, alpha_to_target"):
        run_scan(scan, path, SerialExecutor())
    # The README's scan files, written before: every row is gd.
    _, committed = read_scan(os.path.join(ROOT, "docs", "figures", "scan_teacher_K2.csv"))
    assert {(r["algorithm"], r["damping"]) for r in committed} == {("gd", None)}


def test_the_ngd_figure(tmp_path, capsys):
    from plateau.plotting import ngd_scan_figure
    scan, rows = read_scan(COMMITTED)
    assert compares_algorithms(scan, "eta") and not compares_algorithms(scan, "damping")
    assert not compares_algorithms(ScanDefinition(grid={"eta": [0.1, 0.2], "alpha_max": 5}), "eta")
    fig = ngd_scan_figure(scan, rows, "eta", "alpha_to_target")
    ax, best = fig.axes
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["GD"] + [rf"NGD $\varepsilon$ = {d:g}" for d in (0.001, 0.01, 0.05, 0.2)]
    gd = ax.get_lines()[0]
    assert gd.get_color() == "black" and gd.get_linewidth() > 2
    series = {s.label: s for s in scan_series(scan, rows, "eta", "alpha_to_target")}
    np.testing.assert_allclose(gd.get_ydata(), series["algorithm=gd"].median)
    # Trapped points: an 'x' at the top for each (line, eta) where seeds stayed on the plateau.
    crosses = sum(len(line.get_xdata()) for line in ax.get_lines() if line.get_marker() == "x")
    assert crosses == sum(n > 0 for s in series.values() for n in s.on_plateau) > 0
    assert scan.grid["eta"][2] == 0.5 and series["algorithm=ngd, damping=0.001"].on_plateau[2] == 5
    # Right panel: the best NGD time per damping, and GD's best as a line.
    assert len(best.collections[0].get_offsets()) == 4
    assert any(line.get_label().startswith("GD, best") for line in best.get_lines())
    # plot-scan picks this figure for the scan (and the generic one against damping, without the gd line).
    for x in ("eta", "damping"):
        out = tmp_path / f"{x}.png"
        code, _, err = run_cli(["plot-scan", COMMITTED, "--x", x, "--y", "alpha_to_target", "--out", str(out)],
                               capsys)
        assert code == 0 and out.read_bytes()[:4] == b"\x89PNG", err
    assert [s.label for s in scan_series(scan, rows, "damping", "alpha_to_target")] == [
        f"algorithm=ngd, eta={eta:g}" for eta in scan.grid["eta"]]
    assert set(GRID) >= {"algorithm", "damping"}
