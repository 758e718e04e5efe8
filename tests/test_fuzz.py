"""Property-based fuzzing of the file readers and the command line (Hypothesis).

The contract (issue 11): a reader given any corrupted input returns a valid object or raises
InputError, never another exception; a command exits 0 or 1 with a readable file, or 2 with
one ``Error:`` line and no file; never a traceback, never a hang (every example runs under an
alarm).  Bugs the fuzzer found are kept as ``@example`` regressions.
"""
import contextlib
import json
import math
import os
import signal
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from plateau import Setup
from plateau.errors import InputError
from plateau.trajectory import Trajectory

from helpers import run_cli, soft_committee

READER_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CLI_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
WORK = tempfile.mkdtemp(prefix="plateau-fuzz-")


class Hang(Exception):
    """An example ran longer than its alarm."""


@contextlib.contextmanager
def time_limit(seconds):
    """Raise Hang in the main thread after ``seconds`` (a hang becomes a failing example)."""
    def alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# --- strategies ----------------------------------------------------------------------------
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30),
                    st.sampled_from([0.0, -0.0, 1e300, -1e300, 1e-300, 5e-324, 1.7976931348623157e308,
                                     10**400, -10**400]))
SCALARS = st.one_of(NUMBERS, st.booleans(), st.none(), st.text(max_size=8))
MATRIX_LIKE = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.lists(st.lists(NUMBERS, min_size=0, max_size=4), max_size=4),
    st.lists(st.lists(st.lists(NUMBERS, max_size=2), max_size=2), max_size=2),
    st.dictionaries(st.text(max_size=3), SCALARS, max_size=2),
)
KEYS = ("activation", "eta", "eta_w", "sigma", "T", "V", "Q", "R", "W", "init", "init_scale", "init_N", "seed",
        "algorithm", "damping", "description")


@st.composite
def valid_setups(draw):
    """A valid setup (overlaps of real vectors) with extreme magnitudes and shapes."""
    K, M, L = (draw(st.integers(1, 3)) for _ in range(3))
    N = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scale = 10.0 ** draw(st.integers(-150, 150))
    X = rng.standard_normal((K + M, N)) * scale
    G = X @ X.T / N
    activation = draw(st.sampled_from(["erf", "relu", "linear"]))
    eta = draw(st.sampled_from([1e-300, 1e-8, 0.1, 1.0, 50.0, 1e8, 1e300]))
    return dict(activation=activation, eta=eta, eta_w=draw(st.sampled_from([0.0, 0.1, 1e300])),
                sigma=draw(st.sampled_from([0.0, 0.1, 1e300])), T=G[K:, K:].tolist(),
                V=(rng.standard_normal((M, L)) * draw(st.sampled_from([1e-300, 1.0, 1e150]))).tolist(),
                Q=G[:K, :K].tolist(), R=G[:K, K:].tolist(), W=rng.standard_normal((K, L)).tolist())


@st.composite
def setup_dicts(draw):
    """Setup dicts: valid ones with some fields replaced, removed or added."""
    data = draw(valid_setups())
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
        if draw(st.booleans()):
            data[key] = draw(MATRIX_LIKE)
        else:
            data.pop(key, None)
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.text(max_size=5))] = draw(SCALARS)
    return data


