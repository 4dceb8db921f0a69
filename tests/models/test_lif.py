"""LIF: exact integration against the closed form; f-I curve against the analytic rate."""
import numpy as np

from neurolab_snn.analysis import lif_rate, steady_rates
from neurolab_snn.models import LIF
from neurolab_snn.sim import simulate
from neurolab_snn.units import Mohm, mV, ms, nA, nS, second, to_si


def test_exact_integration_matches_closed_form():
    """v(t) = E_L + R I + (v0 - E_L - R I) exp(-t/tau_m), rtol 1e-12 (float64)."""
    model = LIF(V_th=0 * mV)  # no spike: pure membrane relaxation
    currents = np.array([0.05, 0.1, 0.15]) * nA
    rec = simulate(model, 100 * ms, n=3, I_ext=currents, record=("v",), dt=0.1 * ms)
    p = {k: to_si(v) for k, v in model.parameters.items()}
    t = rec.trace_times
    expected = p["E_L"] + p["R_m"] * to_si(currents)[:, None] * (1 - np.exp(-t / p["tau_m"]))
    np.testing.assert_allclose(rec.main.traces["v"], expected, rtol=1e-12, atol=0)


def test_fi_curve_matches_analytic_rate_within_dt_bound():
    """Inter-spike intervals equal the analytic period up to the time-step quantisation.

    Brian2 labels a spike with the start time of the step in which v crosses
    V_th, and integration restarts exactly t_ref after the spike label, so
    each simulated ISI lies in (T - dt, T] for the analytic period T.
    """
    model = LIF()
    dt = 0.1 * ms
    currents = np.linspace(0.21, 1.0, 24) * nA
    rec = simulate(model, 1 * second, n=len(currents), I_ext=currents, record=(), dt=dt)
    f_sim = steady_rates(rec.main.spike_trains(), 0.0, 1.0)
    f_ana = to_si(lif_rate(currents, **{k: model.parameters[k] for k in
                                        ("tau_m", "R_m", "E_L", "V_th", "V_reset", "t_ref")}))
    isi_sim, isi_ana = 1 / f_sim, 1 / f_ana
    assert np.all(isi_sim <= isi_ana + 1e-12)
    assert np.all(isi_sim > isi_ana - to_si(dt) - 1e-12)
    assert np.max(np.abs(f_sim - f_ana) / f_ana) < 0.05


def test_no_firing_below_rheobase():
    """Below (V_th - E_L)/R_m = 0.2 nA the analytic and simulated rates are both zero."""
    model = LIF()
    currents = np.array([0.0, 0.1, 0.19]) * nA
    rec = simulate(model, 300 * ms, n=3, I_ext=currents, record=())
    assert rec.main.spike_counts().tolist() == [0, 0, 0]
    assert np.all(to_si(lif_rate(currents, tau_m=10 * ms, R_m=100 * Mohm, E_L=-70 * mV,
                                 V_th=-50 * mV, V_reset=-70 * mV, t_ref=2 * ms)) == 0)


def test_conductance_based_lif_reversal_potentials():
    """With only excitatory conductance, v relaxes to the conductance-weighted mean of E_L, E_e."""
    model = LIF(synapse="conductance", V_th=100 * mV)
    from neurolab_snn.sim.network import SinglePopulation
    from neurolab_snn.recording import Recording  # noqa: F401

    class Clamp(SinglePopulation):
        def build_network(self, dt):
            built = super().build_network(dt)
            group = built.handles["group"]
            group.g_e = 10 * nS  # decays with tau_e
            return built

    rec = simulate(Clamp(model, record=("v", "g_e")), 30 * ms, dt=0.1 * ms)
    g = rec.main.traces["g_e"][0]
    np.testing.assert_allclose(g, 1e-8 * np.exp(-rec.trace_times / 5e-3), rtol=1e-12)
    assert rec.main.traces["v"][0].max() > -0.070 + 0.005  # depolarised towards E_e = 0 mV
