"""Latency coding: spike times equal the RC closed form t = tau ln(x / (x - theta))."""
import numpy as np
import pytest

from neurolab_snn.coding import first_spike_times, latency, latency_decode, latency_times
from neurolab_snn.units import ms, second

TAU = 5 * ms


def test_times_equal_rc_closed_form():
    x = np.linspace(0.05, 1.0, 20)
    t = latency_times(x, tau=TAU, threshold=0.01)
    expected = 5e-3 * np.log(x / (x - 0.01))
    assert np.allclose(np.asarray(t), expected, rtol=1e-12, atol=0)
    # the RC membrane v = x (1 - exp(-t / tau)) reaches theta exactly at t
    v = x * (1 - np.exp(-np.asarray(t) / 5e-3))
    assert np.allclose(v, 0.01, rtol=1e-12, atol=0)


def test_spike_steps_are_rounded_closed_form_times():
    x = np.array([0.02, 0.05, 0.1, 0.3, 1.0])
    dt, steps = 0.1 * ms, 200
    spikes = latency(x, steps, dt=dt, tau=TAU, threshold=0.01)
    assert spikes.shape == (steps, 5) and np.array_equal(spikes.sum(axis=0), np.ones(5))
    expected = np.round(5e-3 * np.log(x / (x - 0.01)) / 1e-4)
    assert np.array_equal(np.argmax(spikes, axis=0), expected)
    measured = np.asarray(first_spike_times(spikes, dt))
    assert np.max(np.abs(measured - np.asarray(latency_times(x, tau=TAU)))) <= 0.5e-4 + 1e-15


def test_snntorch_docstring_example_linear_normalize():
    # snnTorch: latency([0.02, 0.5, 1], num_steps=5, normalize=True, linear=True)
    spikes = latency(np.array([0.02, 0.5, 1.0]), 5, dt=1 * ms, normalize=True, linear=True)
    expected = np.array([[0, 0, 1], [0, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 0]])
    assert np.array_equal(spikes, expected)
    t = latency_times(np.array([0.02, 0.5, 1.0]), normalize=True, linear=True, window=4 * ms)
    assert np.allclose(np.asarray(t / ms), [3.92, 2.0, 0.0], rtol=1e-12, atol=1e-12)


def test_linear_code_and_first_spike_time_delay():
    x = np.array([0.0, 0.25, 1.0])
    t = latency_times(x, tau=TAU, linear=True, threshold=0.1, first_spike_time=2 * ms)
    # t = t0 + tau min(1 - x, 1 - theta)
    assert np.allclose(np.asarray(t / ms), [2 + 5 * 0.9, 2 + 5 * 0.75, 2.0], rtol=1e-12)


def test_normalize_maps_clamped_inputs_to_last_step():
    x = np.array([0.0, 0.01, 0.5, 1.0])
    spikes = latency(x, 50, dt=1 * ms, normalize=True, threshold=0.01)
    steps = np.argmax(spikes, axis=0)
    assert steps[0] == 49 and steps[1] == 49             # x <= theta: clamped, t_max -> end
    u_max = np.log((0.01 + 1e-7) / 1e-7)
    assert steps[3] == np.round(49 * np.log(1 / 0.99) / u_max)


def test_clip_removes_subthreshold_inputs():
    x = np.array([0.0, 0.005, 0.5])
    t = latency_times(x, tau=TAU, threshold=0.01, clip=True)
    assert np.isinf(np.asarray(t[:2])).all() and np.isfinite(float(t[2] / second))
    spikes = latency(x, 100, dt=1 * ms, tau=TAU, threshold=0.01, clip=True)
    assert spikes.sum(axis=0).tolist() == [0, 0, 1]


def test_late_spikes_are_dropped_not_clamped():
    spikes = latency(np.array([0.011, 1.0]), 10, dt=1 * ms, tau=TAU, threshold=0.01)
    assert spikes.sum(axis=0).tolist() == [0, 1]   # t(0.011) = 12 ms > 9 ms


def test_data_range_rescales_and_threshold_in_data_units():
    a = latency_times(np.array([4.0, 16.0]), tau=TAU, threshold=1.0, data_range=(0, 16))
    b = latency_times(np.array([0.25, 1.0]), tau=TAU, threshold=1 / 16)
    assert np.allclose(np.asarray(a), np.asarray(b), rtol=1e-14)


@pytest.mark.parametrize("kwargs", [dict(tau=TAU), dict(tau=TAU, linear=True),
                                    dict(normalize=True, window=30 * ms),
                                    dict(normalize=True, linear=True, window=30 * ms,
                                         first_spike_time=3 * ms)])
def test_decode_inverts_continuous_times(kwargs):
    x = np.linspace(0.02, 1.0, 30)
    t = latency_times(x, threshold=0.01, **kwargs)
    assert np.allclose(latency_decode(t, threshold=0.01, **kwargs), x, rtol=1e-10, atol=1e-12)


def test_decode_of_raster_is_within_step_rounding():
    x = np.linspace(0.3, 1.0, 15)
    dt = 0.01 * ms
    spikes = latency(x, 2000, dt=dt, tau=TAU, threshold=0.1)
    decoded = latency_decode(first_spike_times(spikes, dt), tau=TAU, threshold=0.1)
    # |dx/dt| = x (x - theta) / (theta tau), times off by at most dt / 2
    bound = np.max(x * (x - 0.1) / (0.1 * 5e-3)) * 0.5e-5
    assert np.max(np.abs(decoded - x)) <= bound
    assert latency_decode(np.array([np.inf]) * second, tau=TAU)[0] == 0.0
