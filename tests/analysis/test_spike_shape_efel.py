"""eFEL's features against the package's own on Hodgkin-Huxley step responses (Brian2).

Spike times, counts, latency and ISIs are the same samples in both (peak of each
excursion above -20 mV), so they agree to rounding; the AP threshold is the first
sample where dV/dt exceeds 10 V/s in both, with different difference formulas (central
in numpy.gradient, eFEL's own), so they agree to within one sample's voltage change.
"""
from __future__ import annotations

import numpy as np
import pytest

from neurolab_snn.analysis.single_neuron import action_potential_features
from neurolab_snn.analysis.spike_shape import _efel_settings, spike_shape_features
from neurolab_snn.analysis.steps import analyze_steps
from neurolab_snn.models import HH
from neurolab_snn.sim import simulate
from neurolab_snn.units import amp, ms, nA, volt

pytest.importorskip("efel")

DT_MS, ON_MS, OFF_MS = 0.01, 20.0, 120.0


@pytest.fixture(scope="module")
def hh_steps():
    """Three constant currents from t = 0, with 20 ms of the initial (resting) state put
    before them: the sweeps of a step protocol whose step starts at 20 ms.  (A constant
    I_ext compiles once for every protocol; a TimedArray step recompiles per shape.)"""
    dt = DT_MS * ms
    rec = simulate(HH(), (OFF_MS - ON_MS) * ms, n=3, I_ext=[1.0, 2.5, 4.0] * nA, dt=dt,
                   backend="runtime", seed=0)
    n_pre = int(round(ON_MS / DT_MS))
    v = np.concatenate((np.repeat(rec.main.traces["v"][:, :1], n_pre, axis=1),
                        rec.main.traces["v"]), axis=1)
    t = np.arange(v.shape[1]) * DT_MS * 1e-3
    current = np.zeros(v.shape)
    current[:, n_pre:] = np.array([1.0, 2.5, 4.0])[:, None] * 1e-9
    return t, v, current * amp


def _efel(t, v, names):
    trace = {"T": t * 1e3, "V": v * 1e3, "stim_start": [ON_MS], "stim_end": [OFF_MS]}
    with _efel_settings(interp_step=DT_MS, strict_stiminterval=True) as efel:
        return efel.get_feature_values([trace], names, raise_warnings=False)[0]


def test_efel_timing_features_equal_own(hh_steps):
    t, v, current = hh_steps
    analysis = analyze_steps(v * volt, current, DT_MS * ms)
    assert [s.n_spikes for s in analysis.sweeps] == [1, 8, 9]
    for k, s in enumerate(analysis.sweeps):
        ref = _efel(t, v[k], ["peak_time", "Spikecount", "time_to_first_spike", "all_ISI_values"])
        assert int(ref["Spikecount"][0]) == s.n_spikes
        np.testing.assert_allclose(ref["peak_time"] * 1e-3, s.spike_times, rtol=0, atol=1e-12)
        assert ref["time_to_first_spike"][0] * 1e-3 == pytest.approx(s.first_spike_latency,
                                                                    abs=1e-12)
        if s.n_spikes > 1:
            np.testing.assert_allclose(ref["all_ISI_values"] * 1e-3, np.diff(s.spike_times),
                                       rtol=0, atol=1e-12)


def test_efel_threshold_and_peak_equal_own(hh_steps):
    t, v, current = hh_steps
    on = t >= ON_MS * 1e-3
    threshold, peak, _ = action_potential_features(v[0][on], t[on])     # the 1 nA sweep
    ref = _efel(t, v[0], ["AP_begin_voltage", "peak_voltage"])
    max_step = np.max(np.abs(np.diff(v[0][on][v[0][on] < threshold + 5e-3])))
    assert ref["AP_begin_voltage"][0] * 1e-3 == pytest.approx(threshold, abs=max_step)
    assert ref["peak_voltage"][0] * 1e-3 == pytest.approx(peak, abs=1e-9)
    values, notes, units = spike_shape_features(v[0], DT_MS * 1e-3, ON_MS * 1e-3, OFF_MS * 1e-3)
    assert notes == [] and units["ap_half_width"] == "s"
    assert values["ap_amplitude"] == pytest.approx(values["ap_peak"] - values["ap_threshold"],
                                                   abs=1e-6)
    assert 0.5e-3 < values["ap_half_width"] < 3e-3               # HH 1952 at 6.3 C: ~1.3 ms
