"""Circuits: objects by name, composition, any model x any synapse, backends, bad input."""
import dataclasses

import numpy as np
import pytest

from neurolab_snn.analysis.plasticity import replay_stdp
from neurolab_snn.circuits import (AllToAll, Circuit, Explicit, FanIn, PoissonSource,
                                   Population, Probability, Projection, SpikeSource,
                                   feedback_inhibition, feedforward_excitation,
                                   feedforward_inhibition, lateral_inhibition)
from neurolab_snn.experiment.circuit_protocols import run_circuit
from neurolab_snn.models import GIF, HH, LIF, AdaptiveLIF, NeuronModel
from neurolab_snn.sim import simulate
from neurolab_snn.synapses import ConductanceSynapse, CurrentSynapse, PairSTDP, TripletSTDP
from neurolab_snn.units import Hz, mV, ms, nA, nS, pA, second


def _source(n=10, seed=0, name="inp"):
    rng = np.random.default_rng(seed)
    times = np.round(rng.uniform(0.001, 0.1, 8 * n), 4)
    idx = rng.integers(0, n, 8 * n)
    keep = np.unique(np.stack([idx, np.round(times / 1e-4)]), axis=1, return_index=True)[1]
    return SpikeSource(name, n, idx[keep], times[keep] * second)


def _ffi_circuit(seed=1):
    src = _source()
    e = Population("E", LIF(), 12, record=("v",), record_indices=[0, 1])
    i = Population("I", LIF(synapse="conductance"), 4)
    return feedforward_inhibition(
        src, e, i, input_to_e=CurrentSynapse.alpha(400 * pA, 2 * ms, delay=1 * ms),
        input_to_i=ConductanceSynapse.excitatory(4 * nS),
        i_to_e=CurrentSynapse(-300 * pA, tau=8 * ms, delay=1 * ms, channel="i"),
        connectivity_input_e=FanIn(5), connectivity_input_i=Probability(0.5), seed=seed)


def test_groups_synapses_monitors_by_name():
    circuit = _ffi_circuit()
    with pytest.raises(RuntimeError, match="not built yet"):
        circuit.groups
    rec = simulate(circuit, 60 * ms, backend="numpy")
    assert set(circuit.groups) == {"inp", "E", "I"}
    assert set(circuit.synapses) == {"inp_to_E", "inp_to_I", "I_to_E"}
    assert {"E_spikes", "I_spikes", "inp_spikes", "E_states"} <= set(circuit.monitors)
    assert len(circuit.synapses["inp_to_E"]) == 5 * 12        # fan-in 5
    assert np.all(np.bincount(circuit.synapses["inp_to_E"].j[:], minlength=12) == 5)
    assert rec["E"].traces["v"].shape[0] == 2
    assert float(circuit.synapses["I_to_E"].delay / ms) == pytest.approx(1.0)
    src_times = np.asarray(circuit.populations["inp"].times / second)
    assert rec["inp"].spike_counts().sum() == np.sum(src_times < 0.06)


def test_same_seed_same_synapses_and_spikes():
    a, b, c = _ffi_circuit(1), _ffi_circuit(1), _ffi_circuit(2)
    ra, rb = simulate(a, 60 * ms, backend="numpy"), simulate(b, 60 * ms, backend="numpy")
    simulate(c, 1 * ms, backend="numpy")
    assert np.array_equal(a.synapses["inp_to_E"].i[:], b.synapses["inp_to_E"].i[:])
    assert not np.array_equal(a.synapses["inp_to_E"].i[:], c.synapses["inp_to_E"].i[:])
    assert np.array_equal(ra["E"].spike_times, rb["E"].spike_times)


MODELS = {"LIF": LIF(), "LIF-cond": LIF(synapse="conductance"), "ALIF": AdaptiveLIF(),
          "ALIF-current": AdaptiveLIF(adaptation="current"), "GIF": GIF(escape=False),
          "HH": HH(), "HH-TM": HH(variant="traub_miles")}
SYNAPSES = {"instantaneous": CurrentSynapse.instantaneous(1 * mV),
            "exponential": CurrentSynapse(100 * pA, channel="ex"),
            "alpha": CurrentSynapse.alpha(100 * pA, channel="al"),
            "conductance": ConductanceSynapse.excitatory(1 * nS),
            "conductance-x": ConductanceSynapse(1 * nS, tau=3 * ms, channel="x")}