@st.composite
def corrupted(draw, text):
    """``text`` (bytes) truncated, with bytes flipped, lines dropped, duplicated or swapped, or junk inserted."""
    data = bytearray(text)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "line", "dup", "token"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 20))]
        else:
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            if kind == "line":
                del lines[i]
            elif kind == "dup":
                lines.insert(i, lines[i])
            else:
                fields = lines[i].split(b",")
                j = draw(st.integers(0, len(fields) - 1))
                fields[j] = draw(st.sampled_from([b"", b"nan", b"inf", b"-inf", b"x", b"1e400", b"\"", b"Q[9,9]",
                                                  b"{}", b"null", b"-1", b"1" * 400]))
                lines[i] = b",".join(fields)
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def write_bytes(name, data):
    path = os.path.join(WORK, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


# --- valid files to corrupt -------------------------------------------------------------------
def _trajectory(setup=None, n_t=6):
    setup = setup or soft_committee(2, 2, 0.5)
    K, M = setup.K, setup.M
    alpha = np.linspace(0.0, 5.0, n_t)
    grow = 1.0 + alpha[:, None, None]
    Q = np.broadcast_to(setup.Q, (n_t, K, K)) * grow
    R = np.broadcast_to(setup.R, (n_t, K, M)) + 0.01 * alpha[:, None, None]
    D = np.broadcast_to(setup.D, (n_t, K, K)).copy()
    E = np.broadcast_to(setup.E, (n_t, K, M)).copy()
    return Trajectory(alpha=alpha, eps_g=0.3 / grow[:, 0, 0], Q=Q, R=R, D=D, E=E, setup=setup, method="dopri5",
                      n_rhs=10)


@pytest.fixture(scope="module")
def trajectory_bytes():
    path = os.path.join(WORK, "valid-trajectory.csv")
    _trajectory().to_csv(path)
    return open(path, "rb").read()


@pytest.fixture(scope="module")
def scan_bytes():
    """A real scan file of two points (a few ms of ODE each)."""
    from plateau.scan import ScanDefinition, run_scan
    from plateau.scan.executors import SerialExecutor
    path = os.path.join(WORK, "valid-scan.csv")
    definition = ScanDefinition(grid={"L": [1, 2], "alpha_max": [5.0]}, record_points=20)
    with SerialExecutor() as executor:
        run_scan(definition, path, executor)
    return open(path, "rb").read()


@pytest.fixture(scope="module")
def fisher_bytes():
    from plateau.fisher import write_fisher_table
    from plateau.fisher.run import run_spectrum
    path = os.path.join(WORK, "valid-fisher.csv")
    trajectory = _trajectory()
    write_fisher_table(path, trajectory, run_spectrum(trajectory, N=100))
    return open(path, "rb").read()


def setup_file_bytes():
    return json.dumps(soft_committee(2, 2, 0.5).to_dict(), indent=1).encode()


# --- readers ----------------------------------------------------------------------------------
@READER_SETTINGS
@given(setup_dicts())
@example({"activation": "erf", "eta": 0.1, "eta_w": 0.0, "sigma": 0.0, "T": [[1e300]], "V": [[1.0]],
          "Q": [[1e300]], "R": [[0.0]], "W": [[1.0]]})
def test_setup_from_dict(data):
    try:
        setup = Setup.from_dict(data)
    except InputError:
        return
    assert Setup.from_dict(setup.to_dict()) == setup


def _check_setup_reader(raw):
    path = write_bytes("setup.json", raw)
    try:
        Setup.from_file(path)
    except InputError as exc:
        assert "\n" not in str(exc)


@READER_SETTINGS
@given(st.data())
def test_setup_file_reader(data):
    _check_setup_reader(data.draw(corrupted(setup_file_bytes())))


@pytest.mark.parametrize("raw", [b"", b"[" * 100000, b"\xff\xfe", b"null", b"[1]", b'{"T": "x"}',
                                 b'{"activation": "erf", "eta": 1, "eta_w": 0, "sigma": 0, "T": [[1]], "V": [[1]],'
                                 b' "Q": [[1]], "R": [[0]], "W": [[1]], "description": []}'])
def test_setup_file_reader_regressions(raw):
    _check_setup_reader(raw)


def _check_trajectory_reader(raw):
    path = write_bytes("trajectory.csv", raw)
    try:
        trajectory = Trajectory.from_csv(path)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    trajectory.summary()
    assert trajectory.Q.shape[0] == len(trajectory.alpha)


@READER_SETTINGS
@given(st.data())
def test_trajectory_reader(trajectory_bytes, data):
    _check_trajectory_reader(data.draw(corrupted(trajectory_bytes)))


@pytest.mark.parametrize("raw", [
    b"",
    b"\xff\xfe\x00",
    b"alpha,eps_g,Q[99999999,99999999],R[0,0],D[0,0],E[0,0]\n0,0.1,1,0,1,0\n",
    b"alpha,eps_g,Q[-1,0],R[0,0],D[0,0],E[0,0]\n0,0.1,1,0,1,0\n",
    b'# plateau-trajectory {"format": 1, "status": 5, "N": "x", "setup": 3}\n'
    b"alpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n0,0.1,1,0,1,0\n",
    b'# plateau-trajectory {"format": 1, "setup": {"eta": 1}}\nalpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n0,1,1,0,1,0\n',
    b'# plateau-trajectory {"format": 1, "bogus": 1}\nalpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n0,1,1,0,1,0\n',
    b"alpha,alpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n0,0,1,1,0,1,0\n",
    b"alpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n0,nan,inf,0,1,0\n",
    b"alpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0],Q[0,x]\n0,1,1,0,1,0,1\n",
    # a repeated row: plateau fisher wrote its table, then refused the curve (exit 2 with a file)
    b"alpha,eps_g,Q[0,0],R[0,0],D[0,0],E[0,0]\n0,1,1,0,1,0\n1,1,1,0,1,0\n1,1,1,0,1,0\n2,1,1,0,1,0\n",
])
def test_trajectory_reader_regressions(raw):
    _check_trajectory_reader(raw)


@READER_SETTINGS
@given(st.data())
def test_scan_reader(scan_bytes, data):
    from plateau.scan import read_scan
    path = write_bytes("scan.csv", data.draw(corrupted(scan_bytes)))
    try:
        definition, rows = read_scan(path)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert all(isinstance(row, dict) for row in rows)


@READER_SETTINGS
@given(st.data())
def test_fisher_table_reader(fisher_bytes, data):
    from plateau.fisher import read_fisher_table
    path = write_bytes("fisher.csv", data.draw(corrupted(fisher_bytes)))
    try:
        table = read_fisher_table(path)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert len({len(column) for column in table.values()}) <= 1


# --- the command line -------------------------------------------------------------------------
HOSTILE = ["nan", "inf", "-inf", "-1", "0", "1e300", "-1e300", "1e-300", "x", "", "1,2", "99999999999999999999",
           "0x10", " 1", "1e", "--", "☃"]


def values(*good):
    return st.one_of(st.sampled_from(list(good)), st.sampled_from(HOSTILE))


ODE_OPTIONS = {
    "--K": values("1", "2", "3", "300"), "--M": values("1", "2", "3"), "--L": values("1", "2", "10000000000"),
    "--eta": values("0.1", "0.5", "3", "50"), "--eta-w": values("0", "0.1"), "--sigma": values("0", "0.1"),
    "--activation": values("erf", "relu", "linear"), "--teacher": values("degenerate", "orthogonal", "random"),
    "--init": values("random", "orthogonal"), "--init-scale": values("0.5", "1e-3"),
    "--seed": values("0", "7"), "--init-N": values("10", "1000", "100000000000"),
    "--algorithm": values("gd", "ngd"), "--damping": values("0.1", "0"),
    "--alpha-max": values("1", "5", "20"), "--points": values("5", "20", "1000000000"),
    "--alphas": values("0.5,1", "1"), "--method": values("dopri5", "RK45"),
    "--rtol": values("1e-6", "1e-3"), "--atol": values("1e-9"),
    "--flatness": values("0.1"), "--min-span": values("2"), "--window": values("0.25"),
}


@st.composite
def option_lists(draw, options, required=()):
    names = list(required) + draw(st.lists(st.sampled_from(sorted(options)), max_size=6, unique=True))
    argv = []
    for name in dict.fromkeys(names):
        argv += [name, draw(options[name])]
    if draw(st.integers(0, 9)) == 0:   # now and then a stray token
        argv.insert(draw(st.integers(0, len(argv))), draw(st.sampled_from(["--nope", "x", "--K"])))
    return argv


def _check_cli(argv, capsys, outputs, reader=None, seconds=30):
    for path in outputs:
        if os.path.exists(path):
            os.unlink(path)
    with time_limit(seconds):
        code, out, err = run_cli(argv, capsys)
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    if code == 2:
        assert len(errors) == 1, err
        assert not any(os.path.exists(path) for path in outputs), argv
    else:
        assert code in (0, 1), (code, err)
        assert code == 0 or errors, err
        if reader is not None and os.path.exists(outputs[0]):
            reader(outputs[0])


@CLI_SETTINGS
@given(option_lists(ODE_OPTIONS, required=["--alpha-max"]))
@example(["--eta", "1e300", "--alpha-max", "5"])
@example(["--K", "300", "--alpha-max", "5"])
@example(["--alpha-max", "5", "--points", "1000000000"])
def test_cli_ode(capsys, argv):
    out = os.path.join(WORK, "ode.csv")
    _check_cli(["ode", *argv, "--out", out], capsys, [out], Trajectory.from_csv)


SGD_OPTIONS = {**{k: v for k, v in ODE_OPTIONS.items() if k not in ("--method", "--rtol", "--atol", "--alpha-max")},
               "--alpha-max": values("0.5", "1"), "--N": values("20", "40", "10000000000"),
               "--runs": values("1", "2"), "--start": values("auto", "exact", "draw"), "--workers": values("1")}


@CLI_SETTINGS
@given(option_lists(SGD_OPTIONS, required=["--alpha-max", "--N"]))
@example(["--alpha-max", "1", "--N", "20", "--eta", "1e300"])
@example(["--alpha-max", "1e300", "--N", "20", "--K", "1"])   # the step count overflowed int64
def test_cli_sgd(capsys, argv):
    out = os.path.join(WORK, "sgd.csv")
    _check_cli(["sgd", "--quiet", *argv, "--out", out], capsys, [out], Trajectory.from_csv)


STABILITY_OPTIONS = {**{k: v for k, v in ODE_OPTIONS.items()
                        if k in ("--L", "--eta", "--eta-w", "--sigma", "--teacher", "--seed", "--algorithm",
                                 "--damping")},
                     "--K": values("1", "2", "300"), "--M": values("1", "2"), "--activation": values("erf", "linear")}


@settings(CLI_SETTINGS, max_examples=15)
@given(option_lists(STABILITY_OPTIONS))
@example(["--eta", "1e300"])
def test_cli_stability(capsys, argv):
    _check_cli(["stability", *argv], capsys, [])


RATES_OPTIONS = {"--K": values("1", "2", "300"), "--L": values("1", "2"), "--eta": values("0.1"),
                 "--eta-w": values("0", "0.1"), "--eta-w-ratio": values("0", "1"), "--sigma": values("0"),
                 "--activation": values("erf", "linear"), "--teacher": values("degenerate", "orthogonal")}


@settings(CLI_SETTINGS, max_examples=15)
@given(option_lists(RATES_OPTIONS))
@example(["--eta", "1e300"])
def test_cli_rates(capsys, argv):
    _check_cli(["rates", *argv], capsys, [])


@settings(CLI_SETTINGS, max_examples=40)
@given(st.data())
def test_cli_fisher_file(capsys, trajectory_bytes, data):
    """plateau fisher on corrupted trajectory files, with random options."""
    path = write_bytes("fisher-input.csv", data.draw(corrupted(trajectory_bytes)))
    argv = data.draw(option_lists({"--N": values("100", "2"), "--L": values("1", "2"),
                                   "--activation": values("erf", "relu")}))
    out = os.path.join(WORK, "fisher-out.csv")
    _check_cli(["fisher", path, *argv, "--out", out], capsys, [out])


@settings(CLI_SETTINGS, max_examples=20)
@given(st.data())
def test_cli_plot_scan(capsys, scan_bytes, data):
    """plateau plot-scan on corrupted scan files, with random axes."""
    path = write_bytes("plot-scan-input.csv", data.draw(corrupted(scan_bytes)))
    argv = data.draw(option_lists({"--x": values("L", "eta", "nope"), "--y": values("escape_alpha", "final_eps_g")}))
    out = os.path.join(WORK, "plot-scan.png")
    _check_cli(["plot-scan", path, *argv, "--out", out], capsys, [out])


@settings(CLI_SETTINGS, max_examples=30)
@given(option_lists({"--K": values("1", "2", "300"), "--L": values("1", "2", "1-3"), "--eta": values("0.5", "0.5,1"),
                     "--seeds": values("0", "0-1", "0-100000000000"), "--alpha-max": values("5", "2,5"),
                     "--points": values("10", "1000000000"), "--activation": values("erf", "linear"),
                     "--init-N": values("100", "100000000000")}, required=["--alpha-max"]))
@example(["--alpha-max", "5", "--seeds", "0-100000000000"])
def test_cli_scan(capsys, argv):
    out = os.path.join(WORK, "scan-out.csv")
    _check_cli(["scan", "--workers", "1", "--quiet", *argv, "--out", out], capsys, [out])
