"""What keeps a warm start fast stays true: Python-side state packing, lazy commands, lean imports.

None of these tests times anything (speed is measured in benchmarks/bench_ode.py); each
checks a property the start-up figures rest on.
"""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from plateau import build_setup, integrate
from plateau import ode as ode_module
from plateau.ode import initial_state
from plateau.cli.app import COMMAND_MODULES, cli
from plateau.kernels import _jit
from plateau.kernels.state import pack, pack_rows, pack_state, unpack, unpack_rows, unpack_state


@pytest.mark.parametrize("K, M, L", [(1, 1, 1), (2, 3, 1), (3, 2, 4), (5, 5, 2)])
def test_python_packing_is_the_kernels_packing(K, M, L):
    rng = np.random.default_rng(K * 100 + M * 10 + L)
    n = K * (K + 1) // 2 + K * M + K * L
    Y = rng.normal(size=(6, n))
    Q, R, W = unpack_rows(Y, K, M, L)
    for t in range(len(Y)):
        for mine, kernels in zip(unpack_state(Y[t], K, M, L), unpack(Y[t], K, M, L)):
            assert np.array_equal(mine, kernels)
        for mine, kernels in zip((Q[t], R[t], W[t]), unpack(Y[t], K, M, L)):
            assert np.array_equal(mine, kernels)
        assert np.array_equal(pack_state(Q[t], R[t], W[t]), pack(Q[t], R[t], W[t]))
    assert np.array_equal(pack_rows(Q, R, W), Y)


def test_packing_reads_the_upper_triangle_of_q_as_the_kernel_does():
    Q = np.array([[1.0, 2.0], [-5.0, 3.0]])        # not symmetric: only the upper triangle counts
    R, W = np.ones((2, 1)), np.ones((2, 1))
    assert np.array_equal(pack_state(Q, R, W), pack(Q, R, W))


def test_every_command_is_found_in_the_module_the_lazy_group_names():
    names = cli.list_commands(None)                   # imports every command module
    assert sorted(names) == sorted(COMMAND_MODULES)
    for name, module in COMMAND_MODULES.items():
        assert cli.commands[name].callback.__module__ == f"plateau.cli.{module}"


def _child_environment():
    """The environment of a child Python that imports this checkout's plateau."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd()] + sys.path))


_PROBE = """
import json, sys
from plateau import build_setup, integrate
integrate(build_setup(K=2, M=2, eta=0.5), 50.0)
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("scipy.linalg", "numba.np.arraymath",
                                                                 "matplotlib", "plateau.kernels")))))
"""


def test_a_warm_ode_run_loads_only_its_own_kernels():
    """No SciPy linear algebra, no numba.np.arraymath (whose import imports SciPy), no
    matplotlib, and no SGD, NGD, Fisher, ReLU or linear kernels: a warm erf GD ODE run loads its
    compiled code only."""
    integrate(build_setup(K=2, M=2, eta=0.5), 1.0)      # the cache holds the erf kernels from here on
    env = _child_environment()
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=True)
    assert "compiling" not in done.stderr
    loaded = json.loads(done.stdout)
    assert not [m for m in loaded if m.startswith(("scipy.linalg", "numba.np.arraymath", "matplotlib"))]
    assert not {"plateau.kernels.sgd", "plateau.kernels.sgd_ngd", "plateau.kernels.relu",
                "plateau.kernels.linear", "plateau.kernels.ngd", "plateau.kernels.fisher_blocks"} & set(loaded)


_HELP_PROBE = """
import sys
from plateau.cli.app import main
try:
    main(["--help"])
except SystemExit:
    pass
