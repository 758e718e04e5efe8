"""`plateau scan` and `plateau plot-scan`: grid, rows, resuming after a kill, refusing another scan,
the executors (serial, process pool, Dask) and their interface."""
import csv
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from plateau.cli.options import parse_list
from plateau.cli.scans import grid_from_options
from plateau.errors import InputError
from plateau.resources import cpu_count
from plateau.scan import (COLUMNS, GRID, HEADER_PREFIX, ProcessExecutor, ScanDefinition, SerialExecutor, read_scan,
                          run_point, run_scan, scan_series)

from helpers import run_cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# 48 points of 0.05-0.2 s each: a few seconds on 2 cores, long enough to be killed half-way.
KILL_GRID = ["--K", "3", "--M", "3", "--L", "1,2,3,4", "--teacher", "degenerate,orthogonal,random",
             "--seeds", "0,1,2,3", "--alpha-max", "1e4"]
SMALL_GRID = ["--L", "1,2,3", "--teacher", "degenerate,orthogonal", "--seeds", "0,1", "--alpha-max", "2e3"]


def scan_process(args, **kwargs):
    return subprocess.Popen([sys.executable, "-c", "import cli; cli.main()", "scan", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def definition(argv, **settings):
    """The ScanDefinition the CLI builds from grid options (via the CLI's own parser)."""
    names = {"--seeds": "seed", "--alpha-max": "alpha_max", "--eta-w": "eta_w"}
    options = dict.fromkeys(GRID)
    options.update({names.get(k, k[2:]): v for k, v in zip(argv[::2], argv[1::2])})
    return ScanDefinition(grid=grid_from_options(options), **settings)


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
    # A row is the measurement of the point run by hand: the scan passes its seed and settings through.
    from plateau import build_setup, integrate
    from plateau.plateaus import trajectory_plateaus
    for seed in (0, 1):   # one escapes, the other has no plateau
        setup = build_setup(K=2, M=2, L=3, teacher="orthogonal", eta_w=0.1, seed=seed, init_scale=0.5, N=1000)
        report = trajectory_plateaus(integrate(setup, 2e3, points=400), scan.criteria)
        row, main = by[(3, "orthogonal", seed)], report.main_plateau
        assert (row["plateau_outcome"], row["n_plateaus"]) == (report.outcome, len(report.plateaus))
        assert row["plateau_level"] == (main.level if main else None)
    first = out.read_text().splitlines()[0]
    assert first.startswith(HEADER_PREFIX) and json.loads(first[len(HEADER_PREFIX):])["grid"]["L"] == [1, 2, 3]
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
    from plateau.scan import DaskExecutor
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
    code, stdout, _ = run_cli(["scan", "--L", "1,2", "--alpha-max", "2", "--sgd", "--N", "50", "--sgd-runs", "2",
                           "--points", "20", "--workers", "2", "--out", str(out)], capsys)
    assert code == 0, stdout
    scan, rows = read_scan(out)
    assert scan.engine == "sgd" and scan.N == 50 and scan.sgd_runs == 2
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


def test_definition_round_trip_keeps_the_old_json_name_of_sgd_runs():
    scan = ScanDefinition(grid={"L": [1, 2, 1], "alpha_max": [10], "teacher": ["random"]}, engine="sgd", N=64,
                          sgd_runs=3)
    assert scan.grid["L"] == (1, 2) and scan.grid["alpha_max"] == (10.0,) and scan.grid["K"] == (2,)
    data = scan.to_json()
    assert data["sgd_seeds"] == 3 and "sgd_runs" not in data   # format 1: files written before the rename
    assert ScanDefinition.from_json(json.loads(json.dumps(data))) == scan
    renamed = {("sgd_runs" if key == "sgd_seeds" else key): value for key, value in data.items()}
    assert ScanDefinition.from_json(renamed) == scan
    assert [p["L"] for p in scan.points()] == [1, 2]
    assert ScanDefinition.from_json(ScanDefinition(grid={"alpha_max": 5}).to_json()).sgd_runs is None


def test_old_name_sgd_seeds_still_works():
    with pytest.warns(DeprecationWarning):
        old = ScanDefinition(grid={"alpha_max": [10]}, engine="sgd", N=64, sgd_seeds=3)
    assert old == ScanDefinition(grid={"alpha_max": [10]}, engine="sgd", N=64, sgd_runs=3)
    with pytest.warns(DeprecationWarning):
        assert old.sgd_seeds == 3
    with pytest.raises(InputError, match="disagree"), pytest.warns(DeprecationWarning):
        ScanDefinition(grid={"alpha_max": [10]}, engine="sgd", N=64, sgd_runs=2, sgd_seeds=3)


def test_deprecated_cli_option_sgd_seeds(tmp_path, capsys):
    out = tmp_path / "scan.csv"
    code, _, err = run_cli(["scan", "--alpha-max", "10", "--sgd", "--N", "50", "--sgd-seeds", "0", "--out", str(out)],
                           capsys)
    assert code == 2 and "--sgd-seeds is deprecated" in err and "--sgd-runs must be an integer >= 1, got 0" in err
    assert not out.exists()


@pytest.mark.parametrize("name, points", [("scan_teacher_K2", 6 * 3 * 20), ("scan_init_K2", 6 * 2 * 2 * 20)])
def test_committed_scan_files_are_read(tmp_path, name, points):
    source = os.path.join(ROOT, "docs", "figures", name + ".csv")
    scan, rows = read_scan(source)
    assert len(rows) == len(scan.points()) == points and scan.engine == "ode" and scan.sgd_runs is None
    # The definition the README's command line gives is the same scan: it resumes the file too.
    argv = ["--K", "2", "--M", "2", "--L", "1,2,3,4,6,8", "--eta", "0.1", "--eta-w", "0.1", "--seeds", "0-19",
            "--alpha-max", "1e5"]
    argv += (["--teacher", "degenerate,orthogonal,random"] if name == "scan_teacher_K2" else
             ["--teacher", "degenerate,random", "--init", "random,orthogonal"])
    assert definition(argv).differences(scan) == []


def test_files_of_an_earlier_version_are_read_but_not_resumed(tmp_path):
    # A file written before a result column existed: plot-scan reads it (the column empty); resuming
    # it would mix rows with and without the column, so it is refused with the way out.
    scan = definition(["--L", "1", "--alpha-max", "30"])
    path = tmp_path / "scan.csv"
    run_scan(scan, path, executor=SerialExecutor())
    first, header, *rows = path.read_text().splitlines(keepends=True)
    drop = header.rstrip("\n").split(",").index("fisher_min")
    old = [first] + [",".join(f for j, f in enumerate(line.rstrip("\n").split(",")) if j != drop) + "\n"
                     for line in [header] + rows]
    path.write_text("".join(old))
    _, read = read_scan(path)
    assert read[0]["fisher_min"] is None and read[0]["status"] == "finished"
    with pytest.raises(InputError, match="earlier plateau .* lacks fisher_min"):
        run_scan(scan, path, executor=SerialExecutor())


# --- the option strings of the grid (the CLI's parser) -----------------------------------------
def test_parse_list_expands_integer_ranges_only():
    assert parse_list("0-2, 5,7-7", "--seeds", integers=True) == [0, 1, 2, "5", 7]   # converted later
    assert parse_list("1e-3,0.1", "--eta") == ["1e-3", "0.1"]              # not a range
    assert parse_list("1-3", "--teacher") == ["1-3"]                       # ranges are for integers
    with pytest.raises(InputError, match="empty"):
        parse_list("3-1", "--seeds", integers=True)
    with pytest.raises(InputError, match="--L needs at least one value"):
        parse_list(" , ", "--L", integers=True)


def test_grid_options_give_the_definition():
    scan = definition(["--L", "1-3,2", "--seeds", "4-5", "--eta", "1e-1,0.2", "--alpha-max", "1e3"])
    assert scan.grid["L"] == (1, 2, 3) and scan.grid["seed"] == (4, 5) and scan.grid["eta"] == (0.1, 0.2)
    assert scan.grid["alpha_max"] == (1000.0,) and len(scan.points()) == 12
    with pytest.raises(InputError, match="--L takes integers"):
        definition(["--L", "1.5", "--alpha-max", "1"])


# --- the executor interface ---------------------------------------------------------------------
class RecordingExecutor(SerialExecutor):
    """A serial executor that asks for 3 threads per task and records the arguments of each task."""

    def __init__(self):
        self.calls = []

    def threads_per_task(self):
        return 3

    def submit(self, fn, *args):
        self.calls.append(args)
        return super().submit(fn, *args)


def test_the_runner_asks_the_executor_for_threads_per_point(tmp_path):
    executor = RecordingExecutor()
    result = run_scan(definition(["--L", "1,2", "--alpha-max", "50"]), tmp_path / "scan.csv", executor)
    assert result.ran == 2 and [args[-1] for args in executor.calls] == [3, 3]


def test_each_executor_answers_threads_per_task():
    assert SerialExecutor().threads_per_task() == cpu_count()
    assert ProcessExecutor(1).threads_per_task() == cpu_count()
    assert ProcessExecutor(cpu_count() + 1).threads_per_task() == 1   # never 0
    if cpu_count() >= 2:
        assert ProcessExecutor(2).threads_per_task() == cpu_count() // 2


def test_cancelled_process_pool_stops_its_workers_promptly():
    pool = ProcessExecutor(2)
    with pytest.raises(KeyboardInterrupt):
        with pool:
            futures = [pool.submit(time.sleep, 60) for _ in range(4)]
            deadline = time.monotonic() + 30
            while len(pool.worker_pids()) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            pids = pool.worker_pids()
            assert len(pids) == 2 and os.getpid() not in pids
            time.sleep(0.2)   # the workers are now sleeping in their points
            start = time.monotonic()
            raise KeyboardInterrupt
    assert time.monotonic() - start < 5
    assert not pids & {process.pid for process in multiprocessing.active_children()}
    assert all(future.done() for future in futures)


def test_closed_process_pool_waits_for_its_points():
    with ProcessExecutor(2) as pool:
        futures = [pool.submit(os.getpid) for _ in range(4)]
        results = {future.result() for future in futures}
        pids = pool.worker_pids()
    assert results <= pids and os.getpid() not in results
    assert not pids & {process.pid for process in multiprocessing.active_children()}


# --- the file under crashes and races ------------------------------------------------------------
def test_error_rows_are_rerun_and_the_last_row_counts(tmp_path):
    scan = definition(["--L", "1,2", "--alpha-max", "30"])
    path = tmp_path / "scan.csv"
    run_scan(scan, path, executor=SerialExecutor())
    first, header, *rows = path.read_text().splitlines(keepends=True)
    names = header.rstrip("\n").split(",")
    broken = rows[0].rstrip("\n").split(",")
    broken[names.index("status")] = "error"
    path.write_text(first + header + ",".join(broken) + "\n" + rows[1])
    result = run_scan(scan, path, executor=SerialExecutor())
    assert (result.ran, result.statuses) == (1, {"finished": 2})
    _, again = read_scan(path)
    assert [row["status"] for row in again] == ["finished", "finished"]


def test_a_garbage_tail_is_named_and_repaired(tmp_path, capsys):
    argv = ["scan", "--L", "1,2", "--alpha-max", "30", "--workers", "1", "--quiet", "--out", str(tmp_path / "s.csv")]
    assert run_cli(argv, capsys)[0] == 0
    path = tmp_path / "s.csv"
    good = path.read_bytes()
    path.write_bytes(good + b"\0" * 40 + b"\n" + b"1,2,\0\0\n")      # what a crash can leave behind
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and "line 5" in err and "--repair" in err and path.read_bytes().startswith(good)
    code, out, err = run_cli(argv + ["--repair"], capsys)
    assert code == 0 and path.read_bytes() == good


def test_two_scans_started_together_on_a_new_file_one_runs(tmp_path):
    # Each try starts two processes on a new file at the same moment: exactly one may write it.
    script = ("import sys; from plateau.cli import main; "
              "main(['scan', '--L', '1', '--alpha-max', '20', '--workers', '1', '--quiet', '--out', sys.argv[1]])")
    for attempt in range(20):
        path = tmp_path / f"race{attempt}.csv"
        procs = [subprocess.Popen([sys.executable, "-c", script, str(path)], stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
        codes = sorted(code for code, _ in results)
        assert codes == [0, 2], results
        assert any("being written by another running scan" in err for _, err in results)
        assert len(read_scan(path)[1]) == 1
