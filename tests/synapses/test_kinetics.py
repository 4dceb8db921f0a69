"""Static synapse specs: validation, and the simulated currents/PSPs against closed forms."""
import numpy as np
import pytest

from neurolab_snn.circuits import Circuit, OneToOne, Population, Projection, SpikeSource
from neurolab_snn.models import LIF
from neurolab_snn.sim import simulate
from neurolab_snn.synapses import ConductanceSynapse, CurrentSynapse
from neurolab_snn.units import mV, ms, nA, nS, pA, second, to_si

T0 = 2e-3  # presynaptic spike time (s)
DT = 1e-4
# Brian2 applies the synaptic event at the end of the spike's time step (after the state
# update), and StateMonitor samples at the start of a step: the kernel starts at T0 + dt.
ONSET = T0 + DT


def _single_spike(synapse, record, *, model=None, duration=40 * ms, dt=0.1 * ms):
    """One presynaptic spike at T0 onto one neuron (threshold out of reach)."""
    model = model or LIF(V_th=100 * mV)
    src = SpikeSource("pre", 1, np.array([0]), np.array([T0]) * second)
    post = Population("post", model, 1, record=record)
    circuit = Circuit([src, post], [Projection("pre", "post", synapse, OneToOne())])
    rec = simulate(circuit, duration, backend="numpy", dt=dt)
    return circuit, rec.trace_times, rec["post"]


def test_exponential_current_and_psp_match_closed_form():
    """I = w exp(-t/tau_s);  v = E_L + w R tau_s/(tau_m - tau_s) (e^(-t/tau_m) - e^(-t/tau_s)).

    Linear equations, exact integration: float64 agreement (rtol 1e-9).
    """
    w, tau_s = 0.5 * nA, 3 * ms
    circuit, t, post = _single_spike(CurrentSynapse(w, tau=tau_s), ("I_syn_e", "v"))
    assert circuit.model_of("post").method == "exact"
    s = t - ONSET
    p = {k: to_si(v) for k, v in circuit.model_of("post").parameters.items()}
    i_exp = np.where(s >= 0, to_si(w) * np.exp(-np.clip(s, 0, None) / to_si(tau_s)), 0.0)
    np.testing.assert_allclose(post.traces["I_syn_e"][0], i_exp, rtol=1e-9, atol=1e-22)
    ts, tm = to_si(tau_s), p["tau_m"]
    v_exp = p["E_L"] + np.where(s >= 0, to_si(w) * p["R_m"] * ts / (tm - ts)
                                * (np.exp(-np.clip(s, 0, None) / tm)
                                   - np.exp(-np.clip(s, 0, None) / ts)), 0.0)
    np.testing.assert_allclose(post.traces["v"][0], v_exp, rtol=1e-9, atol=1e-15)


def test_alpha_current_peaks_at_weight_after_tau():
    """I(t) = w (t/tau) exp(1 - t/tau): peak w at t = tau (rtol 1e-9)."""
    w, tau_s = 200 * pA, 2 * ms
    _, t, post = _single_spike(CurrentSynapse.alpha(w, tau_s), ("I_syn_e",))
    s = np.clip(t - ONSET, 0, None)
    expected = to_si(w) * s / to_si(tau_s) * np.exp(1 - s / to_si(tau_s))
    np.testing.assert_allclose(post.traces["I_syn_e"][0], expected, rtol=1e-9, atol=1e-22)
    k = np.argmax(post.traces["I_syn_e"][0])
    assert t[k] - ONSET == pytest.approx(to_si(tau_s), abs=1e-12)
    assert post.traces["I_syn_e"][0][k] == pytest.approx(to_si(w), rel=1e-12)


def test_instantaneous_synapse_jumps_v_by_weight():
    """A delta current moves v by exactly w at the arrival step."""
    _, t, post = _single_spike(CurrentSynapse.instantaneous(2 * mV), ("v",), duration=5 * ms)
    v = post.traces["v"][0]
    k = int(round(ONSET / DT))
    assert v[k] - v[k - 1] == pytest.approx(2e-3, rel=1e-9)  # v was at rest before