@pytest.mark.parametrize("model_name", list(MODELS))
def test_every_library_model_takes_every_synapse_and_stdp(model_name):
    """All synapse kinds, static and plastic, onto one population of each model."""
    model = MODELS[model_name]
    src = PoissonSource("inp", 20, 50 * Hz)
    pop = Population("P", model, 3)
    projs = [Projection("inp", "P", syn, Probability(0.5), name=f"s_{k.replace('-', '_')}",
                        plasticity=PairSTDP.song2000() if k == "exponential" else None)
             for k, syn in SYNAPSES.items()]
    circuit = Circuit([src, pop], projs, seed=3)
    dt = 0.025 * ms if model.name == "HH" else 0.1 * ms
    rec = simulate(circuit, 5 * ms, backend="numpy", dt=dt)
    assert rec["P"].n == 3
    assert set(circuit.synapses) == {f"s_{k.replace('-', '_')}" for k in SYNAPSES}
    w = circuit.synapses["s_exponential"].w_syn[:]
    assert np.all((w >= 0) & (w <= 1))


def test_motifs_compose_through_shared_populations():
    """ff excitation into L1, lateral inhibition within L1, feedback via I."""
    src = PoissonSource("inp", 40, 40 * Hz)
    l1 = Population("L1", LIF(), 20, positions=np.arange(20.0))
    inh = Population("I", LIF(), 5)
    ff = feedforward_excitation([src, l1], CurrentSynapse(150 * pA), FanIn(10),
                                plasticity=PairSTDP.song2000())
    lat = lateral_inhibition(l1, CurrentSynapse(-50 * pA, channel="i"), sigma=2.0)
    fb = feedback_inhibition(l1, inh, e_to_i=CurrentSynapse(200 * pA),
                             i_to_e=CurrentSynapse(-100 * pA, channel="i"))
    circuit = ff + lat + fb
    assert set(circuit.populations) == {"inp", "L1", "I"}
    assert set(circuit.projections) == {"inp_to_L1", "L1_lateral", "L1_to_I", "I_to_L1"}
    simulate(circuit, 10 * ms, backend="numpy")
    lateral = circuit.synapses["L1_lateral"]
    d = np.abs(lateral.i[:] - lateral.j[:])
    np.testing.assert_allclose(np.asarray(lateral.w_syn[:] / pA) / -50.0,
                               np.exp(-d ** 2 / 8.0), rtol=1e-12)


def test_wta_setting_is_all_to_all_without_self():
    pop = Population("W", LIF(), 6)
    c = lateral_inhibition(pop, CurrentSynapse(-1 * nA, channel="i"), winner_take_all=True)
    simulate(c, 1 * ms, backend="numpy")
    assert len(c.synapses["W_lateral"]) == 30
    with pytest.raises(ValueError, match="winner_take_all=True uses global inhibition"):
        lateral_inhibition(pop, CurrentSynapse(-1 * nA), sigma=2.0, winner_take_all=True)


def test_equal_time_constants_switch_exact_to_rk4():
    """tau_syn = tau_m would make Brian2's closed form divide by zero."""
    pop = Population("P", LIF(), 1)
    src = _source(1)
    same = Circuit([src, pop], [Projection("inp", "P", CurrentSynapse(1 * nA, tau=10 * ms))])
    other = Circuit([src, pop], [Projection("inp", "P", CurrentSynapse(1 * nA, tau=5 * ms))])
    assert same.model_of("P").method == "rk4" and other.model_of("P").method == "exact"


# -- bad input ----------------------------------------------------------------------------
def _pops():
    return [_source(), Population("E", LIF(), 5)]


@pytest.mark.parametrize("make, match", [
    (lambda: Circuit(_pops(), [Projection("E", "inp", CurrentSynapse(1 * nA))]),
     "incompatible populations: projection 'E_to_inp' targets SpikeSource 'inp'"),
    (lambda: Circuit(_pops(), [Projection("inp", "X", CurrentSynapse(1 * nA))]),
     "unknown population 'X'"),
    (lambda: Circuit(_pops(), [Projection("inp", "E", CurrentSynapse(1 * nA, tau=2 * ms)),
                               Projection("E", "E", CurrentSynapse(1 * nA, tau=5 * ms))]),
     "incompatible synapses: projections 'inp_to_E' and 'E_to_E' both use channel 'e'"),
    (lambda: Circuit(_pops(), [Projection("inp", "E", ConductanceSynapse(1 * nS, tau=3 * ms))]),
     None),
    (lambda: Circuit([_source(), Population("E", LIF(synapse="conductance"), 5)],
                     [Projection("inp", "E", ConductanceSynapse(1 * nS, tau=3 * ms))]),
     "projection 'inp_to_E' has tau=3.*declares its own g_e with tau_e=5"),
    (lambda: Projection("a", "b"), "expected a synapse spec, a plasticity rule, or both"),
    (lambda: Projection("a", "b", CurrentSynapse(1 * nA), plasticity=PairSTDP(),
                        weight_factor=2.0), "weight_factor applies to static synapses"),
    (lambda: Projection("a", "b", CurrentSynapse(1 * nA), per_synapse={"tau": 1.0}),
     "per_synapse key 'tau'"),
    (lambda: Projection("a", "b", CurrentSynapse(1 * nA), connectivity=0.1),
     "connectivity=0.1; expected a Connectivity rule"),
    (lambda: Population("E", LIF(), 0), "Population 'E'.n=0"),
    (lambda: Population("E-1", LIF(), 3), "population name 'E-1'"),
    (lambda: Population("E", LIF(), 3, I_ext=np.ones(2) * nA), "I_ext has 2 values"),
    (lambda: PoissonSource("p", 3, -1 * Hz), "p.rates.*>= 0"),
    (lambda: Circuit([Population("E", LIF(), 3, record=("q",))]), "has no variable 'q'"),
    (lambda: Circuit(_pops() + [Population("E", LIF(), 3)]), "population name 'E' is used twice"),
])
def test_bad_circuits(make, match):
    if match is None:   # a valid case among the invalid ones: adds a g_syn_e channel
        assert make().model_of("E").method == "rk4"
        return
    with pytest.raises((TypeError, ValueError), match=match):
        make()


