"""Connectivity rules: exact counts, probabilities, distance profiles, seeds, bad input."""
import numpy as np
import pytest

from neurolab_snn.circuits import (AllToAll, Blocks, Explicit, FanIn, FanOut, Gaussian, OneToOne,
                                   Probability)


def rng(seed=0):
    return np.random.default_rng(seed)


def test_fan_in_gives_exactly_k_distinct_inputs():
    i, j, f = FanIn(7).pairs(50, 30, rng())
    assert f is None and len(i) == 7 * 30
    for post in range(30):
        pre = i[j == post]
        assert len(np.unique(pre)) == 7
    assert np.all(np.diff(i) >= 0)  # sorted by presynaptic index


def test_fan_out_gives_exactly_k_distinct_targets():
    i, j, _ = FanOut(4, self_connections=False).pairs(20, 20, rng(), same=True)
    assert np.all(np.bincount(i, minlength=20) == 4)
    assert not np.any(i == j)
    assert all(len(np.unique(j[i == k])) == 4 for k in range(20))


def test_probability_count_within_five_sigma():
    """Binomial(n_pre n_post, p): |count - mean| < 5 sd."""
    n, p = 400, 0.02
    i, j, _ = Probability(p).pairs(n, n, rng(1))
    mean, sd = n * n * p, np.sqrt(n * n * p * (1 - p))
    assert abs(len(i) - mean) < 5 * sd
    i2, j2, _ = Probability(p, self_connections=False).pairs(n, n, rng(1), same=True)
    assert not np.any(i2 == j2)


def test_seed_reproducible_and_seed_dependent():
    a = Probability(0.1).pairs(100, 100, rng(5))
    b = Probability(0.1).pairs(100, 100, rng(5))
    c = Probability(0.1).pairs(100, 100, rng(6))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not (len(a[0]) == len(c[0]) and np.array_equal(a[1], c[1]))


def test_all_to_all_and_one_to_one():
    i, j, _ = AllToAll(self_connections=False).pairs(5, 5, rng(), same=True)
    assert len(i) == 20 and not np.any(i == j)
    i, j, _ = OneToOne().pairs(4, 4, rng())
    assert np.array_equal(i, j)


def test_gaussian_weight_profile_on_a_ring():
    """factor = exp(-d^2 / (2 sigma^2)) with ring distance; no self-connections."""
    i, j, f = Gaussian(2.0, period=20).pairs(20, 20, rng(), same=True)
    d = np.abs(i - j)
    d = np.minimum(d, 20 - d)
    np.testing.assert_allclose(f, np.exp(-d ** 2 / 8.0), rtol=1e-14)
    assert d.max() <= 8 and not np.any(i == j)
    # probability profile: the fraction at distance 0 < d <= 1 is near exp(-1/8)
    i, j, f = Gaussian(2.0, profile="probability").pairs(400, 400, rng(2), same=True)
    assert f is None
    near = np.abs(i - j) == 1
    assert near.sum() / (2 * 399) == pytest.approx(np.exp(-1 / 8), abs=0.05)


def test_blocks_connect_only_within_replicas():
    i, j, _ = Blocks(AllToAll(), 3).pairs(6, 9, rng())
    assert len(i) == 3 * 2 * 3
    assert np.all(i // 2 == j // 3)


@pytest.mark.parametrize("make, match", [
    (lambda: Probability(1.5), r"Probability.p=1.5: expected a probability in \[0, 1\]"),
    (lambda: Probability(-0.1), r"Probability.p=-0.1"),
    (lambda: Probability("0.5"), "Probability.p='0.5'"),
    (lambda: Gaussian(2.0, p_max=2.0), r"Gaussian.p_max=2.0.*\[0, 1\]"),
    (lambda: Gaussian(-1.0), "Gaussian.sigma=-1.0"),
    (lambda: Gaussian(1.0, profile="box"), "Gaussian.profile='box'"),
    (lambda: FanIn(-2), "FanIn.k=-2"),
    (lambda: Blocks(OneToOne(), 0), "Blocks.n_blocks=0"),
    (lambda: Explicit(np.array([0, 1]), np.array([0])), "Explicit: i has shape"),
])
def test_bad_rules(make, match):
    with pytest.raises((TypeError, ValueError), match=match):
        make()


@pytest.mark.parametrize("rule, sizes, match", [
    (OneToOne(), (3, 4), "incompatible populations.*OneToOne needs equal sizes"),
    (FanIn(10), (5, 5), "FanIn.k=10.*expected k <= 5"),
    (FanOut(6), (5, 5), "FanOut.k=6.*expected k <= 5"),
    (Explicit(np.array([0, 7]), np.array([0, 1])), (5, 5), r"Explicit.i has indices in \[0, 7\]"),
    (Blocks(AllToAll(), 2), (5, 4), "Blocks\\(n_blocks=2\\) needs sizes divisible by 2"),
])
def test_incompatible_sizes(rule, sizes, match):
    with pytest.raises(ValueError, match=match):
        rule.pairs(*sizes, rng(), label="projection 'x'")