def test_conductance_decays_exponentially_and_uses_rk4():
    """g(t) = w exp(-t/tau) (RK4 on a linear decay: relative error < 1e-7 at dt/tau = 0.02)."""
    w, tau_s = 2 * nS, 5 * ms
    circuit, t, post = _single_spike(ConductanceSynapse(w, tau=tau_s, E_rev=0 * mV, channel="x"),
                                     ("g_syn_x",))
    assert circuit.model_of("post").method == "rk4"
    s = t - ONSET
    expected = np.where(s > -1e-12, to_si(w) * np.exp(-np.clip(s, 0, None) / to_si(tau_s)), 0.0)
    after = s > -1e-12
    np.testing.assert_allclose(post.traces["g_syn_x"][0][after], expected[after], rtol=1e-7)
    assert np.all(post.traces["g_syn_x"][0][~after] == 0)


def test_delay_shifts_the_onset():
    """With delay d the current starts d after the presynaptic spike."""
    _, t, post = _single_spike(CurrentSynapse(1 * nA, tau=2 * ms, delay=3 * ms), ("I_syn_e",),
                               duration=10 * ms)
    onset = t[np.argmax(post.traces["I_syn_e"][0] > 0)]
    assert onset == pytest.approx(ONSET + 3e-3, abs=1e-9)


def test_native_conductance_of_the_conductance_lif_is_used():
    """ConductanceSynapse channel 'e' onto LIF(synapse='conductance') increments its own g_e."""
    model = LIF(synapse="conductance", V_th=100 * mV)
    circuit, t, post = _single_spike(ConductanceSynapse.excitatory(3 * nS), ("g_e",), model=model)
    derived = circuit.model_of("post").equations
    assert "g_syn" not in derived and "I_syn" not in derived   # nothing added
    assert derived.replace("I_ext : amp (shared)", "I_ext : amp") == model.equations
    assert post.traces["g_e"][0].max() == pytest.approx(3e-9, rel=1e-12)


def test_cuba_preset_values():
    """Brette et al. (2007): 1.62 mV and -9 mV over R_m = 100 MOhm."""
    exc, inh = CurrentSynapse.brette2007_cuba(), CurrentSynapse.brette2007_cuba("inhibitory")
    assert to_si(exc.weight) == pytest.approx(16.2e-12, rel=1e-12)
    assert to_si(inh.weight) == pytest.approx(-90e-12, rel=1e-12)
    assert to_si(exc.tau) == pytest.approx(5e-3) and to_si(inh.tau) == pytest.approx(10e-3)


@pytest.mark.parametrize("make, match", [
    (lambda: CurrentSynapse(1 * nA, delay=-1 * ms), "CurrentSynapse.delay.*>= 0"),
    (lambda: CurrentSynapse(1 * nS), "CurrentSynapse.weight.*dimension"),
    (lambda: CurrentSynapse(1 * mV), "CurrentSynapse.weight"),
    (lambda: CurrentSynapse(1 * nA, kind="beta"), "kind='beta'.*expected one of"),
    (lambda: CurrentSynapse(1 * nA, tau=0 * ms), "CurrentSynapse.tau.*> 0"),
    (lambda: CurrentSynapse(1 * nA, channel="e-1"), "channel='e-1'"),
    (lambda: ConductanceSynapse(-1 * nS), "ConductanceSynapse.weight.*>= 0"),
    (lambda: ConductanceSynapse(1 * nS, delay=-0.1 * ms), "ConductanceSynapse.delay"),
    (lambda: ConductanceSynapse(1 * nS, E_rev=0 * nA), "E_rev"),
    (lambda: CurrentSynapse.brette2007_cuba("other"), "kind='other'"),
])
def test_bad_synapse_specs(make, match):
    with pytest.raises((TypeError, ValueError), match=match):
        make()
