"""The teaching demo: its files are valid images, and it shows what it claims."""
import pytest
from PIL import Image

import cli
from plateau.demo import run_demo


def test_demo_quick_writes_a_figure_and_a_gif(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["demo", "--quick", "--out", str(tmp_path)])
    assert stop.value.code == 0
    with Image.open(tmp_path / "demo.png") as png:
        assert png.format == "PNG" and png.size[0] > 400
    with Image.open(tmp_path / "demo.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames >= 20
        first = gif.convert("RGB").tobytes()
        gif.seek(gif.n_frames - 1)
        assert gif.convert("RGB").tobytes() != first   # it moves
    assert "no plateau" in capsys.readouterr().out


def test_demo_cases_plateau_and_no_plateau():
    degenerate, orthogonal = run_demo(points=150)
    assert degenerate.plateaus.outcome == "escaped" and degenerate.setup.L == 1
    assert orthogonal.plateaus.outcome == "no_plateau" and orthogonal.setup.L == 2
