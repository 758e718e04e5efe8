"""Scan benchmark: a 48-point ODE scan and its figure, timed end to end through the CLI.

Run:  python benchmarks/bench_scan.py

The scan is L = 1..8 x 3 teacher modes x 2 seeds at K = M = 2, alpha-max 1e4,
trained second layer (the scan default eta_w = 0.1), into a fresh file, on all
CPUs (the default); then `plateau plot-scan` draws its figure.  Each command is
a whole process (interpreter start, imports, Numba kernels loaded from the
cache, process pool, writing).  It prints both times and their sum (target:
under 60 s on a 2-core machine), then the same scan with --workers 1 for the
parallel speed-up, and a rerun on the finished file, which only checks it.
The first command of a fresh checkout compiles the kernels (about a minute);
the benchmark runs one small ODE first so that this is not counted.
"""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from plateau.resources import cpu_count  # noqa: E402
GRID = ["--K", "2", "--M", "2", "--L", "1,2,3,4,5,6,7,8", "--teacher", "degenerate,orthogonal,random",
        "--seeds", "0,1", "--alpha-max", "1e4", "--quiet"]
TARGET = 60.0


def plateau(*args):
    """Run `plateau ARGS` as its own process; the wall time in seconds."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import cli; cli.main()", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    with tempfile.TemporaryDirectory() as tmp:
        plateau("ode", "--alpha-max", "1", "--out", os.path.join(tmp, "warm.csv"))   # fill Numba's cache
        scan, figure = os.path.join(tmp, "scan.csv"), os.path.join(tmp, "scan.png")
        t_scan = plateau("scan", *GRID, "--out", scan)
        t_plot = plateau("plot-scan", scan, "--out", figure)
        with open(scan) as handle:
            rows = sum(1 for _ in handle) - 2
        t_again = plateau("scan", *GRID, "--out", scan)
        t_serial = plateau("scan", *GRID, "--workers", "1", "--out", os.path.join(tmp, "serial.csv"))
    total = t_scan + t_plot
    cpus = cpu_count()
    print(f"48-point ODE scan (K = M = 2, L = 1..8 x 3 teachers x 2 seeds, alpha-max 1e4) on {cpus} CPUs")
    print(f"  plateau scan (all CPUs)    : {t_scan:6.2f} s   ({rows} rows)")
    print(f"  plateau plot-scan          : {t_plot:6.2f} s")
    verdict = "met" if total < TARGET else "MISSED"
    print(f"  scan + figure              : {total:6.2f} s   (target < {TARGET:g} s: {verdict})")
    print(f"  plateau scan --workers 1   : {t_serial:6.2f} s   (speed-up of the pool {t_serial / t_scan:.2f}x)")
    print(f"  rerun on the finished file : {t_again:6.2f} s   (nothing to do)")


if __name__ == "__main__":
    main()
