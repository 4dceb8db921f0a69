"""Delta modulation: spikes at exactly the crossing steps; snnTorch examples; reconstruction."""
import numpy as np
import pytest

from neurolab_snn.coding import delta, delta_decode
from neurolab_snn.units import mV


def test_snntorch_docstring_examples():
    b = np.array([1, 2, 0, 2, 2.9])
    assert delta(b, 1.0, off_spike=True).tolist() == [1, 1, -1, 1, 0]
    assert delta(b, 1.0, padding=True, off_spike=True).tolist() == [0, 1, -1, 1, 0]
    assert delta(b, 1.0).tolist() == [1, 1, 0, 1, 0]          # off spikes suppressed


def test_previous_reference_fires_where_step_change_reaches_threshold():
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(300, 4)), axis=0)
    s = delta(x, 0.8, padding=True, off_spike=True)
    change = np.diff(x, axis=0, prepend=x[:1])
    assert np.array_equal(np.nonzero(s == 1), np.nonzero(change >= 0.8))
    assert np.array_equal(np.nonzero(s == -1), np.nonzero(change <= -0.8))


def test_modulator_spikes_at_exact_crossings_of_a_ramp():
    # x_t = 3t/8 (exact in binary); reference level k theta is crossed first at t = ceil(8k/3)
    t = np.arange(40)
    s = delta(3 * t / 8, 1.0, reference="last_spike")
    k = np.arange(1, int(3 * 39 / 8) + 1)
    assert np.array_equal(np.nonzero(s)[0], np.ceil(8 * k / 3).astype(int))


def test_modulator_reconstruction_stays_within_threshold():
    t = np.linspace(0, 1, 1000)
    x = np.sin(2 * np.pi * 3 * t)[:, None] * np.array([1.0, 2.0])   # |dx| < 0.04 per step
    s = delta(x, 0.1, padding=True, off_spike=True, reference="last_spike")
    recon = delta_decode(s, 0.1, initial=x[0])
    assert np.max(np.abs(recon - x)) < 0.1
    assert np.count_nonzero(s == -1) > 0 and np.count_nonzero(s == 1) > 0
    # on spikes do not depend on off_spike (the reference still follows falls)
    on_only = delta(x, 0.1, padding=True, reference="last_spike")
    assert np.array_equal(on_only, np.maximum(s, 0))


def test_threshold_reached_exactly_fires():
    assert delta(np.array([0.0, 0.5, 1.0]), 0.5, padding=True).tolist() == [0, 1, 1]


def test_quantity_signal_needs_matching_threshold():
    v = np.array([0.0, 2.0, 2.5, 5.0]) * mV
    assert delta(v, 2 * mV, padding=True).tolist() == [0, 1, 0, 1]
    recon = delta_decode(np.array([0.0, 1.0, 1.0]), 2 * mV, initial=-70 * mV)
    assert np.allclose(np.asarray(recon / mV), [-70, -68, -66], rtol=1e-12)
    with pytest.raises(TypeError, match="'threshold'"):
        delta(v, 2.0)
    with pytest.raises(ValueError, match="'threshold'.*0.0 < threshold"):
        delta(np.ones(3), 0.0)


def test_reference_option_is_checked():
    with pytest.raises(ValueError, match="'reference'.*'snn'"):
        delta(np.ones(3), 0.5, reference="snn")
