"""AdaptiveLIF: analytic threshold relaxation after a spike; adaptation over a step."""
import numpy as np
import pytest

from neurolab_snn.analysis import adaptation_index
from neurolab_snn.models import LIF, AdaptiveLIF
from neurolab_snn.sim import CurrentInput, simulate
from neurolab_snn.stimuli import step_current
from neurolab_snn.units import ms, nA, to_si


def test_threshold_relaxes_along_the_analytic_exponential():
    """After one spike theta(t) = Delta_th exp(-(t - t_s)/tau_a) (exact integration, rtol 1e-12).

    Brian2 resets at the end of the step labelled t_s, so the first recorded
    post-spike value is at t_s + dt and equals Delta_th exactly.
    """
    model = AdaptiveLIF()
    dt = 0.1 * ms
    pulse = step_current([2.0] * nA, 300 * ms, dt, 5 * ms, 8 * ms)  # one brief suprathreshold pulse
    rec = simulate(model, 300 * ms, I_ext=CurrentInput(pulse, dt), record=("theta",), dt=dt)
    assert rec.main.spike_counts()[0] == 1
    t_s = rec.main.spike_times[0]
    t = rec.trace_times
    after = t >= t_s + to_si(dt) - 1e-12
    expected = to_si(model.parameters["Delta_th"]) * np.exp(
        -(t[after] - t_s - to_si(dt)) / to_si(model.parameters["tau_a"]))
    np.testing.assert_allclose(rec.main.traces["theta"][0, after], expected, rtol=1e-12)
    assert np.all(rec.main.traces["theta"][0, ~after] == 0)


@pytest.mark.parametrize("adaptation", ["threshold", "current"])
def test_rate_falls_over_a_step(adaptation):
    """ISIs lengthen during a 300 ms step: adaptation index > 0.01, vs < 1e-12 for the LIF."""
    model = AdaptiveLIF(adaptation=adaptation)
    plain = LIF(**{k: model.parameters[k] for k in ("tau_m", "R_m", "E_L", "V_th", "V_reset",
                                                      "t_ref")})
    trains = simulate(model, 300 * ms, I_ext=0.3 * nA, record=()).main.spike_trains()
    isi = np.diff(trains[0])
    assert isi.size > 5
    assert isi[-1] > 1.5 * isi[0]
    assert adaptation_index(trains)[0] > 0.01
    lif_trains = simulate(plain, 300 * ms, I_ext=0.3 * nA, record=()).main.spike_trains()
    assert abs(adaptation_index(lif_trains)[0]) < 1e-12


def test_unknown_adaptation_rejected():
    with pytest.raises(ValueError, match="adaptation='voltage'"):
        AdaptiveLIF(adaptation="voltage")
