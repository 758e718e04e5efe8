"""Ctrl-C: every command stops within about a second, also inside the compiled loops, exits 130,
leaves no temporary file, and an interrupted scan point is never recorded (the rerun runs it)."""
import os
import signal
import subprocess
import sys
import time

import pytest

from plateau.scan import read_scan

DATA = os.path.join(os.path.dirname(__file__), "data")
SCAN = ["scan", "--K", "3", "--M", "3", "--L", "1,2,3", "--teacher", "degenerate", "--seeds", "0-1",
        "--alpha-max", "1e5", "--workers", "1", "--quiet"]


def plateau(args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "plateau", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def interrupt(proc, after, ready=lambda: True, limit=240.0):
    """Send SIGINT once ``ready()`` holds and ``after`` seconds have passed; (exit code, seconds to exit)."""
    begin = time.monotonic()
    while not ready() or time.monotonic() - begin < after:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() - begin < limit, "the command never got going"
        time.sleep(0.05)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=30)
    return code, time.monotonic() - sent


def leftovers(folder):
    return [name for name in os.listdir(folder) if ".tmp" in name]


def test_ode_stops_inside_the_compiled_integrator(tmp_path):
    # The degenerate trap (a line of fixed points) never settles: integrating it to 1e12 would take
    # hours, all of it inside the compiled Dormand-Prince loop.
    setup = os.path.join(DATA, "trap_K2_L2_degenerate_seed12.json")
    warm = plateau(["ode", "--setup", setup, "--alpha-max", "10", "--out", str(tmp_path / "warm.csv")])
    assert warm.wait(timeout=600) == 0, warm.communicate()   # kernels compiled or loaded: timing is fair
    proc = plateau(["ode", "--setup", setup, "--alpha-max", "1e12", "--out", str(tmp_path / "long.csv")])
    code, seconds = interrupt(proc, after=3.0)
    err = proc.stderr.read()
    # 2 s: a chunk of the compiled loop lasts ~0.1 s; the rest is Python unwinding and exit.
    assert code == 130 and seconds < 2.0, (code, seconds, err)
    assert err.strip().splitlines()[-1] == "Interrupted." and "Traceback" not in err
    assert not (tmp_path / "long.csv").exists() and leftovers(tmp_path) == []


def test_serial_scan_never_records_the_interrupted_point(tmp_path):
    reference, out = tmp_path / "reference.csv", tmp_path / "scan.csv"
    done = plateau(SCAN + ["--out", str(reference)])
    assert done.wait(timeout=900) == 0, done.communicate()

    def two_rows():
        return out.exists() and len(out.read_text().splitlines()) >= 4   # definition, header, 2 rows
    proc = plateau(SCAN + ["--out", str(out)])
    code, seconds = interrupt(proc, after=0.0, ready=two_rows)
    err = proc.stderr.read()
    assert code == 130 and seconds < 2.0, (code, seconds, err)
    assert "Traceback" not in err and leftovers(tmp_path) == []
    _, partial = read_scan(out)
    assert 2 <= len(partial) < 6 and all(row["status"] == "finished" for row in partial)
    rerun = plateau(SCAN + ["--out", str(out)])
    assert rerun.wait(timeout=900) == 0, rerun.communicate()
    drop = ("wall_time",)
    rows = [{k: v for k, v in row.items() if k not in drop} for row in read_scan(out)[1]]
    expected = [{k: v for k, v in row.items() if k not in drop} for row in read_scan(reference)[1]]
    assert rows == expected
