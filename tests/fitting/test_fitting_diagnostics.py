"""Fit diagnostics: each check at its threshold, an injected depolarisation block, a clean fit."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from neurolab_snn.fitting.basis import FitTrace
from neurolab_snn.fitting.diagnostics import (check_bits_per_spike, check_depolarisation_block,
                                              check_electrode_kernel, check_predicted_rate,
                                              check_soft_threshold, check_threshold_below_rest,
                                              spike_events)
from neurolab_snn.fitting.spikes import detect_spike_indices

DT = 1e-4


def test_scalar_checks_trip_at_their_thresholds():
    below = check_threshold_below_rest(-0.050, -0.045)
    assert below.tripped and below.value == pytest.approx(-5.0, rel=1e-12) and below.unit == "mV"
    assert not check_threshold_below_rest(-0.050, -0.0505).tripped
    assert check_soft_threshold(10.5e-3).tripped and not check_soft_threshold(9.5e-3).tripped
    assert check_soft_threshold(10.5e-3).value == pytest.approx(10.5, rel=1e-12)
    assert check_bits_per_spike(1.9).tripped and not check_bits_per_spike(2.1).tripped
    fast = check_predicted_rate(13.1, 10.0)
    assert fast.tripped and fast.value == pytest.approx(31.0, rel=1e-12)
    assert check_predicted_rate(6.9, 10.0).tripped          # 31 % too slow trips as well
    assert not check_predicted_rate(12.9, 10.0).tripped
    missing = check_predicted_rate(None, None)
    assert missing.value is None and not missing.tripped
    assert "not evaluated" in missing.line()
    assert check_soft_threshold(20e-3).line().startswith("WARNING diagnostic soft_threshold: "
                                                          "DeltaV = 20 mV (trips at > 10 mV)")


@pytest.mark.parametrize("tau, tripped", [(0.5e-3, False), (5e-3, True)])
def test_electrode_kernel_share_is_the_geometric_tail(tau, tripped):
    n = 70                                         # 7 ms at 0.1 ms
    q = np.exp(-DT / tau)
    kernel = 2e10 * q ** np.arange(n)
    check = check_electrode_kernel(kernel)
    # sum_{k >= n/2} q^k / sum_{k < n} q^k = (q^35 - q^70) / (1 - q^70)
    assert check.value == pytest.approx((q ** 35 - q ** 70) / (1 - q ** 70), rel=1e-12)
    assert check.tripped is tripped
    assert check_electrode_kernel(None).value is None


def _spiking_trace(amplitudes, currents, gap=500, onset=-0.055):
    """Flat -55 mV with one-sample spikes of the given amplitudes every *gap* samples; the
    current is constant between spikes at the value given for the next spike."""
    n = gap * (len(amplitudes) + 1)
    v, i = np.full(n, onset), np.zeros(n)
    spikes = gap * (1 + np.arange(len(amplitudes)))
    for k, (s, a, c) in enumerate(zip(spikes, amplitudes, currents)):
        v[s + 1] = onset + a
        i[s + 1 - gap:s + 1] = c
    return v, i, spikes


def test_spike_events_amplitudes_and_currents():
    amps = np.array([0.08, 0.07, 0.03, 0.06])
    cur = np.array([1e-10, 2e-10, 3e-10, 4e-10])
    v, i, spikes = _spiking_trace(amps, cur)
    found, currents = spike_events(v, i, DT)
    np.testing.assert_allclose(found, amps, rtol=1e-12)       # peak - V at the upstroke
    np.testing.assert_allclose(currents, cur, rtol=1e-12)     # mean I over the 20 ms before


def test_depolarisation_block_from_shrinking_spikes():
    rng = np.random.default_rng(0)
    cur = np.sort(rng.uniform(1e-10, 5e-10, 90))
    healthy = 0.08 + 1e-3 * rng.standard_normal(90)
    v, i, _ = _spiking_trace(healthy, cur)
    trace = FitTrace(v=v, i=i, dt=DT, spikes=np.zeros(0, int), start=0, stop=v.size, source="x")
    clean = check_depolarisation_block([trace])
    assert not clean.tripped and clean.value == pytest.approx(1.0, abs=0.03)
    shrunk = healthy * np.where(np.arange(90) >= 60, 0.5, 1.0)    # top third at half height
    v, i, _ = _spiking_trace(shrunk, cur)
    block = check_depolarisation_block([dataclasses.replace(trace, v=v, i=i)])
    assert block.tripped and block.value == pytest.approx(0.5, abs=0.03)
    few = check_depolarisation_block([dataclasses.replace(trace, stop=20 * 500)])
    assert few.value is None and not few.tripped


def _inject_block(sweep, dt):
    """Spikes shrink with the current before them: full height up to the 60th percentile of
    the spikes' currents, then linearly down to a fifth at the strongest (failing below 0 mV)."""
    v = sweep.v.copy()
    spikes = detect_spike_indices(v, dt)
    spikes = spikes[spikes > 200]
    csum = np.concatenate(([0.0], np.cumsum(sweep.i)))
    current = (csum[spikes] - csum[spikes - 200]) / 200
    rank = np.argsort(np.argsort(current)) / max(spikes.size - 1, 1)
    factor = np.clip(1 - 0.8 * (rank - 0.6) / 0.4, 0.2, 1.0)
    v[spikes] = v[spikes - 1] + factor * (v[spikes] - v[spikes - 1])
    return dataclasses.replace(sweep, v=v, nan_segments=())


def test_injected_block_trips_the_diagnostic(synthetic_l5):
    """Synthetic GIF data whose spikes shrink and fail at strong current trip
    depolarisation_block; the fit still completes."""
    from neurolab_snn.fitting import GIFFitSettings, fit_gif
    from neurolab_snn.units import second

    rec = synthetic_l5
    sweeps = [_inject_block(s, s.dt) for s in rec.sweeps[:3]]
    fit = fit_gif(rec.calibration, sweeps, train_window=(0 * second, 8 * second),
                  settings=GIFFitSettings(t_ref=rec.model.parameters["t_ref"]), evaluate=False)
    block = {d.name: d for d in fit.diagnostics}["depolarisation_block"]
    assert block.tripped and block.value < 0.7
    assert "depolarisation_block" in [d.name for d in fit.warnings]
    assert fit.summary()["diagnostics"][3]["tripped"] is True


def test_clean_synthetic_fit_trips_nothing(evaluated_fit):
    """The fit of clean synthetic GIF data (with electrode and a test prediction) trips no
    diagnostic, and every check is evaluated."""
    values = {d.name: d.value for d in evaluated_fit.diagnostics}
    assert len(values) == 6 and all(v is not None for v in values.values()), values
    assert evaluated_fit.warnings == (), [d.line() for d in evaluated_fit.warnings]
    assert values["depolarisation_block"] > 0.9
    assert abs(values["predicted_rate"]) < 30