def test_stdp_on_a_model_without_spikes_is_refused():
    silent = NeuronModel("Passive", "dv/dt = (E_L - v)/tau_m : volt\nI_syn : amp\n", None,
                         parameters={"E_L": -70 * mV, "tau_m": 10 * ms})
    pops = [_source(), Population("P", silent, 3)]
    with pytest.raises(ValueError, match="TripletSTDP needs postsynaptic spikes, but population "
                                         "'P' \\(model 'Passive'\\) has no threshold"):
        Circuit(pops, [Projection("inp", "P", CurrentSynapse(1 * nA),
                                  plasticity=TripletSTDP.visual_cortex())])
    no_input = NeuronModel("NoInput", "dv/dt = (E_L - v)/tau_m : volt\n", "v > E_L + 20*mV",
                           parameters={"E_L": -70 * mV, "tau_m": 10 * ms})
    with pytest.raises(ValueError, match="has neither 'I_syn : amp' nor 'I_ext : amp'"):
        Circuit([_source(), Population("P", no_input, 3)],
                [Projection("inp", "P", CurrentSynapse(1 * nA))])


def test_compose_rejects_incompatible_populations():
    a = feedforward_excitation([_source(), Population("L", LIF(), 5)], CurrentSynapse(1 * nA),
                               AllToAll())
    b = lateral_inhibition(Population("L", LIF(), 6), CurrentSynapse(-1 * nA, channel="i"))
    with pytest.raises(ValueError, match="incompatible populations: 'L' is a Population of 5 "
                                         "neurons in one circuit and a Population of 6"):
        a + b
    c = lateral_inhibition(Population("L", dataclasses.replace(LIF()), 5),
                           CurrentSynapse(-1 * nA, channel="i"))
    assert set((a + c).projections) == {"inp_to_L", "L_lateral"}


def test_bad_runtime_values():
    pops = _pops()
    with pytest.raises(ValueError, match="w_init outside"):
        simulate(Circuit(pops, [Projection("inp", "E", CurrentSynapse(1 * nA),
                                           Explicit(np.array([0]), np.array([0])),
                                           plasticity=PairSTDP(), w_init=2.0)]), 1 * ms,
                 backend="numpy")
    with pytest.raises(TypeError, match="per_synapse\\['delay'\\]"):
        simulate(Circuit(pops, [Projection("inp", "E", CurrentSynapse(1 * nA),
                                           per_synapse={"delay": lambda i, j: np.ones(len(i))})]),
                 1 * ms, backend="numpy")


@pytest.mark.standalone
@pytest.mark.slow
def test_identical_spikes_and_weights_on_runtime_numpy_and_cpp_standalone():
    """Deterministic input: the same spikes, v (1e-12) and STDP weights on every backend.

    The plastic input projection also matches the numpy twin of the rule
    replayed on the recorded pre/post spike trains (1e-12): STDP inside a
    running network, not only under imposed spikes.
    """
    src = _source(8, seed=4)
    e = Population("E", LIF(), 10, record=("v",), record_indices=[0])
    rule = PairSTDP.song2000(A_plus=0.05)
    circuit = feedforward_excitation([src, e], CurrentSynapse(500 * pA, tau=2 * ms), FanIn(4),
                                     plasticity=rule, seed=2) + lateral_inhibition(
        e, CurrentSynapse(-200 * pA, tau=5 * ms, channel="i", delay=1 * ms))
    recs, weights = {}, {}
    for b in ("numpy", "runtime", "cpp_standalone"):
        rec, w = run_circuit(circuit, 100 * ms, backend=b, seed=0,
                             readout=lambda c: (np.asarray(c.synapses["inp_to_E"].w_syn[:]),
                                                np.asarray(c.synapses["inp_to_E"].i[:]),
                                                np.asarray(c.synapses["inp_to_E"].j[:])))
        recs[b], weights[b] = rec, w
    ref = recs["numpy"]["E"]
    assert len(ref.spike_times) > 10
    for b in ("runtime", "cpp_standalone"):
        assert np.array_equal(recs[b]["E"].spike_indices, ref.spike_indices), b
        assert np.array_equal(recs[b]["E"].spike_times, ref.spike_times), b
        np.testing.assert_allclose(recs[b]["E"].traces["v"], ref.traces["v"], rtol=1e-12)
        np.testing.assert_allclose(weights[b][0], weights["numpy"][0], rtol=1e-12)
    w, i, j = weights["numpy"]
    pre_trains, post_trains = recs["numpy"]["inp"].spike_trains(), ref.spike_trains()
    twin = [replay_stdp(rule, pre_trains[a], post_trains[b], 0.5) for a, b in zip(i, j)]
    np.testing.assert_allclose(w, twin, rtol=1e-12)
    assert np.any(np.abs(w - 0.5) > 0.01)


