"""Single-neuron protocols: vectorised sweeps and their numbers."""
import numpy as np
import pytest

from neurolab_snn.experiment import run_protocol
from neurolab_snn.units import nA, second


def test_fi_curve_is_one_group_with_one_neuron_per_level():
    res = run_protocol("fi-curve", model="LIF", currents=np.linspace(0, 1, 21) * nA, quick=True)
    assert res.recording.main.n == 21 and len(res.recording.populations) == 1
    assert res.numbers["rheobase_nA"] == pytest.approx(0.25)  # first level above 0.2 nA
    rates = res.data["steady_rate"]
    assert np.all(np.diff(rates) >= 0)


def test_step_response_latency_and_adaptation():
    res = run_protocol("step-response", model="AdaptiveLIF", amplitudes=[0.05, 0.3] * nA,
                       quick=True)
    assert res.numbers["spike_counts"][0] == 0 and res.numbers["spike_counts"][1] > 3
    assert res.numbers["first_spike_latency_ms"][0] is None
    assert 0 < res.numbers["first_spike_latency_ms"][1] < 50
    assert res.numbers["adaptation_index"][1] > 0
    v = res.data["v"]
    assert v.shape[0] == 2 and v.shape[1] == res.data["t"].size


def test_frozen_noise_is_frozen_and_seeded():
    a = run_protocol("frozen-noise", model="GIF", duration=1 * second, repetitions=4, seed=2)
    b = run_protocol("frozen-noise", model="GIF", duration=1 * second, repetitions=4, seed=2)
    c = run_protocol("frozen-noise", model="GIF", duration=1 * second, repetitions=4, seed=3)
    np.testing.assert_array_equal(a.data["I"], b.data["I"])
    assert a.data["spike_times"] == b.data["spike_times"]
    assert not np.array_equal(a.data["I"], c.data["I"])
    # OU statistics of the injected current: mean and sd within 15 % over 1 s at tau 3 ms
    assert a.numbers["current_mean_pA"] == pytest.approx(0.3 * 800, rel=0.15)
    assert a.numbers["current_sd_pA"] == pytest.approx(0.25 * 800, rel=0.15)
