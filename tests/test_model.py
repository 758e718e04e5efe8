"""Setups: validation, files, builders."""
import json

import numpy as np
import pytest

from plateau import Setup, build_setup
from plateau.errors import InputError


def valid(**changes):
    base = dict(activation="erf", eta=0.1, eta_w=0.0, sigma=0.0, T=np.eye(2), V=np.ones((2, 1)),
                Q=0.2 * np.eye(2), R=np.zeros((2, 2)), W=np.ones((2, 1)))
    base.update(changes)
    return base


@pytest.mark.parametrize("changes, words", [
    (dict(activation="tanh"), "unknown activation"),
    (dict(eta=0.0), "eta must be > 0"),
    (dict(eta=-1.0), "eta must be > 0"),
    (dict(eta_w=-0.1), "eta_w must be >= 0"),
    (dict(sigma=-0.1), "sigma must be >= 0"),
    (dict(eta=float("nan")), "eta must be finite"),
    (dict(Q=[[0.2, 0.0], [0.0, float("inf")]]), "Q has non-finite"),
    (dict(R=np.zeros((2, 3))), "R has shape"),
    (dict(W=np.ones((3, 1))), "W has shape"),
    (dict(V=np.ones((3, 1))), "V has shape"),
    (dict(Q=[[0.2, 0.1], [0.0, 0.2]]), "Q must be symmetric"),
    (dict(R=np.eye(2)), "not positive semidefinite"),
    (dict(Q=np.zeros((0, 0))), "empty"),
    (dict(T="abc"), "T must be a matrix"),
])
def test_invalid_setups_name_the_problem(changes, words):
    with pytest.raises(ValueError, match=words):
        Setup(**valid(**changes))


def test_setup_file_round_trip(tmp_path):
    setup = build_setup(K=3, M=2, L=2, eta=0.3, eta_w=0.1, sigma=0.05, teacher="random", seed=4)
    path = tmp_path / "setup.json"
    path.write_text(json.dumps(setup.to_dict()))
    again = Setup.from_file(path)
    for name in ("T", "V", "Q", "R", "W"):
        assert np.array_equal(getattr(again, name), getattr(setup, name))
    assert (again.eta, again.eta_w, again.sigma, again.activation) == (0.3, 0.1, 0.05, "erf")
    # The start's origin is part of the run: it round-trips and counts in equality.
    assert (again.init, again.init_scale, again.init_N, again.seed) == ("random", 0.5, 1000, 4)
    assert again == setup
    assert again.with_student(again.Q, again.R) != setup   # now 'given'
    assert again.with_scalars(eta=0.31) != setup


def test_setup_files_of_plateau_0_1_read_as_given(tmp_path):
    setup = build_setup(K=2, M=2, seed=3)
    data = {k: v for k, v in setup.to_dict().items() if k not in ("init", "init_scale", "init_N", "seed")}
    data["description"] = {"teacher": "degenerate", "seed": 3}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    old = Setup.from_file(path)
    assert old.init == "given" and old.seed == 3 and np.array_equal(old.Q, setup.Q)


@pytest.mark.parametrize("fields, words", [
    (dict(init="random"), "needs its seed"), (dict(init="fresh"), "unknown init"),
    (dict(init="given", init_scale=0.5), "leave them out"),
    (dict(init="random", seed=1, init_scale=0.5, init_N=0), "init_N must be"),
    (dict(init="orthogonal", seed=1, init_scale=-1, init_N=10), "init_scale must be"),
])
def test_invalid_start_origins(fields, words):
    with pytest.raises(InputError, match=words):
        Setup(**valid(), **fields)


@pytest.mark.parametrize("text, words", [("{", "not valid JSON"), ("[]", "JSON object"),
                                         ('{"eta": 1}', "missing")])
def test_malformed_setup_files(tmp_path, text, words):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=words):
        Setup.from_file(path)


def test_overrides_replace_scalars_only():
    setup = build_setup(eta=0.1)
    assert setup.with_scalars(eta=0.7, sigma=None).eta == 0.7
    with pytest.raises(ValueError):
        setup.with_scalars(K=3)


@pytest.mark.parametrize("teacher", ["degenerate", "orthogonal", "random"])
def test_teachers_have_unit_output_vectors(teacher):
    setup = build_setup(K=2, M=3, L=4, teacher=teacher, seed=1)
    assert np.allclose(np.diag(setup.F), 1.0)
    rank = np.linalg.matrix_rank(setup.F)
    assert rank == {"degenerate": 1, "orthogonal": 3, "random": 3}[teacher]


def test_same_seed_same_setup_and_random_start_is_finite_N_like():
    a = build_setup(K=3, M=3, seed=7, N=1000)
    b = build_setup(K=3, M=3, seed=7, N=1000)
    c = build_setup(K=3, M=3, seed=8, N=1000)
    assert np.array_equal(a.R, b.R) and not np.array_equal(a.R, c.R)
    # R entries of independent random vectors are ~ init_scale / sqrt(N) = 0.5 / 31.6: within 5 sigma.
    assert np.max(np.abs(a.R)) < 5 * 0.5 / np.sqrt(1000)
    assert np.allclose(np.diag(a.Q), 0.25, atol=5 * 0.25 * np.sqrt(2 / 1000))


def test_orthogonal_init_has_exactly_orthogonal_students():
    setup = build_setup(K=3, M=2, init="orthogonal", init_scale=0.4, seed=2)
    assert np.allclose(setup.Q, 0.16 * np.eye(3), atol=1e-12)


def test_frozen_second_layer_copies_the_teacher():
    setup = build_setup(K=3, M=2, L=2, teacher="orthogonal", eta_w=0.0)
    assert np.array_equal(setup.W, setup.V[[0, 1, 0]])
