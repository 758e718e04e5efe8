"""Small builders and runners shared by the tests."""
import numpy as np
import pytest

from plateau import Setup


def soft_committee(K, M, eta, Q=None, R=None, activation="erf", sigma=0.0):
    """Saad & Solla's soft committee machine: L = 1, v_n = w_i = 1, frozen second layer, T = I."""
    Q = 0.2 * np.eye(K) if Q is None else Q
    R = np.zeros((K, M)) if R is None else R
    return Setup(activation=activation, eta=eta, eta_w=0.0, sigma=sigma, T=np.eye(M),
                 V=np.ones((M, 1)), Q=Q, R=R, W=np.ones((K, 1)))


def symmetric_start(K, M, q=0.2, r=0.0, delta=0.0):
    """Q = q I and R = r everywhere, plus delta on R's diagonal (the asymmetry that ends the plateau)."""
    Q = q * np.eye(K)
    R = np.full((K, M), r)
    R[np.arange(min(K, M)), np.arange(min(K, M))] += delta
    return Q, R


def random_valid_setup(rng, K, M, L, activation="erf", eta=0.3, eta_w=0.2, sigma=0.1):
    """A setup whose overlaps come from actual random vectors (so it is valid), with generic values."""
    N = 50
    X = rng.standard_normal((K + M, N)) / np.sqrt(N) * rng.uniform(0.5, 1.5, size=(K + M, 1))
    G = X @ X.T
    return Setup(activation=activation, eta=eta, eta_w=eta_w, sigma=sigma, T=G[K:, K:],
                 V=rng.standard_normal((M, L)), Q=G[:K, :K], R=G[:K, K:],
                 W=0.5 * rng.standard_normal((K, L)))


def run_cli(argv, capsys):
    """Run the CLI's main() in-process: (exit status, stdout, stderr)."""
    from plateau.cli import main
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    return stop.value.code, out, err
