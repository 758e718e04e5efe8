"""Resource guards (plateau.limits), the --yes override, run warnings and a lost scan executor."""
import json
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

from plateau import limits
from plateau.errors import InputError
from plateau.trajectory import Trajectory

from helpers import run_cli, soft_committee


def test_available_memory_is_known_on_this_machine():
    free = limits.available_memory()
    assert free is None or free > 0


def test_rhs_cost_limit_and_its_message():
    limits.check_rhs_cost(2, 2, "erf")
    limits.check_rhs_cost(32, 32, "erf")
    with pytest.raises(InputError, match=r"K = 200, M = 200 \(erf\).*limit is 1 s; pass --yes"):
        limits.check_rhs_cost(200, 200, "erf")
    with pytest.raises(InputError, match="relu"):
        limits.check_rhs_cost(40, 40, "relu")
    limits.check_rhs_cost(200, 200, "erf", force=True)


@pytest.mark.parametrize("argv, text", [
    (["ode", "--K", "200", "--M", "200", "--alpha-max", "1"], "right-hand side"),
    (["ode", "--alpha-max", "1", "--points", "2000000"], "--points 2000000"),
    (["ode", "--alpha-max", "1", "--init-N", "100000000000000"], "drawing the student's start"),
    (["ode", "--alpha-max", "1", "--L", "100000000000000"], "of memory"),
    (["sgd", "--alpha-max", "1", "--N", "100000000000000"], "SGD at N = 100000000000000"),
    (["sgd", "--alpha-max", "1e300", "--N", "100"], "more than an SGD run can count"),
    (["rates", "--K", "300"], "right-hand side"),
])
def test_cli_refuses_absurd_inputs(tmp_path, capsys, argv, text):
    out = tmp_path / "o.csv"
    code, _, err = run_cli(argv + (["--out", str(out)] if argv[0] != "rates" else []), capsys)
    assert code == 2 and err.count("Error:") == 1 and text in err
    assert not out.exists()


def test_scan_grid_limit_before_expanding_ranges(tmp_path, capsys):
    out = tmp_path / "s.csv"
    code, _, err = run_cli(["scan", "--seeds", "0-100000000000", "--alpha-max", "1", "--out", str(out)], capsys)
    assert code == 2 and "100,000" in err and "--yes" in err and not out.exists()
    code, _, err = run_cli(["scan", "--seeds", "0-999", "--eta", "0.1,0.2,0.3",
                            "--L", "1-40", "--alpha-max", "1", "--out", str(out)], capsys)
    assert code == 2 and "120,000 points" in err


def test_yes_lifts_a_limit(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limits, "MAX_POINTS", 10)
    out = tmp_path / "o.csv"
    argv = ["ode", "--alpha-max", "1", "--points", "20", "--out", str(out)]
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and "more than 10 times" in err
    code, _, err = run_cli(argv + ["--yes"], capsys)
    assert code == 0, err
    assert len(Trajectory.from_csv(out).alpha) == 21


def test_memory_estimate_refuses_and_yes_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 10_000)
    out = tmp_path / "o.csv"
    argv = ["sgd", "--alpha-max", "0.05", "--points", "3", "--N", "50", "--runs", "1", "--workers", "1",
            "--quiet", "--out", str(out)]
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and "is available" in err and not out.exists()
    code, _, err = run_cli(argv + ["--yes"], capsys)
    assert code == 0, err


def test_setup_file_is_checked_after_reading(tmp_path, capsys):
    K = M = 200      # one erf right-hand side ~5 s: over the limit
    setup = soft_committee(K, M, 0.1)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(setup.to_dict()))
    code, _, err = run_cli(["stability", "--setup", str(path)], capsys)
    assert code == 2 and "K = 200, M = 200" in err


def _trajectory(q_end, eps_end):
    setup = soft_committee(2, 2, 50.0)
    alpha = np.array([0.0, 1.0, 2.0])
    Q = np.array([setup.Q, setup.Q, q_end * np.eye(2)])
    R = np.zeros((3, 2, 2))
    D = E = np.ones((3, 2, 2))
    return Trajectory(alpha=alpha, eps_g=np.array([0.5, 0.45, eps_end]), Q=Q, R=R, D=D, E=E, setup=setup)


def test_warning_for_weights_that_grew_while_eps_g_stalled():
    assert _trajectory(3e3, 0.42).warnings()[0].startswith("the student's weights grew to max Q_ii = 3e+03")
    assert "warnings" in _trajectory(3e3, 0.42).summary()
    assert _trajectory(3e3, 0.001).warnings() == []     # it learned: large weights are the solution
    assert _trajectory(5.0, 0.42).warnings() == []       # stalled, but the weights stayed in range


def test_ode_eta_50_finishes_with_a_warning(tmp_path, capsys):
    code, out, err = run_cli(["ode", "--eta", "50", "--alpha-max", "300", "--points", "50", "--json",
                              "--out", str(tmp_path / "o.csv")], capsys)
    info = json.loads(out)
    assert code == 0 and info["status"] == "finished"
    assert len(info["warnings"]) == 1 and "plateau rates" in info["warnings"][0]


def test_lost_workers_are_recognised():
    from plateau.cli.scans import lost_workers
    assert "worker process died" in lost_workers(BrokenProcessPool("gone"))
    assert lost_workers(ValueError("a bug")) is None
    distributed = pytest.importorskip("distributed")
    from distributed.comm.core import CommClosedError
    assert "lost the Dask scheduler" in lost_workers(CommClosedError("in <TCP>: Stream is\nclosed"))


def test_scan_that_loses_its_scheduler_ends_in_one_line(tmp_path, capsys, monkeypatch):
    import plateau.scan
    distributed = pytest.importorskip("distributed")
    from distributed.client import FutureCancelledError

    def lose(*args, **kwargs):
        raise FutureCancelledError("run_point-1", reason="scheduler-connection-lost")
    monkeypatch.setattr(plateau.scan, "run_scan", lose)
    out = tmp_path / "s.csv"
    code, _, err = run_cli(["scan", "--alpha-max", "1", "--workers", "1", "--out", str(out)], capsys)
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: lost the Dask scheduler") and "rerun to resume" in lines[0]
