"""A zero refractory period builds the model without Brian2's refractoriness - same traces.

With refractoriness (even ``t_ref = 0``) Brian2 drops synaptic input that
arrives in a neuron's spike step; without it the input is added and then
overwritten by the reset ``v = V_reset``.  Both versions are driven by a
constant current plus input spikes on most steps (so input often arrives in
spike steps), and every trace is compared.
"""
import dataclasses

import numpy as np
import pytest
from brian2 import Network, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses

from neurolab_snn.models import GIF, LIF, AdaptiveLIF
from neurolab_snn.sim.devices import scoped_prefs
from neurolab_snn.units import mV, ms, nA

# model factory and the constant current (A) that makes it fire
MODELS = {
    "LIF": (LIF, {}, 0.3),
    "LIF_conductance": (LIF, {"synapse": "conductance"}, 0.3),
    "AdaptiveLIF": (AdaptiveLIF, {}, 0.3),
    "AdaptiveLIF_current": (AdaptiveLIF, {"adaptation": "current"}, 0.3),
    "GIF": (GIF, {"escape": False}, 0.4),
}


def _run(model, current):
    rng = np.random.default_rng(4)
    n_in, steps = 40, 1000
    events = np.unique(rng.integers(0, n_in * steps, 3000))    # (input, step), no duplicates
    idx, times = events // steps, events % steps
    with scoped_prefs(codegen__target="numpy"):
        group = model.build_group(10, dt=0.1 * ms)
        group.I_ext = np.linspace(0.8, 1.6, 10) * current * nA
        src = SpikeGeneratorGroup(n_in, idx, times * 0.1 * ms, dt=0.1 * ms)
        syn = Synapses(src, group, on_pre="v_post += 2*mV", namespace={"mV": mV}, dt=0.1 * ms)
        pre, post = np.nonzero(rng.random((n_in, 10)) < 0.5)
        syn.connect(i=pre, j=post)
        state, spikes = StateMonitor(group, "v", record=True), SpikeMonitor(group)
        Network(group, src, syn, state, spikes).run(100 * ms, namespace={})
        return state.v_[:], spikes.i[:], spikes.t_[:]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_zero_refractory_period_changes_nothing(name):
    factory, options, current = MODELS[name]
    model = factory(t_ref=0 * ms, **options)
    assert model.refractory is None and "t_ref" not in model.parameters
    kept = factory(t_ref=1 * ms, **options)           # Brian2's refractoriness, t_ref = 0
    kept = dataclasses.replace(kept, parameters={**kept.parameters, "t_ref": 0 * ms})
    assert kept.refractory == "t_ref" and "(unless refractory)" in kept.equations
    v, i, t = _run(model, current)
    v_kept, i_kept, t_kept = _run(kept, current)
    assert len(i) > 30, "the test needs spikes"
    np.testing.assert_array_equal(i, i_kept)
    np.testing.assert_array_equal(t, t_kept)
    np.testing.assert_allclose(v, v_kept, rtol=1e-12, atol=0)


def test_positive_refractory_period_kept_and_negative_rejected():
    assert LIF(t_ref=2 * ms).refractory == "t_ref"
    assert GIF(t_ref=2 * ms).parameters["t_ref"] == 2 * ms
    for factory in (LIF, AdaptiveLIF, GIF):
        with pytest.raises(ValueError, match="t_ref"):
            factory(t_ref=-1 * ms)
