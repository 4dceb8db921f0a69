"""Leaky integrate-and-fire neuron (Lapicque 1907; Gerstner et al. 2014, ch. 1.3).

Current-based::

    tau_m dv/dt = E_L - v + R_m (I_ext + I_syn)

Conductance-based option (``synapse='conductance'``; Destexhe et al. 2001)::

    tau_m dv/dt = E_L - v + R_m (I_ext + g_e (E_e - v) + g_i (E_i - v))
    dg_e/dt = -g_e/tau_e,   dg_i/dt = -g_i/tau_i

Spike when ``v > V_th``; then ``v = V_reset`` and v is clamped for ``t_ref``.
The current-based form is linear and integrated exactly; the
conductance-based form with exponential Euler (exact for v given g).
``I_ext`` (injected current) and ``I_syn`` (synaptic current) are per-neuron
variables: protocols set ``I_ext``, circuits drive ``I_syn`` or ``g_e``/``g_i``.
"""
from __future__ import annotations

from ..units import Mohm, mV, ms
from .base import NeuronModel, Preset, check_time_constants, refractoriness, resolve_parameters

_COMMON = """
I_ext : amp
"""

CURRENT_EQUATIONS = """
dv/dt = (E_L - v + R_m*(I_ext + I_syn))/tau_m : volt (unless refractory)
I_syn : amp
""" + _COMMON

CONDUCTANCE_EQUATIONS = """
dv/dt = (E_L - v + R_m*(I_ext + g_e*(E_e - v) + g_i*(E_i - v)))/tau_m : volt (unless refractory)
dg_e/dt = -g_e/tau_e : siemens
dg_i/dt = -g_i/tau_i : siemens
""" + _COMMON

_BASE = dict(tau_m=10 * ms, R_m=100 * Mohm, E_L=-70 * mV, V_th=-50 * mV, V_reset=-70 * mV,
             t_ref=2 * ms)
_SYN = dict(E_e=0 * mV, E_i=-80 * mV, tau_e=5 * ms, tau_i=10 * ms)

PRESETS = {
    "gerstner2014": Preset(
        "gerstner2014",
        "Gerstner, Kistler, Naud & Paninski (2014) Neuronal Dynamics, ch. 1.3: "
        "tau_m = 10 ms, R = 100 MOhm, rest -70 mV, threshold -50 mV, reset to rest",
        {**_BASE, **_SYN}),
    "brette2007_cuba": Preset(
        "brette2007_cuba",
        "Brette et al. (2007) J Comput Neurosci 23:349, benchmark 2 (CUBA): tau_m = 20 ms, "
        "rest -60 mV, threshold -50 mV, reset -60 mV, refractory 5 ms",
        {**_BASE, "tau_m": 20 * ms, "E_L": -60 * mV, "V_th": -50 * mV, "V_reset": -60 * mV,
         "t_ref": 5 * ms, **_SYN}),
    "brette2007_coba": Preset(
        "brette2007_coba",
        "Brette et al. (2007) benchmark 1 (COBA): tau_m = 20 ms, rest -60 mV, threshold -50 mV, "
        "reset -60 mV, E_e = 0 mV, E_i = -80 mV, tau_e = 5 ms, tau_i = 10 ms",
        {**_BASE, "tau_m": 20 * ms, "E_L": -60 * mV, "V_th": -50 * mV, "V_reset": -60 * mV,
         "t_ref": 5 * ms, **_SYN}),
}

_CURRENT_ONLY = set(_BASE)


def LIF(preset: str = "gerstner2014", *, synapse: str = "current", **parameters) -> NeuronModel:
    """Leaky integrate-and-fire model from a cited preset.

    Parameters
    ----------
    preset : str
        One of ``'gerstner2014'`` (default), ``'brette2007_cuba'``, ``'brette2007_coba'``.
    synapse : {'current', 'conductance'}
        Current-based (exact integration) or conductance-based input.
    **parameters : Quantity
        Overrides: ``tau_m`` (s), ``R_m`` (ohm), ``E_L``, ``V_th``, ``V_reset`` (V),
        ``t_ref`` (s); conductance-based also ``E_e``, ``E_i`` (V), ``tau_e``, ``tau_i`` (s).
    """
    if synapse not in ("current", "conductance"):
        raise ValueError(f"LIF: synapse={synapse!r}; expected 'current' or 'conductance'")
    values = resolve_parameters("LIF", PRESETS, preset, parameters)
    check_time_constants("LIF", values, ("tau_m", "tau_e", "tau_i"))
    if synapse == "current":
        values = {k: v for k, v in values.items() if k in _CURRENT_ONLY}
    eqs, refractory, values = refractoriness(
        "LIF", CURRENT_EQUATIONS if synapse == "current" else CONDUCTANCE_EQUATIONS, values)
    return NeuronModel(
        name="LIF",
        equations=eqs,
        threshold="v > V_th",
        reset="v = V_reset",
        refractory=refractory,
        method="exact" if synapse == "current" else "exponential_euler",
        parameters=values,
        initial_values={"v": "E_L"},
        reference=PRESETS[preset].reference,
        presets=PRESETS,
        options={"preset": preset, "synapse": synapse},
    )
