"""A saved setup is the same run: ``--save-setup`` then ``--setup`` reproduces ODE and SGD bit for bit.

The setup file carries the start's origin (init, init_scale, init_N, seed), so SGD (start='auto')
draws its students from the reloaded setup exactly as from the original one.
"""
import json

import numpy as np
import pytest

from plateau import Setup, build_setup, integrate
from plateau.sgd import simulate

from helpers import run_cli

INITS = ["random", "orthogonal"]
# A random teacher and a trained second layer, so that every draw (V, J, W) is exercised.
OPTIONS = dict(K=2, M=2, L=2, teacher="random", eta=0.5, eta_w=0.2, init_scale=0.3, seed=5, N=200)


def cli_options(init):
    flags = {"N": "--init-N", "eta_w": "--eta-w", "init_scale": "--init-scale"}
    argv = ["--init", init]
    for name, value in OPTIONS.items():
        argv += [flags.get(name, "--" + name), str(value)]
    return argv


def reloaded(setup):
    """The setup after a trip through its JSON file format."""
    return Setup.from_dict(json.loads(json.dumps(setup.to_dict())))


@pytest.mark.parametrize("init", INITS)
def test_setup_saved_by_the_cli_is_the_built_setup(init, tmp_path, capsys):
    path = tmp_path / "setup.json"
    status, _, err = run_cli(["ode", *cli_options(init), "--alpha-max", "1", "--points", "5",
                              "--out", str(tmp_path / "ode.csv"), "--save-setup", str(path)], capsys)
    assert status == 0, err
    setup = build_setup(init=init, **OPTIONS)
    again = Setup.from_file(path)
    assert again == setup
    assert (again.init, again.init_scale, again.init_N, again.seed) == (init, 0.3, 200, 5)
    assert reloaded(setup) == setup


@pytest.mark.parametrize("init", INITS)
def test_reloaded_setup_reproduces_the_ode(init):
    setup = build_setup(init=init, **OPTIONS)
    a, b = integrate(setup, 20.0, points=30), integrate(reloaded(setup), 20.0, points=30)
    for name in ("alpha", "eps_g", "Q", "R", "D", "E", "W"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("init", INITS)
def test_reloaded_setup_reproduces_sgd(init):
    setup = build_setup(init=init, **OPTIONS)
    runs = [simulate(s, 100, 5.0, seeds=2, seed=setup.seed, points=20, workers=1) for s in (setup, reloaded(setup))]
    assert runs[0].start == runs[1].start == "draw"
    for name in ("alpha", "eps_g", "eps_g_sem", "Q", "R", "D", "E"):
        np.testing.assert_array_equal(getattr(runs[0], name), getattr(runs[1], name))


@pytest.mark.parametrize("command, extra", [("ode", ["--alpha-max", "20", "--points", "30"]),
                                            ("sgd", ["--alpha-max", "5", "--points", "20", "--N", "100",
                                                     "--runs", "2", "--workers", "1"])])
@pytest.mark.parametrize("init", INITS)
def test_save_setup_then_setup_writes_the_same_trajectory_file(command, extra, init, tmp_path, capsys):
    first, second, path = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "setup.json"
    status, _, err = run_cli([command, *cli_options(init), *extra, "--out", str(first),
                              "--save-setup", str(path)], capsys)
    assert status == 0, err
    status, _, err = run_cli([command, "--setup", str(path), *extra, "--out", str(second)], capsys)
    assert status == 0, err
    assert first.read_text() == second.read_text()
