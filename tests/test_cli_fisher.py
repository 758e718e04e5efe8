"""`plateau fisher` end to end: from a trajectory file and from a setup, plot panels, bad input."""
import csv
import json

import numpy as np
import pytest

from plateau.fisher import read_fisher_table

from helpers import run_cli

RUN = ["--K", "2", "--M", "2", "--L", "2", "--teacher", "degenerate", "--eta", "0.5", "--eta-w", "0.5",
       "--alpha-max", "300", "--points", "60"]


def test_file_and_integration_give_the_same_table(tmp_path, capsys):
    traj = tmp_path / "traj.csv"
    code, _, err = run_cli(["ode", *RUN, "--out", str(traj), "--plot", str(tmp_path / "t.png"), "--fisher"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["fisher", str(traj), "--N", "500", "--out", str(tmp_path / "a.csv"), "--json",
                              "--plot", str(tmp_path / "a.png")], capsys)
    assert code == 0, err
    summary = json.loads(out)
    code, _, err = run_cli(["fisher", *RUN, "--N", "500", "--out", str(tmp_path / "b.csv")], capsys)
    assert code == 0, err
    a, b = read_fisher_table(tmp_path / "a.csv"), read_fisher_table(tmp_path / "b.csv")
    assert list(a) == list(b) and "G_lambda_max" in a and "outlier[7]" in a   # K^2 + KL = 8 outliers
    # The file holds D to 17 significant digits; the spectrum from it equals the in-memory W's to rounding.
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-9, atol=1e-13)
    # The plain G's bulk is the scaled one's divided by N (the J entries carry sqrt(N) in S).
    np.testing.assert_allclose(a["G_bulk[0]"], a["bulk[0]"] / 500, rtol=1e-12)
    assert summary["final"]["lambda_max"] == pytest.approx(a["lambda_max"][-1], rel=1e-12)
    for name in ("t.png", "a.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def _old_file(path, tmp_path):
    """The trajectory file without its first line, as plateau 0.1 wrote it (no setup recorded)."""
    old = tmp_path / "old.csv"
    old.write_text("".join(path.read_text().splitlines(keepends=True)[1:]))
    return old


@pytest.mark.parametrize("case, words", [
    ("N<K", "must be at least K"), ("no D", "D[i,j] columns"), ("contradiction", "--activation contradicts"),
    ("no setup, no L", "give the number of outputs --L"), ("options beside a file", "cannot be combined"),
    ("nothing", "give a TRAJECTORY_FILE"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, case, words):
    traj = tmp_path / "traj.csv"
    run_cli(["ode", "--alpha-max", "5", "--points", "5", "--out", str(traj)], capsys)
    args = {"N<K": [str(traj), "--N", "1"],
            "no D": [str(tmp_path / "noD.csv")],
            "contradiction": [str(traj), "--activation", "relu"],
            "no setup, no L": [str(_old_file(traj, tmp_path))],
            "options beside a file": [str(traj), "--eta", "0.3"],
            "nothing": []}[case]
    if case == "no D":
        first, *rows = traj.read_text().splitlines(keepends=True)
        table = list(csv.reader(rows))
        keep = [j for j, name in enumerate(table[0]) if not name.startswith("D[")]
        with open(tmp_path / "noD.csv", "w", newline="") as handle:
            handle.write(first)
            csv.writer(handle, lineterminator="\n").writerows([[row[j] for j in keep] for row in table])
    out = tmp_path / "f.csv"
    code, _, err = run_cli(["fisher", *args, "--out", str(out)], capsys)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], err
    assert not out.exists()


def test_old_files_are_read_with_the_given_L(tmp_path, capsys):
    traj = tmp_path / "traj.csv"
    run_cli(["ode", *RUN, "--out", str(traj)], capsys)
    code, _, err = run_cli(["fisher", str(_old_file(traj, tmp_path)), "--L", "2", "--out", str(tmp_path / "o.csv")],
                           capsys)
    assert code == 0, err
    code, _, err = run_cli(["fisher", str(traj), "--out", str(tmp_path / "n.csv")], capsys)
    old, new = read_fisher_table(tmp_path / "o.csv"), read_fisher_table(tmp_path / "n.csv")
    np.testing.assert_allclose(old["lambda_max"], new["lambda_max"], rtol=1e-9)
