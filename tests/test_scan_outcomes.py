"""Scan rows carry the truthful outcome, the final fixed point's class and the cascade length;
teachers at an angle are grid values."""
import pytest

from plateau.errors import InputError
from plateau.scan import ScanDefinition, SerialExecutor, read_scan, run_scan, scan_series

from test_scan import definition


def test_trapped_cascade_and_angle_rows(tmp_path):
    # Seed 12 at K = M = L = 2 ends on the trap line; angle:0 is the degenerate teacher, angle:90
    # the orthogonal one (no plateau for seed 12).
    scan = definition(["--L", "2", "--eta-w", "0.1", "--teacher", "angle:0,angle:90", "--seeds", "12",
                       "--alpha-max", "2e4"])
    out = tmp_path / "scan.csv"
    run_scan(scan, out, SerialExecutor())
    _, rows = read_scan(out)
    by_teacher = {row["teacher"]: row for row in rows}
    trap = by_teacher["angle:0"]
    assert trap["plateau_outcome"] == "trapped" and trap["final_classification"] == "trap"
    assert trap["n_plateaus"] == 1
    assert by_teacher["angle:90"]["plateau_outcome"] in ("no_plateau", "escaped")
    series = scan_series(scan, rows, x="teacher", y="plateau_level")
    assert series[0].trapped == [1, 0] and series[0].with_plateau[0] == 1


def test_teacher_values_are_parsed_once():
    scan = definition(["--teacher", "angle:30.0,degenerate", "--alpha-max", "10"])
    assert scan.grid["teacher"] == ("angle:30", "degenerate")
    with pytest.raises(InputError, match="angle"):
        definition(["--teacher", "angle:x", "--alpha-max", "10"])


def test_plateau_fraction_and_length_fall_with_the_teacher_angle(tmp_path):
    # K = M = L = 2, trained second layer, seeds 0-7 (README figure: 20 seeds, 0..90 degrees).
    # Measured: plateaus in 8, 5, 1 of 8 seeds at 0, 10, 45 degrees; mean length 3090, 651, 647.
    scan = definition(["--L", "2", "--eta-w", "0.1", "--teacher", "angle:0,angle:10,angle:45", "--seeds", "0-7",
                       "--alpha-max", "3e4"])
    out = tmp_path / "angle.csv"
    run_scan(scan, out, SerialExecutor())
    _, rows = read_scan(out)
    fraction = scan_series(scan, rows, x="teacher", y="plateau_length")[0]
    with_plateau = fraction.with_plateau
    assert with_plateau[0] == 8 and with_plateau[0] > with_plateau[1] > with_plateau[2]
    lengths = fraction.mean
    assert lengths[0] > 2 * lengths[1]
