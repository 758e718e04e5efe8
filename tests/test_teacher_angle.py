"""The teacher whose output vectors have a chosen pairwise angle: degeneracy as a dial."""
import numpy as np
import pytest

from plateau import build_setup
from plateau.builders import parse_teacher, teacher_vectors
from plateau.errors import InputError

from helpers import run_cli


@pytest.mark.parametrize("M,L,degrees", [(2, 2, 30), (3, 3, 60), (3, 2, 120), (4, 5, 100), (2, 1, 180), (3, 4, 0)])
def test_unit_rows_with_the_chosen_pairwise_angle(M, L, degrees):
    V = teacher_vectors(M, L, f"angle:{degrees}", None)
    c = np.cos(np.radians(degrees))
    assert V.shape == (M, L)
    assert V @ V.T == pytest.approx(np.full((M, M), c) + (1 - c) * np.eye(M), abs=1e-12)


def test_0_and_90_degrees_are_the_degenerate_and_orthogonal_teachers():
    for K, M, L in [(2, 2, 2), (3, 3, 4)]:
        assert build_setup(K=K, M=M, L=L, teacher="angle:0", eta_w=0.1, seed=4) == \
            build_setup(K=K, M=M, L=L, teacher="degenerate", eta_w=0.1, seed=4)
        assert build_setup(K=K, M=M, L=L, teacher="angle:90", eta_w=0.1, seed=4) == \
            build_setup(K=K, M=M, L=L, teacher="orthogonal", eta_w=0.1, seed=4)


@pytest.mark.parametrize("text,needle", [("angle:abc", "degrees in [0, 180]"), ("angle:-5", "degrees in [0, 180]"),
                                         ("sideways", "angle:DEG")])
def test_bad_spellings_are_input_errors(text, needle):
    with pytest.raises(InputError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        parse_teacher(text)


def test_angles_the_outputs_cannot_realise_are_input_errors():
    with pytest.raises(InputError, match="needs 3 output dimensions"):
        teacher_vectors(3, 2, "angle:30", None)
    with pytest.raises(InputError, match="cannot all have pairwise cosine"):
        teacher_vectors(3, 3, "angle:150", None)       # cos 150 = -0.87 < -1/2


def test_cli_accepts_angle_and_rejects_nonsense_in_one_line(tmp_path, capsys):
    code, out, err = run_cli(["ode", "--teacher", "angle:45", "--L", "2", "--eta-w", "0.1", "--alpha-max", "10",
                              "--out", str(tmp_path / "a.csv")], capsys)
    assert code == 0, err
    code, out, err = run_cli(["ode", "--teacher", "angle:400", "--alpha-max", "10", "--out", str(tmp_path / "b.csv")],
                             capsys)
    assert code == 2 and err.strip().count("\n") == 0 and err.startswith("Error: teacher 'angle:400'")
