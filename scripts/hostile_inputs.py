"""Run a list of bad and hostile invocations of every command; print what became of them.

Each invocation runs ``python -m plateau ...`` in a subprocess with a timeout and is sorted:

- ran: exit 0 or 1 (a run that finished, or did not and says why in an ``Error:`` line);
- clean error: exit 2 with exactly one ``Error:`` line on stderr and no output file written;
- traceback: a Python traceback, or an exit status outside 0, 1, 2, 130;
- hang: still running after the timeout;
- contract: anything else (exit 2 with other lines than the Error line, click's usage lines and
  Note/Warning lines, or with an output file written).

Usage: python scripts/hostile_inputs.py [--timeout 60] [--jobs 2] [--verbose]
Not a test (it takes minutes); the fuzz tests in tests/test_fuzz.py are the fast, in-process part.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GOOD_SETUP = {"activation": "erf", "eta": 0.5, "eta_w": 0.0, "sigma": 0.0, "T": [[1.0, 0.0], [0.0, 1.0]],
              "V": [[1.0], [1.0]], "Q": [[0.2, 0.0], [0.0, 0.2]], "R": [[0.01, 0.0], [0.0, 0.0]],
              "W": [[1.0], [1.0]]}


def setup_with(**changes):
    return json.dumps({**GOOD_SETUP, **changes})


def write_inputs(d):
    """The input files the cases name, in folder ``d``."""
    files = {
        "good.json": json.dumps(GOOD_SETUP),
        "huge_q.json": setup_with(Q=[[1e300, 0.0], [0.0, 1e300]]),
        "huge_t.json": setup_with(T=[[1e300, 0.0], [0.0, 1e300]]),
        "big_q.json": setup_with(Q=[[1e10, 0.0], [0.0, 1e10]]),
        "tiny.json": setup_with(Q=[[1e-300, 0.0], [0.0, 1e-300]], R=[[0.0, 0.0], [0.0, 0.0]]),
        "zero_t.json": setup_with(T=[[0.0, 0.0], [0.0, 0.0]], R=[[0.0, 0.0], [0.0, 0.0]]),
        "not_psd.json": setup_with(Q=[[0.2, 0.0], [0.0, -0.2]]),
        "asym.json": setup_with(Q=[[0.2, 0.1], [0.0, 0.2]]),
        "shape.json": setup_with(R=[[0.0], [0.0], [0.0]]),
        "ragged.json": setup_with(Q=[[0.2], [0.0, 0.2]]),
        "strings.json": setup_with(eta="fast"),
        "nan.json": setup_with(eta=float("nan")),
        "inf.json": '{"activation": "erf", "eta": Infinity, "eta_w": 0, "sigma": 0, "T": [[1]], "V": [[1]],'
                    ' "Q": [[1]], "R": [[0]], "W": [[1]]}',
        "bool.json": setup_with(eta=True),
        "neg.json": setup_with(eta=-1.0),
        "huge_eta.json": setup_with(eta=1e300),
        "empty_m.json": setup_with(T=[], V=[], R=[[], []]),
        "list.json": "[1, 2, 3]",
        "null.json": "null",
        "deep.json": "[" * 100000 + "]" * 100000,
        "trunc.json": json.dumps(GOOD_SETUP)[:57],
        "empty.json": "",
        "unknown_key.json": setup_with(colour="blue"),
        "missing.json": json.dumps({k: v for k, v in GOOD_SETUP.items() if k != "Q"}),
        "ngd_bad.json": setup_with(algorithm="ngd", damping=-1),
        "seed_str.json": setup_with(init="random", init_scale=0.5, init_N=10, seed="x"),
        "traj_garbage.csv": "# plateau-trajectory {not json\nalpha,eps_g\n1,2\n",
        "traj_empty.csv": "",
        "traj_header_only.csv": "alpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n",
        "traj_words.csv": "alpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n0,a,b,c,d,e\n",
        "traj_nan.csv": "alpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n0,nan,1,0,1,0\n1,inf,1,0,1,0\n",
        "traj_bigidx.csv": "alpha,eps_g,Q[99999999,99999999],R[0,0],D[0,0],E[0,0]\n0,0.1,1,0,1,0\n",
        "traj_negidx.csv": "alpha,eps_g,Q[-1,0],R[0,0],D[0,0],E[0,0]\n0,0.1,1,0,1,0\n",
        "traj_meta.csv": '# plateau-trajectory {"format": 1, "status": 5, "N": "x", "setup": 3}\n'
                         "alpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n0,0.1,1,0,1,0\n",
        "traj_ragged.csv": "alpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n0,0.1,1,0,1,0\n1,0.1,1\n",
        "scan_garbage.csv": "this is not a scan\n1,2,3\n",
        "scan_empty.csv": "",
        "scan_header.csv": "# plateau-scan {}\n",
        "fisher_garbage.csv": "lambda_max\nx\n",
    }
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as handle:
            handle.write(text)
    with open(os.path.join(d, "binary.bin"), "wb") as handle:
        handle.write(bytes(range(256)) * 40)
    os.makedirs(os.path.join(d, "folder"), exist_ok=True)


def make_valid_files(d, timeout):
    """A real trajectory file and a real scan file, then corrupted copies of them."""
    run = [sys.executable, "-m", "plateau"]
    subprocess.run(run + ["ode", "--alpha-max", "50", "--points", "40", "--out", f"{d}/traj.csv"],
                   cwd=ROOT, capture_output=True, timeout=timeout)
    subprocess.run(run + ["scan", "--L", "1,2", "--alpha-max", "20", "--points", "30", "--workers", "1", "--quiet",
                          "--out", f"{d}/scan.csv"], cwd=ROOT, capture_output=True, timeout=timeout)
    for name in ("traj", "scan"):
        path = f"{d}/{name}.csv"
        if not os.path.exists(path):
            continue
        text = open(path).read()
        with open(f"{d}/{name}_trunc.csv", "w") as handle:
            handle.write(text[: len(text) * 2 // 3])
        with open(f"{d}/{name}_cut_header.csv", "w") as handle:
            handle.write(text[:40])
        lines = text.splitlines(keepends=True)
        with open(f"{d}/{name}_no_first.csv", "w") as handle:
            handle.write("".join(lines[1:]))
        with open(f"{d}/{name}_flip.csv", "w") as handle:
            handle.write(text.replace("0", "x", 7).replace(",", ";", 5))
        with open(f"{d}/{name}_dup.csv", "w") as handle:
            handle.write(text + text)


T = "--alpha-max 5 --points 10"      # a tiny ODE run
S = "--alpha-max 1 --points 5 --N 40 --runs 2 --workers 1 --quiet"   # a tiny SGD run
SC = "--alpha-max 5 --points 10 --workers 1 --quiet"                # a tiny scan

CASES = [
    # --- ode ---------------------------------------------------------------------------
    f"ode --eta 1e300 {T} --out {{o}}.csv", f"ode --eta 50 --alpha-max 200 --out {{o}}.csv",
    f"ode --eta -1 {T} --out {{o}}.csv", f"ode --eta nan {T} --out {{o}}.csv", f"ode --eta inf {T} --out {{o}}.csv",
    f"ode --eta 0 {T} --out {{o}}.csv", f"ode --sigma 1e300 {T} --out {{o}}.csv",
    f"ode --eta-w 1e300 {T} --out {{o}}.csv", f"ode --eta-w -1 {T} --out {{o}}.csv",
    f"ode --K 0 {T} --out {{o}}.csv", f"ode --K -5 {T} --out {{o}}.csv", f"ode --K 100000 {T} --out {{o}}.csv",
    f"ode --K 200 --M 200 {T} --out {{o}}.csv", f"ode --K 40 --activation relu {T} --out {{o}}.csv",
    f"ode --L 10000000000 {T} --out {{o}}.csv", f"ode --L 0 {T} --out {{o}}.csv",
    f"ode --M 99999999999999999999 {T} --out {{o}}.csv",
    f"ode --init-N 100000000000 {T} --out {{o}}.csv", f"ode --init-N 0 {T} --out {{o}}.csv",
    f"ode --init-N 1 {T} --out {{o}}.csv", f"ode --init-scale 0 {T} --out {{o}}.csv",
    f"ode --init-scale 1e300 {T} --out {{o}}.csv", f"ode --init-scale nan {T} --out {{o}}.csv",
    f"ode --seed -1 {T} --out {{o}}.csv", f"ode --seed 99999999999999999999999 {T} --out {{o}}.csv",
    "ode --alpha-max 0 --out {o}.csv", "ode --alpha-max -1 --out {o}.csv", "ode --alpha-max nan --out {o}.csv",
    "ode --alpha-max inf --out {o}.csv", "ode --alpha-max 1e300 --points 5 --out {o}.csv",
    "ode --alpha-max 1e-300 --out {o}.csv", "ode --alpha-max 5 --points 1 --out {o}.csv",
    "ode --alpha-max 5 --points -3 --out {o}.csv", "ode --alpha-max 5 --points 1000000000 --out {o}.csv",
    "ode --alpha-max 5 --alphas 1,2,x --out {o}.csv", "ode --alpha-max 5 --alphas 1,nan --out {o}.csv",
    "ode --alpha-max 5 --alphas 9 --out {o}.csv", "ode --alpha-max 5 --alphas , --out {o}.csv",
    "ode --alpha-max 5 --rtol 0 --out {o}.csv", "ode --alpha-max 5 --rtol nan --out {o}.csv",
    "ode --alpha-max 5 --rtol 1e300 --points 5 --out {o}.csv", "ode --alpha-max 5 --atol -1 --out {o}.csv",
    "ode --alpha-max 5 --method Euler --out {o}.csv", f"ode {T} --method LSODA --eta 1e300 --out {{o}}.csv",
    f"ode {T} --flatness nan --out {{o}}.csv", f"ode {T} --min-span -1 --out {{o}}.csv",
    f"ode {T} --window 0 --out {{o}}.csv", f"ode {T} --window 1e300 --out {{o}}.csv",
    f"ode {T} --escape-fraction inf --out {{o}}.csv",
    f"ode {T} --out {{d}}/folder", f"ode {T} --out /proc/nope/x.csv", f"ode {T} --out {{o}}.csv --plot {{o}}.xyz",
    f"ode {T} --out {{o}}.csv --plot {{o}}.csv", f"ode {T} --out {{d}}/good.json --setup {{d}}/good.json",
    f"ode {T} --algorithm ngd --out {{o}}.csv", f"ode {T} --algorithm ngd --damping -1 --out {{o}}.csv",
    f"ode {T} --algorithm ngd --damping 0 --out {{o}}.csv", f"ode {T} --damping 1 --out {{o}}.csv",
    f"ode {T} --algorithm ngd --damping 1e300 --out {{o}}.csv",
    f"ode {T} --algorithm ngd --damping 0 --eta 1e300 --out {{o}}.csv",
    f"ode {T} --no-such-option --out {{o}}.csv", "ode --out {o}.csv", "ode",
    # setup files
    *[f"ode {T} --setup {{d}}/{name} --out {{o}}.csv" for name in (
        "good.json", "huge_q.json", "huge_t.json", "big_q.json", "tiny.json", "zero_t.json", "not_psd.json",
        "asym.json", "shape.json", "ragged.json", "strings.json", "nan.json", "inf.json", "bool.json", "neg.json",
        "huge_eta.json", "empty_m.json", "list.json", "null.json", "deep.json", "trunc.json", "empty.json",
        "unknown_key.json", "missing.json", "ngd_bad.json", "seed_str.json", "binary.bin", "folder",
        "does_not_exist.json")],
    f"ode {T} --setup {{d}}/good.json --K 3 --out {{o}}.csv",
    f"ode {T} --setup {{d}}/good.json --eta 1e300 --out {{o}}.csv",
    # --- sgd ---------------------------------------------------------------------------
    f"sgd {S} --eta 1e300 --out {{o}}.csv", f"sgd {S} --eta 50 --out {{o}}.csv",
    "sgd --alpha-max 1 --N 10000000000 --out {o}.csv", "sgd --alpha-max 1 --N 0 --out {o}.csv",
    "sgd --alpha-max 1 --N 3 --out {o}.csv", "sgd --alpha-max 1e-9 --N 40 --out {o}.csv",
    f"sgd {S} --runs 0 --out {{o}}.csv".replace("--runs 2 ", ""), f"sgd {S} --workers 0 --out {{o}}.csv",
    f"sgd {S} --runs 3 --seeds 4 --out {{o}}.csv", f"sgd {S} --sgd-seed -1 --out {{o}}.csv",
    f"sgd {S} --start draw --setup {{d}}/good.json --out {{o}}.csv",
    f"sgd {S} --setup {{d}}/huge_q.json --out {{o}}.csv", f"sgd {S} --setup {{d}}/tiny.json --out {{o}}.csv",
    f"sgd {S} --setup {{d}}/zero_t.json --out {{o}}.csv", f"sgd {S} --sigma 1e300 --out {{o}}.csv",
    f"sgd {S} --algorithm ngd --damping 0 --out {{o}}.csv", f"sgd {S} --init-scale 1e200 --out {{o}}.csv",
    f"sgd {S} --alphas 0.5,x --out {{o}}.csv", "sgd --N 40 --out {o}.csv",
    # --- compare -----------------------------------------------------------------------
    f"compare --N 40,x {S.replace('--N 40 ', '')} --out {{o}}", f"compare --N , {S.replace('--N 40 ', '')} --out {{o}}",
    f"compare --N 40 {S.replace('--N 40 ', '')} --eta 1e300 --out {{o}}",
    f"compare --N 10000000000 {S.replace('--N 40 ', '')} --out {{o}}",
    f"compare --N 40 {S.replace('--N 40 ', '')} --out {{d}}/good.json",
    f"compare --N 40 {S.replace('--N 40 ', '')} --setup {{d}}/not_psd.json --out {{o}}",
    # --- stability ---------------------------------------------------------------------
    "stability --eta 1e300", "stability --eta 1e300 --alpha-max 10", "stability --eta 50",
    "stability --eta 50 --alpha-max 20", "stability --K 200 --M 200", "stability --setup {d}/huge_q.json",
    "stability --setup {d}/zero_t.json", "stability --setup {d}/tiny.json", "stability --alpha-max -1",
    "stability --activation relu --eta 1e300", "stability --activation linear --eta 1e300",
    "stability --algorithm ngd --damping 0 --eta 1e300", "stability --sigma 1e300",
    "stability --plot {o}.png --eta 1e300",
    # --- scan --------------------------------------------------------------------------
    f"scan --eta 1e300 {SC} --out {{o}}.csv", f"scan --eta 1e300,x {SC} --out {{o}}.csv",
    f"scan --seeds 0-100000000000 {SC} --out {{o}}.csv", f"scan --seeds 5-1 {SC} --out {{o}}.csv",
    f"scan --K 0 {SC} --out {{o}}.csv", f"scan --K 200 --M 200 {SC} --out {{o}}.csv",
    f"scan --K 1-400 --L 1-400 {SC} --out {{o}}.csv", f"scan --activation tanh {SC} --out {{o}}.csv",
    f"scan --eta , {SC} --out {{o}}.csv", f"scan {SC.replace('--points 10', '--points 100000000')} --out {{o}}.csv",
    f"scan {SC} --init-N 100000000000 --out {{o}}.csv", f"scan {SC} --sgd --N 10000000000 --out {{o}}.csv",
    f"scan {SC} --N 100 --out {{o}}.csv", f"scan {SC} --scheduler tcp://127.0.0.1:1 --out {{o}}.csv",
    f"scan {SC} --workers 0 --out {{o}}.csv", f"scan {SC} --out {{d}}/scan_garbage.csv",
    f"scan {SC} --out {{d}}/binary.bin", f"scan {SC} --out {{d}}/scan_trunc.csv",
    f"scan {SC} --out {{d}}/scan_flip.csv", f"scan {SC} --L 1,2 --out {{d}}/scan_trunc.csv --repair",
    f"scan {SC} --alpha-max 20 --L 1,2 --points 30 --out {{d}}/scan_dup.csv",
    # --- plot-scan ---------------------------------------------------------------------
    *[f"plot-scan {{d}}/{name} --out {{o}}.png" for name in (
        "scan_garbage.csv", "scan_empty.csv", "scan_header.csv", "scan_trunc.csv", "scan_cut_header.csv",
        "scan_no_first.csv", "scan_flip.csv", "scan_dup.csv", "binary.bin", "folder", "nope.csv",
        "traj.csv", "good.json")],
    "plot-scan {d}/scan.csv --out {o}.png --x nope", "plot-scan {d}/scan.csv --out {o}.png --y nope",
    "plot-scan {d}/scan.csv --out {o}.png --x eta --y status", "plot-scan {d}/scan.csv --out {o}.nope",
    "plot-scan {d}/scan.csv --out {d}/scan.csv",
    # --- fisher ------------------------------------------------------------------------
    *[f"fisher {{d}}/{name} --out {{o}}.csv" for name in (
        "traj_garbage.csv", "traj_empty.csv", "traj_header_only.csv", "traj_words.csv", "traj_nan.csv",
        "traj_bigidx.csv", "traj_negidx.csv", "traj_meta.csv", "traj_ragged.csv", "traj_trunc.csv",
        "traj_cut_header.csv", "traj_no_first.csv", "traj_flip.csv", "traj_dup.csv", "binary.bin", "folder",
        "scan.csv", "nope.csv")],
    "fisher {d}/traj.csv --N 0 --out {o}.csv", "fisher {d}/traj.csv --N 1 --out {o}.csv",
    "fisher {d}/traj.csv --N 100000000000000000 --out {o}.csv", "fisher {d}/traj.csv --L 3 --out {o}.csv",
    "fisher {d}/traj.csv --eta 2 --out {o}.csv", "fisher {d}/traj_no_first.csv --L 1 --out {o}.csv",
    "fisher --out {o}.csv", f"fisher {T} --eta 1e300 --out {{o}}.csv", f"fisher {T} --K 200 --M 200 --out {{o}}.csv",
    f"fisher {T} --setup {{d}}/huge_q.json --out {{o}}.csv", f"fisher {T} --frozen-w --eta-w 1 --out {{o}}.csv",
    # --- rates -------------------------------------------------------------------------
    "rates --eta 1e300", "rates --eta -1", "rates --K 0", "rates --K x", "rates --K 300", "rates --K 2 --M 3",
    "rates --sigma 1", "rates --activation relu", "rates --eta-w 1 --eta-w-ratio 2", "rates --eta-w-ratio 1e300",
    "rates --eta-w-ratio -1", "rates --setup {d}/huge_q.json", "rates --setup {d}/binary.bin", "rates --L 10000000000",
    "rates --map --K 2 --eta 0.1:1:100000000000 --out {o}.png",
    "rates --map --K 2-100000000 --eta 0.1:1:3 --out {o}.png",
    "rates --map --K 2 --eta 1:0.1:3 --out {o}.png", "rates --map --K 2 --eta x --out {o}.png",
    "rates --map --K 2 --eta 0.1:1:2 --out {o}.png --alpha-max -5",
    "rates --map --K 2 --eta 0.1:1:2 --out {o}.png --seeds 3-1", "rates --map --eta 0.1:1:2 --out {o}.png",
    # --- demo and the group ----------------------------------------------------------------
    "demo --out {d}/good.json", "demo --out /proc/nope", "demo", "nope", "--version", "ode --help",
]


def classify(returncode, stderr, output_exists):
    if returncode is None:
        return "hang"
    if "Traceback (most recent call last)" in stderr or returncode not in (0, 1, 2, 130):
        return "traceback"
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    if returncode in (0, 1):
        return "ran" if returncode == 0 or errors else "contract"
    if returncode == 2 and len(errors) == 1 and not output_exists:
        # the one Error line; a Usage line from click is allowed before it
        others = [line for line in stderr.splitlines()
                  if line.strip() and not line.startswith(("Error:", "Usage:", "Try ", "Note:", "Warning:"))]
        return "clean error" if not others else "contract"
    return "contract"


def run_case(index, template, d, timeout):
    out = os.path.join(d, f"out{index}")
    args = template.format(d=d, o=out).split()
    begin = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "plateau"] + args, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout)
        code, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, stderr = None, (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
    exists = any(os.path.exists(out + ext) for ext in ("", ".csv", ".png", ".json"))
    return template, code, stderr, classify(code, stderr, exists), time.perf_counter() - begin


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--only", help="run only the cases containing this text")
    options = parser.parse_args()
    d = tempfile.mkdtemp(prefix="plateau-hostile-")
    try:
        write_inputs(d)
        make_valid_files(d, options.timeout)
        cases = [c for c in CASES if options.only is None or options.only in c]
        with ThreadPoolExecutor(options.jobs) as pool:
            results = list(pool.map(lambda item: run_case(item[0], item[1], d, options.timeout), enumerate(cases)))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    counts = {kind: 0 for kind in ("ran", "clean error", "traceback", "hang", "contract")}
    by_command = {}
    for template, code, stderr, kind, seconds in results:
        counts[kind] += 1
        command = template.split()[0]
        by_command.setdefault(command, {k: 0 for k in counts})[kind] += 1
        if options.verbose or kind in ("traceback", "hang", "contract"):
            tail = (stderr.strip().splitlines() or [""])[-1][:160]
            print(f"[{kind}] exit {code} {seconds:.1f}s: plateau {template}\n    {tail}")
    print(f"\n{'command':<12}{'tried':>7}" + "".join(f"{k:>13}" for k in counts))
    for command, row in sorted(by_command.items()):
        print(f"{command:<12}{sum(row.values()):>7}" + "".join(f"{row[k]:>13}" for k in counts))
    print(f"{'all':<12}{len(results):>7}" + "".join(f"{counts[k]:>13}" for k in counts))
    return 1 if counts["traceback"] or counts["hang"] or counts["contract"] else 0


if __name__ == "__main__":
    sys.exit(main())
