"""The student's drawn start: its overlaps have their exact distribution, on both paths.

Two paths draw a student: :func:`plateau.builders.build_setup` (the ODE's initial Q, R, W)
and :func:`plateau.networks.make_networks` with start='draw' (the SGD networks).  Both must
give a rotation-invariant start.  With s = init_scale, in N dimensions and for teacher vectors
of overlap T:

- R_in has mean 0 and variance s^2 T_nn / N for both inits (random: a Gaussian sum; orthogonal:
  J_i = s sqrt(N) u with u uniform on the sphere, and u.e has variance exactly 1/N for a unit e);
- random init: Q_ii = s^2 chi^2_N / N (mean s^2, variance 2 s^4 / N), Q_ik (i != k) has mean 0 and
  variance s^4 / N; orthogonal init: Q = s^2 I exactly;
- the sign of every R_in is + or - with probability 1/2 (the distribution is symmetric under
  J -> -J row by row), and so is that of every drawn second-layer entry W_il.

Each test uses ``DRAWS`` independent draws with fixed seeds.  Tolerances are 4 standard errors:
- a sample mean of a standardised variable (variance 1) is within 4 / sqrt(n) of 0;
- its sample variance is within 4 sqrt(2 / n) of 1 (the standard error of the sample variance of a
  Gaussian is sqrt(2 / (n - 1)); the orthogonal R_in and W_il are lighter-tailed than a Gaussian,
  whose bound is therefore conservative for them, and chi^2_N at N = 300 has excess kurtosis 12/N);
- a fraction of positive signs is within 4 sqrt(1/4 / n) of 1/2.
"""
import numpy as np
import pytest

from plateau import build_setup
from plateau.draws import draw_second_layer, draw_student, orthonormal_rows
from plateau.errors import InputError
from plateau.networks import make_networks

DRAWS = 400
N = 300
SCALE = 0.5
# A teacher with unequal norms and an overlap, so that the variance's T_nn is tested.
T = np.array([[1.0, 0.3], [0.3, 2.0]])


def within_mean(z):
    """z (n, ...) standardised draws: each sample mean is within 4 standard errors of 0."""
    assert np.all(np.abs(z.mean(axis=0)) < 4 / np.sqrt(len(z))), z.mean(axis=0)


def within_unit_variance(z):
    """z (n, ...) standardised draws: each sample variance is within 4 standard errors of 1."""
    assert np.all(np.abs(z.var(axis=0, ddof=1) - 1) < 4 * np.sqrt(2 / len(z))), z.var(axis=0, ddof=1)


def signs_symmetric(x):
    """x (n, ...): the fraction of positive entries is within 4 binomial standard errors of 1/2."""
    assert np.all(np.abs((x > 0).mean(axis=0) - 0.5) < 4 * 0.5 / np.sqrt(len(x))), (x > 0).mean(axis=0)


def builder_draws(init, K=3, L=1, eta_w=0.0):
    """Q (n, K, K), R (n, K, 2), W (n, K, L) of build_setup for seeds 0 .. DRAWS-1."""
    setups = [build_setup(K=K, M=2, L=L, init=init, init_scale=SCALE, N=N, T=T, eta_w=eta_w, seed=seed)
              for seed in range(DRAWS)]
    return (np.array([s.Q for s in setups]), np.array([s.R for s in setups]),
            np.array([s.W for s in setups]))


def network_draws(init, K=3):
    """Q (n, K, K), R (n, K, 2) of make_networks(start='draw') for generators seeded 0 .. DRAWS-1."""
    setup = build_setup(K=K, M=2, init=init, init_scale=SCALE, N=N, T=T)
    Qs, Rs = [], []
    for seed in range(DRAWS):
        nets = make_networks(setup, N, np.random.default_rng(seed), start="draw")
        Q, R, B_overlaps = nets.overlaps()
        np.testing.assert_allclose(B_overlaps, T, atol=1e-12)   # the teacher is exact
        Qs.append(Q)
        Rs.append(R)
    return np.array(Qs), np.array(Rs)


PATHS = {"ode builder": lambda init: builder_draws(init)[:2], "sgd networks": network_draws}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("init", ["random", "orthogonal"])
def test_student_teacher_overlaps_have_their_exact_distribution(path, init):
    _, R = PATHS[path](init)
    z = R / (SCALE * np.sqrt(np.diag(T) / N))          # R_in / sqrt(s^2 T_nn / N), every (i, n)
    within_mean(z)
    within_unit_variance(z)
    signs_symmetric(R)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("init", ["random", "orthogonal"])
