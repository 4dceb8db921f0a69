"""Model specs: user-defined models, presets, and clear errors for bad input."""
import numpy as np
import pytest

from neurolab_snn.experiment import run_protocol
from neurolab_snn.models import GIF, LIF, NeuronModel, Preset, get_model
from neurolab_snn.models.base import resolve_parameters
from neurolab_snn.sim import simulate
from neurolab_snn.units import Hz, Mohm, mV, ms, nA, to_si

QIF_EQUATIONS = """
dv/dt = ((v - E_L)*(v - V_c)/Delta_V + R_m*I_ext)/tau_m : volt (unless refractory)
I_ext : amp
"""


def make_qif(**overrides):
    """Quadratic integrate-and-fire (Latham et al. 2000), defined only here."""
    values = dict(tau_m=10 * ms, E_L=-65 * mV, V_c=-50 * mV, Delta_V=15 * mV, R_m=100 * Mohm,
                  V_peak=0 * mV, V_reset=-70 * mV, t_ref=1 * ms)
    values.update(overrides)
    return NeuronModel(name="QIF", equations=QIF_EQUATIONS, threshold="v > V_peak",
                       reset="v = V_reset", refractory="t_ref", method="euler",
                       parameters=values, initial_values={"v": "E_L"},
                       reference="Latham et al. (2000) J Neurophysiol 83:808",
                       presets={"fast": Preset("fast", "test preset", {"tau_m": 5 * ms})})


def test_user_model_runs_protocols_and_presets():
    """A model defined only by its equation string gets presets and protocols."""
    qif = make_qif()
    result = run_protocol("fi-curve", model=qif, currents=np.linspace(0, 0.5, 6) * nA,
                          quick=True)
    rates = result.data["steady_rate"]
    assert rates[0] == 0 and rates[-1] > 0
    assert np.all(np.diff(rates[rates > 0]) >= 0)
    fast = qif.with_preset("fast")
    assert fast.parameters["tau_m"] == 5 * ms
    fast_rates = run_protocol("fi-curve", model=fast, currents=np.linspace(0, 0.5, 6) * nA,
                              quick=True).data["steady_rate"]
    assert fast_rates[-1] > rates[-1]  # a faster membrane fires faster


def test_user_model_needs_every_parameter():
    with pytest.raises(ValueError, match=r"equations use \['V_c'\]"):
        NeuronModel(name="QIF", equations=QIF_EQUATIONS, threshold="v > V_peak",
                    reset="v = V_reset", parameters={k: v for k, v in make_qif().parameters.items()
                                                     if k != "V_c"})


def test_malformed_user_equations():
    with pytest.raises(ValueError, match="malformed equations"):
        NeuronModel(name="bad", equations="dv/dt = -v/tau volt", threshold=None,
                    parameters={"tau": 10 * ms})


def test_inconsistent_user_units():
    with pytest.raises(TypeError, match="inconsistent units"):
        NeuronModel(name="bad", equations="dv/dt = -v/tau : volt", threshold=None,
                    parameters={"tau": 10 * mV})


def test_wrong_parameter_unit_names_parameter_and_dimension():
    with pytest.raises(TypeError, match=r"'tau_m'.*dimension V.*expected dimension s"):
        LIF(tau_m=10 * mV)


def test_parameter_without_units():
    with pytest.raises(TypeError, match=r"'V_th'.*without units"):
        LIF(V_th=-50)


def test_unknown_parameter():
    with pytest.raises(ValueError, match="unknown parameter 'tau_x'"):
        LIF(tau_x=3 * ms)


def test_unknown_model_and_preset():
    with pytest.raises(ValueError, match="unknown model 'Izhikevich'"):
        get_model("Izhikevich")
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        get_model("GIF", "nope")


def test_negative_time_constant():
    with pytest.raises(ValueError, match="'tau_m'.*positive"):
        LIF(tau_m=-5 * ms)
    with pytest.raises(ValueError, match=r"gamma_taus\[0\].*> 0"):
        GIF(gamma_taus=(-5 * ms,), gamma_amplitudes=(1 * mV,))


def test_dt_larger_than_a_time_constant():
    with pytest.raises(ValueError, match=r"dt=.*tau_m"):
        simulate(LIF(tau_m=1 * ms), 10 * ms, dt=2 * ms)


def test_nan_parameter():
    with pytest.raises(ValueError, match="'E_L'.*finite"):
        LIF(E_L=float("nan") * mV)


def test_unknown_backend_and_bad_seed():
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        simulate(LIF(), 10 * ms, backend="gpu")
    with pytest.raises(ValueError, match="seed=1.5"):
        simulate(LIF(), 10 * ms, seed=1.5)


def test_duration_without_units_and_bad_current_shape():
    with pytest.raises(TypeError, match="'duration'.*without units"):
        simulate(LIF(), 0.1)
    with pytest.raises(ValueError, match="I_ext has shape"):
        simulate(LIF(), 10 * ms, n=3, I_ext=[1, 2] * nA)


def test_unknown_recorded_variable_and_protocol():
    with pytest.raises(ValueError, match="record='w'"):
        simulate(LIF(), 10 * ms, record=("w",))
    with pytest.raises(ValueError, match="unknown protocol 'iv-curve'"):
        run_protocol("iv-curve")


def test_with_parameters_checks_units():
    with pytest.raises(TypeError, match="LIF.R_m"):
        LIF().with_parameters(R_m=5 * mV)


def test_presets_resolve_with_overrides():
    values = resolve_parameters("LIF", {"a": Preset("a", "ref", {"tau_m": 10 * ms})}, "a",
                                {"tau_m": 20 * ms})
    assert to_si(values["tau_m"]) == pytest.approx(0.02)
    model = LIF("brette2007_cuba")
    assert model.parameters["tau_m"] == 20 * ms and "Brette" in model.reference
    assert model.with_preset("gerstner2014").parameters["tau_m"] == 10 * ms


def test_describe_lists_equations_and_presets():
    text = GIF().describe()
    assert "lambda_esc = lambda_0*exp((v - V_T)/DeltaV)" in text
    assert "pozzorini2015_l5pyr" in text and "mensi2012_fs" in text
    assert float(GIF().parameters["lambda_0"] / Hz) == 1.0
