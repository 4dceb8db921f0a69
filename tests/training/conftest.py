"""Shared fixtures of the training tests: models that exist only here (QIF, EIF), small nets."""
import numpy as np
import pytest

from neurolab_snn.models import NeuronModel
from neurolab_snn.units import Mohm, mV, ms


def qif_model(t_ref=0 * ms) -> NeuronModel:
    """Quadratic integrate-and-fire (Latham et al. 2000), forward Euler; only in the tests."""
    return NeuronModel(
        name="QIF",
        equations="dv/dt = ((v - E_L)*(v - V_c)/Delta_c + R_m*I_syn)/tau_m : volt "
                  "(unless refractory)\nI_syn : amp\n",
        threshold="v > V_peak", reset="v = V_reset", refractory="t_ref", method="euler",
        parameters=dict(E_L=-70 * mV, V_c=-50 * mV, Delta_c=20 * mV, R_m=100 * Mohm,
                        tau_m=10 * ms, V_peak=-30 * mV, V_reset=-70 * mV, t_ref=t_ref),
        initial_values={"v": "E_L"}, reference="Latham et al. (2000) J Neurophysiol 83:808")


def eif_model(t_ref=0 * ms) -> NeuronModel:
    """Exponential integrate-and-fire (Fourcaud-Trocme et al. 2003), Euler; only in the tests."""
    return NeuronModel(
        name="EIF",
        equations="dv/dt = (E_L - v + Delta_T*exp((v - V_T)/Delta_T))/tau_m : volt "
                  "(unless refractory)\n",
        threshold="v > V_cut", reset="v = V_reset", refractory="t_ref", method="euler",
        parameters=dict(E_L=-70 * mV, V_T=-50 * mV, Delta_T=3 * mV, tau_m=15 * ms,
                        V_cut=-35 * mV, V_reset=-68 * mV, t_ref=t_ref),
        initial_values={"v": "E_L"}, reference="Fourcaud-Trocme et al. (2003) J Neurosci 23:11628")


@pytest.fixture
def qif():
    return qif_model


@pytest.fixture
def eif():
    return eif_model


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
