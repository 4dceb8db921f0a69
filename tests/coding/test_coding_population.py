"""Population (Gaussian tuning), phase, burst and rank-order codes, and their inverses."""
import numpy as np
import pytest

from neurolab_snn.coding import (burst, burst_decode, gaussian_tuning, oscillation, phase,
                                 phase_decode, population, population_centers,
                                 population_decode, population_rates, rank_order,
                                 rank_order_decode, rank_order_weights, spike_count)
from neurolab_snn.units import Hz, ms


# ------------------------------------------------------------------ Gaussian population code
def test_gaussian_tuning_formula_and_circular_distance():
    c = population_centers(5, data_range=(0, 1))
    assert np.allclose(c, [0, 0.25, 0.5, 0.75, 1.0])
    r = gaussian_tuning(np.array([0.3]), c, 0.2)
    assert np.allclose(r, np.exp(-(0.3 - c) ** 2 / (2 * 0.04)), rtol=1e-14)
    wrapped = gaussian_tuning(np.array([350.0]), np.array([10.0]), 20.0, period=360.0)
    assert wrapped[0, 0] == pytest.approx(np.exp(-0.5), rel=1e-14)  # distance 20, not 340


def test_population_rates_layout_and_peak():
    rates = population_rates(np.array([[0.0, 1.0]]), n_neurons=5, max_rate=100 * Hz)
    assert rates.shape == (1, 10)
    assert np.asarray(rates / Hz)[0, 0] == pytest.approx(100) and \
        np.asarray(rates / Hz)[0, 9] == pytest.approx(100)


def test_population_vector_inverts_noise_free_rates_on_a_line():
    x = np.linspace(0.4, 0.6, 9)[None, :]          # more than 6 sigma from the ends
    rates = np.asarray(population_rates(x, n_neurons=33, max_rate=50 * Hz))
    assert np.max(np.abs(population_decode(rates, n_neurons=33) - x)) < 1e-6


def test_population_vector_inverts_noise_free_rates_on_a_circle():
    x = np.linspace(0, 359, 12)
    rates = np.asarray(population_rates(x, n_neurons=16, max_rate=50 * Hz,
                                        data_range=(0, 360), circular=True))
    decoded = population_decode(rates, n_neurons=16, data_range=(0, 360), circular=True)
    err = np.abs((decoded - x + 180) % 360 - 180)
    assert np.max(err) / 360 < 1e-8      # aliasing of the sampled Gaussians: ~exp(-17)


def test_population_spike_counts_have_tuning_means():
    t, dt = 500, 1 * ms
    spikes = population(np.full((200, 1), 0.5), t, n_neurons=5, max_rate=100 * Hz, dt=dt,
                        sigma=0.25, rng=0)
    assert spikes.shape == (200, t, 5)
    p = 0.1 * np.exp(-((0.5 - np.linspace(0, 1, 5)) ** 2) / (2 * 0.0625))
    counts = spike_count(spikes)
    se = np.sqrt(t * p * (1 - p) / 200)
    assert np.all(np.abs(counts.mean(axis=0) - t * p) < 3 * se)
    decoded = population_decode(counts, n_neurons=5)
    assert abs(decoded.mean() - 0.5) < 3 * decoded.std(ddof=1) / np.sqrt(200)


# ------------------------------------------------------------------ phase code
def test_phase_spikes_once_per_cycle_at_the_coded_phase():
    dt, f = 0.1 * ms, 20 * Hz                       # 500 steps per cycle
    x = np.array([0.0, 0.5, 1.0])
    spikes = phase(x, 2000, dt=dt, frequency=f, phase_max=np.pi)
    assert spikes.sum(axis=0).tolist() == [4, 4, 4]
    first = np.argmax(spikes, axis=0)
    # phi = pi (1 - x) -> t = phi / (2 pi f)
    assert first.tolist() == np.round((1 - x) * 0.5 / 20 / 1e-4).astype(int).tolist()
    assert np.all(np.diff(np.nonzero(spikes[:, 1])[0]) == 500)


def test_phase_decode_is_within_rounding_bound():
    x = np.linspace(0, 1, 21)
    dt, f = 1 * ms, 8 * Hz
    spikes = phase(x, 500, dt=dt, frequency=f, phase_max=1.5 * np.pi, data_range=(0, 1))
    decoded = phase_decode(spikes, dt=dt, frequency=f, phase_max=1.5 * np.pi)
    assert np.max(np.abs(decoded - x)) <= np.pi * 8e-3 / (1.5 * np.pi) + 1e-12


def test_oscillation_peaks_at_phase_zero():
    osc = oscillation(100, dt=1 * ms, frequency=10 * Hz)
    assert osc[0] == 1.0 and osc[50] == pytest.approx(-1.0, abs=1e-12)


# ------------------------------------------------------------------ burst code
def test_burst_size_and_interval_follow_the_formula():
    x = np.array([0.0, 0.1, 0.5, 1.0])
    spikes = burst(x, 100, dt=0.5 * ms, max_spikes=5, isi_min=2 * ms, isi_max=10 * ms)
    assert spikes.sum(axis=0).tolist() == [0, 1, 3, 5]      # ceil(5 x)
    steps = np.nonzero(spikes[:, 2])[0]                      # ISI = 10 - 8 * 0.5 = 6 ms
    assert steps.tolist() == [0, 12, 24]
    assert np.nonzero(spikes[:, 3])[0].tolist() == [0, 4, 8, 12, 16]   # ISI 2 ms


def test_burst_decode_inverts_within_rounding():
    x = np.linspace(0.25, 1.0, 16)                           # bursts of >= 2 spikes
    dt = 0.1 * ms
    spikes = burst(x, 1000, dt=dt)
    decoded = burst_decode(spikes, dt=dt)
    assert np.max(np.abs(decoded - x)) <= 0.5e-4 / 8e-3 * 2 + 1e-12
    assert burst_decode(burst(np.array([0.0, 0.1]), 100, dt=dt), dt=dt).tolist() == [0.0, 0.2]


# ------------------------------------------------------------------ rank-order code
def test_rank_order_spikes_in_order_of_intensity():
    x = np.array([[0.2, 0.9, 0.5, 0.9, 0.0]])
    spikes = rank_order(x)
    assert spikes.shape == (1, 5, 5)
    steps = np.argmax(spikes[0], axis=0)
    assert steps.tolist() == [3, 0, 2, 1, 4]               # ties: lower index first
    assert rank_order_decode(spikes).tolist() == [[3, 0, 2, 1, 4]]


def test_rank_order_threshold_and_weights():
    x = np.array([0.2, 0.9, 0.5, 0.05])
    spikes = rank_order(x, threshold=0.1)
    assert spikes.sum(axis=0).tolist() == [1, 1, 1, 0]
    assert rank_order_decode(spikes).tolist() == [2, 0, 1, -1]
    w = rank_order_weights(spikes, modulation=0.5)
    assert w.tolist() == [0.25, 1.0, 0.5, 0.0]


def test_rank_order_decode_recovers_the_ordering_of_random_data():
    rng = np.random.default_rng(3)
    x = rng.random((4, 30))
    ranks = rank_order_decode(rank_order(x))
    assert np.array_equal(ranks, np.argsort(np.argsort(-x, axis=-1), axis=-1))