def test_recorded_weights_and_add():
    """A projection's recorded w_syn follows the final value; Circuit.add appends specs."""
    base = Circuit([_source(4, seed=1), Population("E", LIF(), 3)])
    circuit = base.add(Projection("inp", "E", CurrentSynapse(300 * pA), AllToAll(),
                                  plasticity=PairSTDP.song2000(A_plus=0.05), w_init=0.5,
                                  record=("w_syn",), record_dt=1 * ms))
    assert set(base.projections) == set() and set(circuit.projections) == {"inp_to_E"}
    simulate(circuit, 100 * ms, backend="numpy")
    mon = circuit.monitors["inp_to_E_states"]
    assert mon.w_syn.shape == (12, 100)
    np.testing.assert_allclose(mon.w_syn[:, 0], 0.5)
    assert circuit.size("E") == 3 and circuit.describe()["projections"]["inp_to_E"]["plasticity"]


def test_parts_are_index_ranges_of_one_group():
    """Projections between parts use the whole group with offset indices."""
    pop = Population("P", LIF(), 10, parts={"E": (0, 8), "I": (8, 10)})
    c = Circuit([pop], [Projection("I", "E", CurrentSynapse(-1 * nA, channel="i"), AllToAll()),
                        Projection("E", "I", CurrentSynapse(1 * nA), FanIn(3))])
    simulate(c, 1 * ms, backend="numpy")
    s = c.synapses["I_to_E"]
    assert set(np.unique(s.i[:])) == {8, 9} and set(np.unique(s.j[:])) == set(range(8))
    assert np.all(c.synapses["E_to_I"].j[:] >= 8) and len(c.synapses["E_to_I"]) == 6
    assert c.size("E") == 8 and c.groups["I"].stop == 10
    with pytest.raises(ValueError, match=r"part 'X'=\(5, 12\); expected 0 <= start < stop <= 10"):
        Population("P", LIF(), 10, parts={"X": (5, 12)})


def test_time_varying_inputs():
    """PoissonSource rates per window; per-neuron and common current stimuli."""
    rates = np.array([[0.0, 2000.0], [2000.0, 0.0]]) * Hz          # (windows, neurons)
    src = PoissonSource("noise", 2, rates, rate_dt=50 * ms)
    cur = np.array([[0.0, 0.5], [0.5, 0.0]]) * nA                   # per neuron
    a = Population("A", LIF(), 2, stimulus=(cur, 50 * ms))
    b = Population("B", LIF(), 2, stimulus=(np.array([0.0, 0.5]) * nA, 50 * ms))
    c = Circuit([src, a, b])
    rec = simulate(c, 100 * ms, backend="numpy")
    counts = [np.bincount(rec["noise"].spike_indices[sel], minlength=2) for sel in
              (rec["noise"].spike_times < 0.05, rec["noise"].spike_times >= 0.05)]
    assert counts[0][0] == 0 and counts[1][1] == 0 and counts[0][1] > 50 and counts[1][0] > 50
    ta, ia = rec["A"].spike_times, rec["A"].spike_indices
    assert np.all(ta[ia == 0] >= 0.05) and np.all(ta[ia == 1] < 0.05) and len(ta) > 4
    assert "I_ext : amp (shared)" in c.model_of("B").equations
    assert "(shared)" not in c.model_of("A").equations
    assert np.all(rec["B"].spike_times >= 0.05) and len(rec["B"].spike_times) > 4
    handles = c.build_network(0.1 * ms).handles   # names for StandaloneSimulation.run
    assert {"A_stimulus", "B_stimulus", "noise_rates", "A", "noise"} <= set(handles)
    with pytest.raises(ValueError, match="give I_ext or stimulus, not both"):
        Population("C", LIF(), 2, I_ext=1 * nA, stimulus=(cur, 50 * ms))
