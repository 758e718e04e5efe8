"""`plateau ode` end to end, through the installed entry point's main()."""
import csv
import json

import numpy as np
import pytest

from plateau import Trajectory

from helpers import run_cli


def test_ode_writes_the_trajectory_file_and_summary(tmp_path, capsys):
    out = tmp_path / "traj.csv"
    code, stdout, _ = run_cli(["ode", "--K", "2", "--M", "3", "--L", "2", "--eta-w", "0.2", "--alpha-max", "50",
                           "--points", "25", "--out", str(out), "--plot", str(tmp_path / "t.png"), "--json"],
                          capsys)
    assert code == 0
    summary = json.loads(stdout)
    assert summary["status"] == "finished" and summary["final_eps_g"] > 0
    with open(out) as handle:
        first = handle.readline()
        header = next(csv.reader(handle))
    assert first.startswith("# plateau-trajectory {") and json.loads(first[21:])["status"] == "finished"
    assert header[:2] == ["alpha", "eps_g"]
    assert "Q[0,1]" in header and "R[1,2]" in header and "D[1,0]" in header and "E[0,2]" in header
    traj = Trajectory.from_csv(out)
    assert len(traj.alpha) == 26 and traj.R.shape == (26, 2, 3)
    assert traj.eps_g[-1] == pytest.approx(summary["final_eps_g"], rel=1e-12)
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_setup_file_with_overrides(tmp_path, capsys):
    setup_path = tmp_path / "setup.json"
    run_cli(["ode", "--eta", "0.2", "--alpha-max", "1", "--out", str(tmp_path / "a.csv"),
         "--save-setup", str(setup_path)], capsys)
    data = json.loads(setup_path.read_text())
    assert data["eta"] == 0.2
    code, stdout, _ = run_cli(["ode", "--setup", str(setup_path), "--eta", "0.3", "--alpha-max", "1",
                           "--alphas", "0.5,1", "--out", str(tmp_path / "b.csv"), "--json"], capsys)
    assert code == 0 and json.loads(stdout)["eta"] == 0.3
    assert np.array_equal(Trajectory.from_csv(tmp_path / "b.csv").alpha, [0, 0.5, 1])


def bad_setup(tmp_path, text):
    path = tmp_path / "bad.json"
    path.write_text(text)
    return ["--setup", str(path)]


@pytest.mark.parametrize("args", [
    ["--eta", "0"], ["--eta", "-1"], ["--eta-w", "-0.5"], ["--K", "0"], ["--M", "0"], ["--L", "0"],
    ["--activation", "tanh"], ["--eta", "nan"], ["--alpha-max", "0"], ["--alpha-max", "-5"],
    ["--alphas", "1,x"], ["--K", "abc"], ["--init-scale", "0"],
])
def test_bad_options_exit_2_with_one_line(tmp_path, capsys, args):
    out = tmp_path / "never.csv"
    argv = ["ode", "--out", str(out)] + args
    if "--alpha-max" not in args:
        argv += ["--alpha-max", "10"]
    code, stdout, stderr = run_cli(argv, capsys)
    assert code == 2
    assert stderr.startswith("Error: ") and stderr.count("\n") == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", [
    "{not json",
    json.dumps(dict(activation="erf", eta=0.1, eta_w=0, sigma=0, T=[[1, 0], [0, 1]], V=[[1], [1]],
                    Q=[[0.2, 0], [0, 0.2]], R=[[1, 0], [0, 1]], W=[[1], [1]])),   # not PSD
    json.dumps(dict(activation="erf", eta=0.1, eta_w=0, sigma=0, T=[[1, 0], [0, 1]], V=[[1], [1]],
                    Q=[[0.2, 0], [0, 0.2]], R=[[0, 0, 0]], W=[[1], [1]])),        # shape
])
def test_bad_setup_files_exit_2(tmp_path, capsys, text):
    out = tmp_path / "never.csv"
    code, _, stderr = run_cli(["ode", "--alpha-max", "1", "--out", str(out)] + bad_setup(tmp_path, text), capsys)
    assert code == 2 and stderr.startswith("Error: ") and stderr.count("\n") == 1
    assert not out.exists()


