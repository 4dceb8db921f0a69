"""Rate coding: count statistics vs Bernoulli/Binomial/Poisson, within 3 standard errors."""
import numpy as np
import pytest

from neurolab_snn.coding import poisson, poisson_times, rate, rate_decode, spike_count
from neurolab_snn.units import Hz, ms, second


def assert_moments(counts, mean, var, mu4):
    """Sample mean and variance of iid counts within 3 standard errors of the model's."""
    n = counts.size
    se_mean = np.sqrt(var / n)
    se_var = np.sqrt((mu4 - var ** 2 * (n - 3) / (n - 1)) / n)
    assert abs(counts.mean() - mean) < 3 * se_mean, (counts.mean(), mean, se_mean)
    assert abs(counts.var(ddof=1) - var) < 3 * se_var, (counts.var(ddof=1), var, se_var)


def binomial_moments(t, p):
    q = 1 - p
    return t * p, t * p * q, t * p * q * (1 + 3 * (t - 2) * p * q)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.9])
def test_rate_counts_are_binomial(p):
    t, n = 50, 4000
    spikes = rate(np.full(n, p), t, rng=np.random.default_rng(1))
    assert spikes.shape == (t, n)
    assert set(np.unique(spikes)) <= {0.0, 1.0}
    assert_moments(spikes.sum(axis=0), *binomial_moments(t, p))


def test_rate_gain_offset_clip_and_data_range():
    # digits-like data in [0, 16]: x = 8 -> 0.5; p = clip(0.5 * 0.5 + 0.1) = 0.35
    t, n = 40, 3000
    spikes = rate(np.full(n, 8.0), t, gain=0.5, offset=0.1, data_range=(0, 16), rng=2)
    assert_moments(spikes.sum(axis=0), *binomial_moments(t, 0.35))
    assert rate(np.ones(5), 7, gain=3.0, rng=0).sum() == 35.0      # p clipped to 1
    assert rate(np.ones(5), 7, offset=-2.0, rng=0).sum() == 0.0    # p clipped to 0


def test_rate_first_spike_step_and_batch_layout():
    spikes = rate(np.ones((2, 3)), 6, first_spike_step=2, rng=0)
    assert spikes.shape == (2, 6, 3)                     # batch, time, neuron
    assert spikes[:, :2].sum() == 0 and spikes[:, 2:].sum() == 2 * 4 * 3
    varying = rate(np.ones((4, 3)), None, first_spike_step=2, rng=0)   # time-varying input
    assert varying.shape == (6, 3) and varying[:2].sum() == 0 and varying[2:].sum() == 12


def test_rate_is_reproducible_from_seed():
    x = np.linspace(0, 1, 10)
    a = rate(x, 20, rng=np.random.default_rng(7))
    b = rate(x, 20, rng=7)
    assert np.array_equal(a, b)


def test_rate_decode_inverts_noise_free_trains():
    # a regular train with a fraction p of steps active is the noise-free rate code of p
    t = 20
    fractions = np.array([0.0, 0.25, 0.5, 0.85, 1.0])
    spikes = (np.arange(t)[:, None] < np.round(fractions * t)).astype(float)
    x = rate_decode(spikes, data_range=(0, 16))
    assert np.allclose(x, 16 * fractions, rtol=0, atol=1e-12)
    y = rate_decode(spikes, gain=0.5, offset=0.1)
    assert np.allclose(y, (fractions - 0.1) / 0.5, rtol=0, atol=1e-12)


def test_rate_decode_is_unbiased_on_bernoulli_trains():
    x = np.full(2000, 0.3)
    estimate = rate_decode(rate(x, 100, rng=3))
    se = np.sqrt(0.3 * 0.7 / 100 / 2000)
    assert abs(estimate.mean() - 0.3) < 3 * se


def test_poisson_steps_are_binomial_with_p_rate_dt():
    t, n, r, dt = 200, 3000, 40 * Hz, 1 * ms
    spikes = poisson(np.full(n, 40.0) * Hz, t, dt=dt, rng=4)
    assert_moments(spikes.sum(axis=0), *binomial_moments(t, float(r * dt)))


def test_poisson_time_varying_rates():
    rates = np.zeros((100, 500)) * Hz
    rates[50:] = 200 * Hz
    spikes = poisson(rates, dt=1 * ms, rng=5)
    assert spikes[:50].sum() == 0
    assert_moments(spikes[50:].sum(axis=0), *binomial_moments(50, 0.2))


def test_poisson_times_counts_are_poisson():
    lam = 20 * Hz * (0.5 * second)
    trains = poisson_times(np.full(3000, 20.0) * Hz, 0.5 * second, rng=6)
    assert_moments(trains.counts(), float(lam), float(lam), float(lam) * (1 + 3 * float(lam)))
    t = np.asarray(trains.times)
    assert t.min() >= 0 and t.max() < 0.5 and np.all(np.diff(t) >= 0)
    # uniform spike times: mean D/2 within 3 SE
    assert abs(t.mean() - 0.25) < 3 * 0.5 / np.sqrt(12 * t.size)


def test_spike_count_of_rate_code_equals_sum():
    spikes = rate(np.full((2, 4), 0.5), 10, rng=8)
    assert np.array_equal(spike_count(spikes), spikes.sum(axis=1))
