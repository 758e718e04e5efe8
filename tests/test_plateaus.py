"""Plateau detection on synthetic curves with known answers."""
import numpy as np
import pytest

from plateau.plateaus import PlateauCriteria, detect_plateaus

# Synthetic curves are piecewise linear in (ln alpha, ln eps): flat stretches joined by power-law
# drops, so onset, end, level and escape are known exactly.  The detector smooths over +-0.1
# decade, so a break is located to within that window: a factor 10**0.1 = 1.26 in alpha.
WINDOW_FACTOR = 10 ** 0.1


def piecewise_curve(alpha, knots):
    """ln eps linear in ln alpha between knots [(alpha_k, eps_k)], constant outside."""
    x = np.log([k[0] for k in knots])
    y = np.log([k[1] for k in knots])
    return np.exp(np.interp(np.log(alpha), x, y))


ALPHA = np.geomspace(0.01, 1e4, 700)


def test_single_plateau_recovered():
    knots = [(1, 0.5), (10, 0.02), (1000, 0.02), (10000, 0.02 / 1000)]   # drop slope -3 after 1000
    report = detect_plateaus(ALPHA, piecewise_curve(ALPHA, knots))
    assert report.outcome == "escaped" and len(report.plateaus) == 1
    p = report.plateaus[0]
    assert 10 <= p.onset <= 10 * WINDOW_FACTOR
    assert 1000 / WINDOW_FACTOR <= p.end <= 1000
    assert p.level == pytest.approx(0.02, rel=1e-3)
    # eps falls to half the level at 1000 * 2**(1/3) on a slope -3 line; log-log interpolation is exact.
    assert p.escape_alpha == pytest.approx(1000 * 2 ** (1 / 3), rel=1e-6)
    assert report.escape_alpha == p.escape_alpha


def test_cascade_reported_in_order():
    knots = [(1, 0.5), (5, 0.05), (100, 0.05), (200, 0.005), (6000, 0.005), (10000, 0.005 / (10 / 6) ** 3)]
    report = detect_plateaus(ALPHA, piecewise_curve(ALPHA, knots))
    assert [round(p.level, 4) for p in report.plateaus] == [0.05, 0.005]
    first, second = report.plateaus
    assert first.onset < first.end < first.escape_alpha < second.onset < second.end < second.escape_alpha
    assert report.main == 1  # the longer one (6000 / 200 > 100 / 5)
    assert all(p.escaped for p in report.plateaus)


def test_exponential_decay_has_no_plateau():
    for tau in (0.3, 10.0, 500.0):
        # The floor stands for the rounding floor of a converged run: flat, but below min_level.
        report = detect_plateaus(ALPHA, np.exp(-ALPHA / tau) + 1e-13)
        assert report.outcome == "no_plateau" and report.escape_alpha is None


def test_curve_cut_mid_plateau_is_still_on_it():
    knots = [(1, 0.5), (10, 0.02), (1000, 0.02), (10000, 2e-5)]
    keep = ALPHA <= 300
    report = detect_plateaus(ALPHA[keep], piecewise_curve(ALPHA[keep], knots))
    assert report.outcome == "on_plateau_at_end"
    assert report.escape_alpha is None and not report.plateaus[0].escaped
    assert report.plateaus[0].level == pytest.approx(0.02, rel=1e-3)


def test_noisy_curve_like_a_seed_average():
    rng = np.random.default_rng(0)
    knots = [(1, 0.5), (10, 0.02), (1000, 0.02), (10000, 2e-5)]
    clean = piecewise_curve(ALPHA, knots)
    # 3 % multiplicative noise, more than a seed average of 8 SGD runs at N ~ 1000 shows on a plateau.
    noisy = clean * (1 + 0.03 * rng.standard_normal(len(ALPHA)))
    report = detect_plateaus(ALPHA, noisy)
    assert len(report.plateaus) == 1
    p = report.plateaus[0]
    # The smoothing window averages ~25 points: level to ~1 %; escape within the noise's shift of
    # the crossing (3 % of eps on a slope -3 line moves alpha by ~1 %), plus the grid spacing.
    assert p.level == pytest.approx(0.02, rel=0.02)
    assert p.escape_alpha == pytest.approx(1000 * 2 ** (1 / 3), rel=0.05)


def test_criteria_are_validated():
    with pytest.raises(ValueError, match="flatness"):
        PlateauCriteria(flatness=0)
    with pytest.raises(ValueError, match="escape_fraction"):
        PlateauCriteria(escape_fraction=1.5)


