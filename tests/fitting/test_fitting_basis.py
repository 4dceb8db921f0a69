"""The fit's discrete GIF (numeric twin) against Brian2's GIF, at float64 precision.

ARCHITECTURE.md: a hand-written numeric twin of a Brian2 model must be held to
the Brian2 trace.  Here the forced-spike voltage used by the fit, the eta and
gamma traces of the basis, and Brian2's own simulation with escape noise must
agree to rounding (exponential Euler is exact for the piecewise-constant input).
"""
from __future__ import annotations

import numpy as np
import pytest

from neurolab_snn.fitting.basis import (exp_filtered_spikes, log_spaced_taus, refractory_mask,
                                        simulate_forced_spikes)
from neurolab_snn.models.gif import GIF
from neurolab_snn.sim import CurrentInput, simulate
from neurolab_snn.units import amp, mV, ms, pA, second, to_si

DT = 1e-4


@pytest.fixture(scope="module")
def brian_run():
    model = GIF(V_reset=-52 * mV, eta_taus=(5 * ms, 80 * ms), eta_amplitudes=(80 * pA, 20 * pA),
                gamma_taus=(8 * ms, 120 * ms), gamma_amplitudes=(6 * mV, 2 * mV))
    rng = np.random.default_rng(5)
    current = 0.33e-9 + 0.12e-9 * rng.standard_normal(15_000)
    rec = simulate(model, 1.5 * second, n=1, I_ext=CurrentInput(current * amp, 0.1 * ms),
                   record=("v", "eta_0", "eta_1", "gamma_0", "gamma_1"), seed=11)
    return model, current, rec


def test_forced_spike_voltage_matches_brian2(brian_run):
    model, current, rec = brian_run
    P = model.parameters
    pop = rec.main
    spikes = np.rint(pop.spike_times / DT).astype(np.int64) + 1   # Brian2 step n -> sample n+1
    assert spikes.size > 10
    taus = [to_si(P["tau_eta_0"]), to_si(P["tau_eta_1"])]
    amps = np.array([to_si(P["a_eta_0"]), to_si(P["a_eta_1"])])
    x = exp_filtered_spikes(spikes, current.size, taus, DT)
    eta = x @ amps
    np.testing.assert_allclose(eta, pop.traces["eta_0"][0] + pop.traces["eta_1"][0],
                               rtol=1e-12, atol=1e-24)
    V = simulate_forced_spikes(current, eta, spikes, to_si(P["E_L"]), DT, to_si(P["C"]),
                               to_si(P["g_L"]), to_si(P["E_L"]), to_si(P["V_reset"]),
                               int(round(to_si(P["t_ref"]) / DT)))
    v_brian = pop.traces["v"][0]
    keep = np.ones(current.size, dtype=bool)
    keep[spikes] = False          # Brian2 records the reset value, the twin the crossing value
    np.testing.assert_allclose(V[keep], v_brian[keep], rtol=1e-12, atol=1e-13)
    # the gamma basis is strictly causal: it equals Brian2's gamma except on the spike sample
    y = exp_filtered_spikes(spikes, current.size, [to_si(P["tau_gamma_0"])], DT, strict=True)
    g = y[:, 0] * to_si(P["a_gamma_0"])
    np.testing.assert_allclose(g[keep], pop.traces["gamma_0"][0][keep], rtol=1e-12, atol=1e-24)


def test_brian2_never_fires_within_t_ref(brian_run):
    model, _, rec = brian_run
    isi = np.diff(rec.spike_times)
    assert isi.min() >= to_si(model.parameters["t_ref"]) - 1e-12


def test_exp_filter_and_masks_against_brute_force():
    spikes = np.array([3, 10, 11, 40])
    taus = (2e-4, 1e-3)
    x = exp_filtered_spikes(spikes, 50, taus, DT)
    t = np.arange(50)
    for k, tau in enumerate(taus):
        brute = sum(np.where(t >= s, np.exp(-(t - s) * DT / tau), 0.0) for s in spikes)
        np.testing.assert_allclose(x[:, k], brute, rtol=1e-12, atol=1e-300)
    mask = refractory_mask(spikes, 50, -2, 3)
    assert np.flatnonzero(mask).tolist() == [1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13,
                                             38, 39, 40, 41, 42]
    assert log_spaced_taus(1e-3, 1.0, 4) == pytest.approx((1e-3, 1e-2, 1e-1, 1.0), rel=1e-12)
    with pytest.raises(ValueError, match="log_spaced_taus"):
        log_spaced_taus(1.0, 1e-3, 3)