def test_student_overlaps_have_their_exact_distribution(path, init):
    Q, _ = PATHS[path](init)
    K = Q.shape[1]
    if init == "orthogonal":
        np.testing.assert_allclose(Q, np.broadcast_to(SCALE**2 * np.eye(K), Q.shape), rtol=0, atol=1e-12)
        return
    diagonal = np.diagonal(Q, axis1=1, axis2=2)
    within_mean((diagonal - SCALE**2) / (SCALE**2 * np.sqrt(2 / N)))
    within_unit_variance((diagonal - SCALE**2) / (SCALE**2 * np.sqrt(2 / N)))
    off = Q[:, np.triu_indices(K, 1)[0], np.triu_indices(K, 1)[1]]
    within_mean(off / (SCALE**2 / np.sqrt(N)))
    within_unit_variance(off / (SCALE**2 / np.sqrt(N)))


@pytest.mark.parametrize("init", ["random", "orthogonal"])
@pytest.mark.parametrize("K,L", [(2, 3), (3, 2)])
def test_trained_second_layer_is_drawn_symmetrically(init, K, L):
    # Random: W_il ~ N(0, s^2 / L).  Orthogonal: K <= L gives s times K orthonormal rows in R^L,
    # K > L gives s sqrt(K / L) times L orthonormal columns in R^K; either way W_il = c u_0 with u
    # uniform on a sphere, mean 0 and variance s^2 / L.
    _, _, W = builder_draws(init, K=K, L=L, eta_w=0.1)
    z = W / (SCALE / np.sqrt(L))
    within_mean(z)
    within_unit_variance(z)
    signs_symmetric(W)


# --- one draw function for both paths -------------------------------------------------------------
@pytest.mark.parametrize("init", ["random", "orthogonal"])
def test_ode_and_sgd_students_come_from_the_same_draw(init):
    K, M, N, seed = 3, 2, 50, 11
    setup = build_setup(K=K, M=M, init=init, init_scale=SCALE, N=N, seed=seed)   # degenerate: no V draw
    J = draw_student(K, N, init, SCALE, np.random.default_rng(seed))
    np.testing.assert_array_equal(setup.Q, 0.5 * (J @ J.T / N + (J @ J.T / N).T))
    rng = np.random.default_rng(seed)
    orthonormal_rows(M, N, rng)                     # make_networks draws the teacher B first
    nets = make_networks(setup, N, np.random.default_rng(seed), start="draw")
    np.testing.assert_array_equal(nets.J, draw_student(K, N, init, SCALE, rng))


@pytest.mark.parametrize("n,N", [(1, 1), (3, 3), (2, 7), (5, 40)])
def test_orthonormal_rows_are_orthonormal(n, N):
    O = orthonormal_rows(n, N, np.random.default_rng(n * N))
    assert O.shape == (n, N)
    np.testing.assert_allclose(O @ O.T, np.eye(n), rtol=0, atol=1e-13)


@pytest.mark.parametrize("K,L", [(1, 1), (2, 5), (5, 2)])
def test_orthogonal_second_layer_has_mean_squared_norm_s2(K, L):
    W = draw_second_layer(K, L, "orthogonal", SCALE, np.random.default_rng(0))
    assert W.shape == (K, L)
    assert np.mean(np.sum(W**2, axis=1)) == pytest.approx(SCALE**2, rel=1e-12)


@pytest.mark.parametrize("call, words", [
    (lambda rng: orthonormal_rows(3, 2, rng), "cannot draw 3 orthonormal vectors in 2 dimensions"),
    (lambda rng: draw_student(2, 10, "uniform", 0.5, rng), "unknown init 'uniform'"),
    (lambda rng: draw_student(2, 10, "random", 0.0, rng), "init_scale must be a positive number"),
    (lambda rng: draw_student(2, 10, "random", float("nan"), rng), "init_scale must be a positive number"),
    (lambda rng: draw_second_layer(2, 3, "random", -1, rng), "init_scale must be a positive number"),
])
def test_bad_draws_raise_input_errors(call, words):
    with pytest.raises(InputError, match=words):
        call(np.random.default_rng(0))
