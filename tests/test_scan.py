"""`plateau scan` and `plateau plot-scan`: grid, rows, resuming after a kill, refusing another scan,
the Dask executor."""
import csv
import os
import signal
import subprocess
import sys
import time

import pytest

from plateau.executors import ProcessExecutor, SerialExecutor
from plateau.scan import (COLUMNS, GRID, HEADER_PREFIX, ScanDefinition, read_scan, run_point, run_scan,
                          scan_series)

from helpers import run_cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# 48 points of 0.05-0.2 s each: a few seconds on 2 cores, long enough to be killed half-way.
KILL_GRID = ["--K", "3", "--M", "3", "--L", "1,2,3,4", "--teacher", "degenerate,orthogonal,random",
             "--seeds", "0,1,2,3", "--alpha-max", "1e4"]
SMALL_GRID = ["--L", "1,2,3", "--teacher", "degenerate,orthogonal", "--seeds", "0,1", "--alpha-max", "2e3"]


def scan_process(args, **kwargs):
    return subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "scan", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def definition(argv):
    """The ScanDefinition the CLI builds from grid options (via the same parser)."""
    from plateau.scan import definition_from_options
    texts = dict(zip(argv[::2], argv[1::2]))
    names = {"--seeds": "seed", "--alpha-max": "alpha_max", "--eta-w": "eta_w"}
    return definition_from_options({names.get(k, k[2:]): v for k, v in texts.items()})


def results(rows):
    """Rows without wall time, for comparing runs."""
    return [{k: v for k, v in row.items() if k != "wall_time"} for row in rows]


def data_lines(path):
    with open(path) as handle:
        return handle.read().splitlines()[2:]


def test_points_rows_and_file_format(tmp_path, capsys):
    out = tmp_path / "scan.csv"
    code, stdout, err = run_cli(["scan", *SMALL_GRID, "--workers", "1", "--out", str(out)], capsys)
    assert code == 0 and err == ""
    assert "12 points" in stdout and "12 finished" in stdout
    scan, rows = read_scan(out)
    assert scan.grid["L"] == (1, 2, 3) and scan.grid["eta_w"] == (0.1,) and scan.engine == "ode"
    assert [tuple(r[n] for n in ("L", "teacher", "seed")) for r in rows] == [
        (L, t, s) for L in (1, 2, 3) for t in ("degenerate", "orthogonal") for s in (0, 1)]   # grid order
    for row in rows:
        assert row["status"] == "finished" and row["final_alpha"] == 2e3 and row["wall_time"] >= 0
        assert row["plateau_outcome"] in ("escaped", "no_plateau", "on_plateau_at_end")
        if row["plateau_outcome"] == "escaped":
            assert row["plateau_length"] == pytest.approx(row["escape_alpha"] - row["plateau_onset"])
            assert row["plateau_onset"] < row["plateau_end"] < row["escape_alpha"]
        else:
            assert row["escape_alpha"] is None and row["plateau_length"] is None
    by = {(r["L"], r["teacher"], r["seed"]): r for r in rows}
    # The degenerate teacher with a trained second layer keeps its plateau at L = 2; orthogonal loses it.
    assert by[(2, "degenerate", 0)]["plateau_outcome"] == "escaped"
    assert by[(2, "orthogonal", 0)]["plateau_outcome"] == "no_plateau"
    # L = 1: the orthogonal teacher is the degenerate one (v_n = e_0), so the rows agree.
    same = [{**row, "teacher": None} for row in results([by[(1, "orthogonal", 0)], by[(1, "degenerate", 0)]])]
    assert same[0] == same[1]
    # A plain CSV reader that skips '#' lines sees the header and one row per point.
    with open(out) as handle:
        table = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert tuple(table[0]) == COLUMNS and len(table) == 12
    try:
        import pandas
    except ImportError:
        return
    assert len(pandas.read_csv(out, comment="#")) == 12