print("numba" in sys.modules, file=sys.stderr)
"""


def test_help_does_not_import_numba():
    env = _child_environment()
    done = subprocess.run([sys.executable, "-c", _HELP_PROBE], capture_output=True, text=True, env=env, check=True)
    assert "ode" in done.stdout and "warm-up" in done.stdout       # every command is listed
    assert done.stderr.strip() == "False"


def test_after_warm_up_a_run_of_that_kind_compiles_nothing(tmp_path, monkeypatch):
    """On an empty cache: warm-up compiles, caches only the entry points (the code compiled on the
    way into them has not had its module passes, plateau.kernels._jit), writes plateau's bytecode,
    with --prune deletes the caches of other plateau versions (and nothing else), and a run then
    compiles nothing."""
    env = dict(_child_environment(), XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("NUMBA_CACHE_DIR", None)
    bytecode = importlib.util.cache_from_source(ode_module.__file__)
    if os.path.exists(bytecode):
        os.remove(bytecode)
    home = tmp_path / "cache" / "plateau"
    for name in ("numba-0123456789abcdef", "numba-fedcba9876543210", "numba-notahash", "notes"):
        (home / name / "kernels").mkdir(parents=True)
        (home / name / "kernels" / "a.nbc").write_bytes(b"x" * 1000)
    run = [sys.executable, "-m", "plateau"]
    warm = subprocess.run(run + ["warm-up", "--activation", "linear", "--no-large", "--prune"],
                          capture_output=True, text=True, env=env)
    assert warm.returncode == 0 and "linear, gd: ode ready" in warm.stdout
    assert "removed 2 kernel caches of other plateau versions" in warm.stdout
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", env["XDG_CACHE_HOME"])
    current = _jit.cache_directory()                 # this version's, under the same cache home
    assert sorted(home.iterdir()) == sorted([home / "numba-notahash", home / "notes", home / os.path.basename(current)])
    assert os.path.dirname(current) == str(home)
    assert os.path.exists(bytecode)
    cached = [name for _, _, files in os.walk(tmp_path / "cache") for name in files if name.endswith(".nbi")]
    assert cached == ["entries.ode_linear_gd-" + cached[0].split("-", 1)[1]]
    done = subprocess.run(run + ["ode", "--K", "2", "--M", "2", "--activation", "linear", "--eta", "0.1",
                                 "--alpha-max", "10", "--out", str(tmp_path / "t.csv")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "compiling" not in done.stderr


_NESTED_PROBE = """
import numpy as np
from plateau import build_setup, integrate
from plateau.kernels import matrices
integrate(build_setup(K=2, M=2, activation="linear", eta=0.1), 1.0, points=3)
compiled_on_the_way = len(matrices.matmul_t.overloads)
matrices.all_finite(np.zeros(3, dtype=np.int64))      # another kernel compiles: a new signature
print(compiled_on_the_way, len(matrices.matmul_t.overloads))
"""


def test_code_compiled_for_an_entry_is_forgotten_before_another_kernel_compiles(tmp_path):
    """Code compiled on the way to an entry lacks LLVM's module passes (plateau.kernels._jit):
    the entries share it, but a kernel compiled later must not be built on it."""
    env = dict(_child_environment(), XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-c", _NESTED_PROBE], capture_output=True, text=True, env=env,
                          check=True)
    assert done.stdout.split() == ["1", "0"]


@pytest.mark.parametrize("activation, K, M", [("erf", 3, 3), ("relu", 2, 2)])
def test_an_entry_compiled_as_one_program_computes_what_the_kernels_compute(activation, K, M):
    """The ODE entries skip LLVM's module passes below the entry (plateau.kernels._jit); without
    fast-math flags no pass may change a rounding, so the right-hand side the entry computes is,
    bit for bit, the one of rhs.rhs, compiled level by level when called from Python."""
    from plateau.kernels import entries, rhs
    from plateau.ode import _TABLEAU, kernel_arguments, model_arguments
    setup = build_setup(K=K, M=M, L=2, activation=activation, eta=0.7, eta_w=0.3, sigma=0.2,
                        teacher="orthogonal", seed=3)
    T, V, K, M, act, eta, eta_w, sigma = kernel_arguments(setup)
    f = entries.rhs_entry(act, 0, K, M)
    for y in np.random.default_rng(1).uniform(-0.05, 0.05, (3, len(initial_state(setup)))) + initial_state(setup):
        assert np.array_equal(f(y, model_arguments(setup), _TABLEAU), rhs.rhs(y, T, V, K, M, act, eta, eta_w, sigma))


def test_warm_up_rejects_an_unknown_activation():
    env = _child_environment()
    done = subprocess.run([sys.executable, "-m", "plateau", "warm-up", "--activation", "tanh"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 2 and done.stderr.startswith("Error:") and "tanh" in done.stderr


_EXIT_PROBE = """
import atexit, sys
from plateau.cli import main
marker = sys.argv.pop()
atexit.register(lambda: open(marker, "w").write("atexit ran"))
print("before the command", end="")    # unflushed: the end of the process must flush it
main()
"""


@pytest.mark.parametrize("args, status", [(["ode", "--K", "1", "--M", "1", "--alpha-max", "5"], 0),
                                          (["ode", "--K", "0", "--M", "1", "--alpha-max", "5"], 2)])
def test_the_command_ends_its_process_as_an_exit_would(tmp_path, args, status):
    """main() without arguments ends the process itself (end_process, no interpreter teardown):
    the command's exit status, atexit handlers run, buffered output flushed, files complete."""
    out, marker = tmp_path / "t.csv", tmp_path / "atexit"
    done = subprocess.run([sys.executable, "-c", _EXIT_PROBE, *args, "--out", str(out), str(marker)],
                          capture_output=True, text=True, env=_child_environment(), cwd=tmp_path)
    assert done.returncode == status, done.stderr
    assert marker.read_text() == "atexit ran"
    assert done.stdout.startswith("before the command")
    if status == 0:
        assert "integrated to alpha = 5" in done.stdout
        assert len(out.read_text().splitlines()) > 3
    else:
        assert done.stderr.startswith("Error:") and not out.exists()


def test_the_command_leaves_a_process_with_another_thread_to_python(tmp_path):
    """With another (non-daemon) thread still running, end_process exits the usual way: Python
    joins the thread, whose work is not cut short."""
    probe = ("import sys, threading, time\n"
             "from plateau.cli.app import end_process\n"
             "threading.Thread(target=lambda: (time.sleep(0.5), open(sys.argv[1], 'w').write('done'))).start()\n"
             "end_process(3)\n")
    marker = tmp_path / "thread"
    done = subprocess.run([sys.executable, "-c", probe, str(marker)], env=_child_environment())
    assert done.returncode == 3 and marker.read_text() == "done"