def test_cascade_of_an_ode_run_in_order():
    # K = M = 3 soft committee whose first student unit starts 1e-2 away from the symmetric subspace
    # and the other two only 1e-14: the first unit specialises, and the two that are left sit on a
    # second, lower plateau (a K = 2-like unspecialised state) until they split too.  Measured:
    # 12..248 at 0.0266, then 618..1415 at 0.0141.  (Unequal teacher norms alone, T = diag(1.5, 1, 1),
    # diag(2, 1, 1), diag(3, 1, 1), diag(1, .5, .5) with equal asymmetries, gave one plateau.)
    from plateau import Setup, integrate
    setup = Setup(activation="erf", eta=0.3, eta_w=0.0, sigma=0.0, T=np.eye(3), V=np.ones((3, 1)),
                  Q=0.2 * np.eye(3), R=np.diag([1e-2, 1e-14, 1e-14]), W=np.ones((3, 1)))
    traj = integrate(setup, 1e4, points=1500)
    report = detect_plateaus(traj.alpha, traj.eps_g)
    assert len(report.plateaus) == 2
    first, second = report.plateaus
    assert first.end < first.escape_alpha < second.onset < second.end < second.escape_alpha
    assert 0.5 * first.level < second.level < (1 - 0.25) * first.level
    assert report.outcome == "escaped"


# --- drifting plateaus and smooth decays (definition 2b) ------------------------------------------
def test_slowly_drifting_stall_is_a_plateau():
    # A fall with slope -1.4 into a stall drifting 0.033 -> 0.0165 over alpha 20..1000 (slope -0.11,
    # then -0.22 over 100..1000: steeper than flatness 0.1), then a drop with slope -4: the shape of
    # the seed 6.
    knots = [(3, 0.5), (20, 0.033), (100, 0.0275), (1000, 0.0165), (10000, 0.0165 / 10 ** 4)]
    curve = piecewise_curve(ALPHA, knots)
    assert detect_plateaus(ALPHA, curve, PlateauCriteria(drift=0)).outcome == "no_plateau"   # the old definition
    report = detect_plateaus(ALPHA, curve)
    assert len(report.plateaus) == 1 and report.outcome == "escaped"
    p = report.plateaus[0]
    # The stall runs from the end of the steep fall (alpha 20) to the drop (alpha 1000).
    assert 20 / WINDOW_FACTOR <= p.onset <= 20 * WINDOW_FACTOR and 1000 / WINDOW_FACTOR <= p.end <= 1000
    assert 0.0165 <= p.level <= 0.033
    # Escape where eps falls to half the level on the slope -4 drop.
    assert p.escape_alpha == pytest.approx(1000 * (p.level / 2 / 0.0165) ** (-1 / 4), rel=0.01)


@pytest.mark.parametrize("power", [0.15, 0.3, 1.0])
def test_smooth_power_law_decay_is_no_plateau(power):
    curve = 0.5 * (1 + ALPHA) ** -power
    assert detect_plateaus(ALPHA, curve).outcome == "no_plateau"


def test_power_law_that_bends_from_03_to_1_is_no_plateau():
    knots = [(0.01, 0.5), (1000, 0.5 * (1000 / 0.01) ** -0.3), (10000, 0.5 * (1000 / 0.01) ** -0.3 / 10)]
    assert detect_plateaus(ALPHA, piecewise_curve(ALPHA, knots)).outcome == "no_plateau"


def test_drifting_stall_at_the_end_of_the_curve_is_not_claimed():
    # Without the later fall the curve alone cannot tell a drifting stall from a power law.
    knots = [(1, 0.5), (100, 0.0275), (10000, 0.0275 / 10 ** 0.44)]
    assert detect_plateaus(ALPHA, piecewise_curve(ALPHA, knots)).outcome == "no_plateau"


def test_accelerating_initial_decay_is_no_drifting_plateau():
    # Slope growing steadily from -0.06 to -0.4 and then a fast fall (K = M = 2 orthogonal teacher,
    # seed 8): no steeper fall leads into the slow stretch, so it is the start of learning, not a stall.
    knots = [(1, 0.37), (3, 0.333), (7, 0.297), (14, 0.246), (28, 0.188), (57, 0.12), (120, 0.0143), (10000, 1e-7)]
    assert detect_plateaus(ALPHA, piecewise_curve(ALPHA, knots)).outcome == "no_plateau"


def test_drift_criteria_are_validated():
    with pytest.raises(ValueError, match="contrast"):
        PlateauCriteria(contrast=1.0)
    with pytest.raises(ValueError, match="drift"):
        PlateauCriteria(drift=-0.1)