def test_structural_options_conflict_with_setup_file(tmp_path, capsys):
    setup_path = tmp_path / "setup.json"
    run_cli(["ode", "--alpha-max", "1", "--out", str(tmp_path / "a.csv"), "--save-setup", str(setup_path)], capsys)
    code, _, stderr = run_cli(["ode", "--setup", str(setup_path), "--K", "3", "--alpha-max", "1",
                           "--out", str(tmp_path / "b.csv")], capsys)
    assert code == 2 and "--K" in stderr


def test_diverging_run_says_so(tmp_path, capsys):
    out = tmp_path / "d.csv"
    code, stdout, stderr = run_cli(["ode", "--activation", "linear", "--eta", "20", "--alpha-max", "1000",
                                "--out", str(out), "--json"], capsys)
    assert code == 1
    assert json.loads(stdout)["status"] == "diverged"
    assert "diverged" in stderr
    assert np.all(np.isfinite(Trajectory.from_csv(out).table()))


def test_ode_json_reports_plateaus(tmp_path, capsys):
    code, stdout, _ = run_cli(["ode", "--K", "2", "--M", "2", "--eta", "0.5", "--alpha-max", "2000",
                           "--out", str(tmp_path / "t.csv"), "--json"], capsys)
    info = json.loads(stdout)
    assert code == 0 and info["plateau_outcome"] == "escaped"
    (main,) = info["plateaus"]
    assert set(main) >= {"onset", "end", "level"}
    assert main["onset"] < main["end"] < info["escape_alpha"]


def test_ode_json_without_plateau_has_null_escape(tmp_path, capsys):
    code, stdout, _ = run_cli(["ode", "--K", "2", "--M", "2", "--L", "2", "--eta-w", "0.1", "--teacher", "orthogonal",
                           "--alpha-max", "3e4", "--out", str(tmp_path / "t.csv"), "--json"], capsys)
    info = json.loads(stdout)
    assert info["plateaus"] == [] and info["escape_alpha"] is None


def test_stability_command(tmp_path, capsys):
    plot = tmp_path / "s.png"
    code, stdout, _ = run_cli(["stability", "--eta", "0.5", "--json", "--plot", str(plot)], capsys)
    info = json.loads(stdout)
    assert code == 0 and info["found"] and info["unstable"]
    assert {"fixed_point", "eigenvalues", "lambda_max", "predicted_escape_alpha"} <= set(info)
    assert info["fixed_point"]["eps_g"] > 0 and len(info["fixed_point"]["R"]) == 2
    assert info["lambda_max"] == max(re for re, im in info["eigenvalues"])
    assert info["measured_escape_alpha"] > 0
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_bad_plateau_criteria_exit_2(tmp_path, capsys):
    code, _, stderr = run_cli(["ode", "--alpha-max", "10", "--out", str(tmp_path / "t.csv"), "--flatness", "-1"],
                          capsys)
    assert code == 2 and "flatness" in stderr and stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("clash", ["out=setup", "plot=out", "save-setup=out", "unwritable", "figure format"])
def test_output_paths_are_checked_before_any_work(tmp_path, capsys, clash):
    import os
    import shutil
    import time
    setup = tmp_path / "s.json"
    shutil.copy(os.path.join(os.path.dirname(__file__), "data", "trap_K2_L2_degenerate_seed12.json"), setup)
    before = setup.read_bytes()
    out = tmp_path / "t.csv"
    # alpha-max 1e9 with the trap start would run for hours: a quick exit shows nothing was computed.
    argv = ["ode", "--setup", str(setup), "--alpha-max", "1e9"]
    argv += {"out=setup": ["--out", str(setup)],
             "plot=out": ["--out", str(out), "--plot", str(out)],
             "save-setup=out": ["--out", str(out), "--save-setup", str(out)],
             "unwritable": ["--out", "/proc/plateau-test/t.csv"],
             "figure format": ["--out", str(out), "--plot", str(tmp_path / "t.xyz")]}[clash]
    begin = time.perf_counter()
    code, _, err = run_cli(argv, capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("Error: "), err
    assert time.perf_counter() - begin < 5.0
    assert setup.read_bytes() == before and not out.exists()