def test_killed_scan_resumes_to_the_uninterrupted_rows(tmp_path):
    reference = tmp_path / "reference.csv"
    run_scan(definition(KILL_GRID), reference, SerialExecutor())
    _, expected = read_scan(reference)
    out = tmp_path / "scan.csv"
    proc = scan_process([*KILL_GRID, "--workers", "2", "--out", str(out)], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if out.exists() and len(data_lines(out)) >= 6:
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the scan finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)   # the scan process only: its workers must die with it
        proc.wait(timeout=10)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
    _, partial = read_scan(out)
    assert 6 <= len(partial) < len(expected)
    assert all(row in results(expected) for row in results(partial))
    resumed = scan_process([*KILL_GRID, "--workers", "2", "--out", str(out)])
    stdout, stderr = resumed.communicate(timeout=120)
    assert resumed.returncode == 0 and stderr == "", stderr   # no progress bar: stderr is not a terminal
    assert f"{len(partial)} already in the file" in stdout
    _, rows = read_scan(out)
    assert results(rows) == results(expected)


def test_torn_last_line_is_dropped_and_rerun(tmp_path):
    out = tmp_path / "scan.csv"
    scan = definition(["--L", "1,2", "--alpha-max", "500"])
    run_scan(scan, out, SerialExecutor())
    _, complete = read_scan(out)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:-1]) + lines[-1][:20])   # a crash in the middle of the last row
    assert len(read_scan(out)[1]) == 1
    result = run_scan(scan, out, SerialExecutor())
    assert result.skipped == 1 and result.ran == 1
    assert results(read_scan(out)[1]) == results(complete)
    assert out.read_text().endswith("\n")


def test_another_scan_or_file_is_refused_with_one_line(tmp_path, capsys):
    out = tmp_path / "scan.csv"
    run_scan(definition(["--L", "1,2", "--alpha-max", "500"]), out, SerialExecutor())
    before = out.read_bytes()
    for args in (["--L", "1,2,3", "--alpha-max", "500"], ["--L", "1,2", "--alpha-max", "500", "--min-span", "3"],
                 ["--L", "1,2", "--alpha-max", "500", "--sgd", "--N", "100"]):
        code, stdout, err = run_cli(["scan", *args, "--out", str(out)], capsys)
        assert code == 2 and stdout == ""
        assert err.startswith("Error: ") and err.count("\n") == 1 and "another scan" in err
    assert out.read_bytes() == before
    # The same grid given in another order is the same scan.
    code, stdout, _ = run_cli(["scan", "--L", "2,1", "--alpha-max", "500", "--out", str(out)], capsys)
    assert code == 0 and "2 already in the file" in stdout
    other = tmp_path / "traj.csv"
    other.write_text("alpha,eps_g\n0,1\n")
    code, _, err = run_cli(["scan", "--L", "1", "--alpha-max", "5", "--out", str(other)], capsys)
    assert code == 2 and "not a plateau scan file" in err and err.count("\n") == 1


@pytest.mark.parametrize("args", [
    ["--L", "1,x"], ["--L", "0"], ["--L", "1.5"], ["--eta", "0"], ["--eta-w", "-1"], ["--teacher", "flat"],
    ["--init", "zero"], ["--seeds", "-1"], ["--alpha-max", "0"], ["--init-scale", "0"], ["--workers", "0"],
    ["--N", "100"], ["--sgd", "--N", "3"], ["--activation", "tanh"],
])
def test_bad_options_exit_2_and_write_nothing(tmp_path, capsys, args):
    out = tmp_path / "scan.csv"
    argv = ["scan", "--alpha-max", "10", *args, "--out", str(out)]
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and err.startswith("Error: ") and err.count("\n") == 1
    assert not out.exists()


def test_failing_points_become_rows():
    row = run_point(dict(K=0, M=2, L=1, teacher="degenerate", init="random", activation="erf", eta=0.1,
                         eta_w=0.1, sigma=0.0, alpha_max=10.0, seed=0),
                    definition(["--alpha-max", "10"]).settings())
    assert row["status"] == "error" and "K must be an integer" in row["message"]
    assert set(row) == set(COLUMNS)


def test_diverging_points_get_their_status(tmp_path, capsys):
    out = tmp_path / "scan.csv"
    code, stdout, _ = run_cli(["scan", "--activation", "linear", "--eta", "0.1,5", "--eta-w", "0",
                           "--alpha-max", "100", "--workers", "1", "--out", str(out)], capsys)
    assert code == 0 and "1 diverged" in stdout and "1 finished" in stdout
    rows = {row["eta"]: row for row in read_scan(out)[1]}
    assert rows[5.0]["status"] == "diverged" and rows[5.0]["final_alpha"] < 100
    assert rows[5.0]["plateau_outcome"] is None and "diverged at alpha" in rows[5.0]["message"]


def test_process_pool_and_dask_give_the_same_rows(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    from plateau.executors import DaskExecutor
    scan = definition(SMALL_GRID)
    with ProcessExecutor(2) as pool:
        run_scan(scan, tmp_path / "pool.csv", pool)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with DaskExecutor(client=client) as executor:
            run_scan(scan, tmp_path / "dask.csv", executor)
    assert results(read_scan(tmp_path / "dask.csv")[1]) == results(read_scan(tmp_path / "pool.csv")[1])


def test_cli_scheduler_local(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "scan.csv"
    code, stdout, _ = run_cli(["scan", "--L", "1,2", "--seeds", "0,1", "--alpha-max", "500", "--scheduler", "local",
                           "--workers", "1", "--out", str(out)], capsys)
    assert code == 0 and "4 finished" in stdout
    reference = tmp_path / "reference.csv"
    run_scan(definition(["--L", "1,2", "--seeds", "0,1", "--alpha-max", "500"]), reference, SerialExecutor())
    assert results(read_scan(out)[1]) == results(read_scan(reference)[1])


def test_sgd_scan(tmp_path, capsys):
    out = tmp_path / "scan.csv"
    code, stdout, _ = run_cli(["scan", "--L", "1,2", "--alpha-max", "2", "--sgd", "--N", "50", "--sgd-seeds", "2",
                           "--points", "20", "--workers", "2", "--out", str(out)], capsys)
    assert code == 0, stdout
    scan, rows = read_scan(out)
    assert scan.engine == "sgd" and scan.N == 50 and scan.sgd_seeds == 2
    assert [row["status"] for row in rows] == ["finished", "finished"]
    assert all(row["final_alpha"] == 2.0 and row["final_eps_g"] > 0 for row in rows)


def test_plot_scan(tmp_path, capsys):
    out = tmp_path / "scan.csv"
    run_scan(definition(SMALL_GRID), out, SerialExecutor())
    scan, rows = read_scan(out)
    series = scan_series(scan, rows, "L", "escape_alpha")
    assert [s.label for s in series] == ["teacher=degenerate", "teacher=orthogonal"]
    orthogonal = series[1]
    assert orthogonal.x == [1, 2, 3] and orthogonal.finished == [2, 2, 2]
    assert orthogonal.no_plateau[1] == 2 and orthogonal.count[1] == 0   # no plateau at L = 2
    fig = tmp_path / "fig.png"
    code, _, _ = run_cli(["plot-scan", str(out), "--out", str(fig)], capsys)
    assert code == 0 and fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, _, _ = run_cli(["plot-scan", str(out), "--x", "teacher", "--y", "plateau_level", "--out", str(fig)], capsys)
    assert code == 0
    for args in (["--y", "status"], ["--x", "wall_time"]):
        code, _, err = run_cli(["plot-scan", str(out), *args, "--out", str(fig)], capsys)
        assert code == 2 and err.startswith("Error: ") and err.count("\n") == 1
    code, _, err = run_cli(["plot-scan", str(tmp_path / "missing.csv"), "--out", str(fig)], capsys)
    assert code == 2 and "cannot read" in err


def test_definition_round_trip():
    scan = ScanDefinition(grid={"L": [1, 2], "alpha_max": [10], "teacher": ["random"]}, engine="sgd", N=64,
                          sgd_seeds=3)
    assert set(scan.grid) == set(GRID) and scan.grid["alpha_max"] == (10.0,)
    assert ScanDefinition.from_json(scan.to_json()) == scan
    assert len(scan.points()) == 2
    assert HEADER_PREFIX.startswith("#")
