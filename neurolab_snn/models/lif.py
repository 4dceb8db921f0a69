"""Leaky integrate-and-fire neuron (Lapicque 1907; Gerstner et al. 2014, ch. 1.3).

Current-based::

    tau_m dv/dt = E_L - v + R_m (I_ext + I_syn)

Exponential current-based synapses (``synapse='exponential'``; the LIF of
Wunderlich & Pehle 2021 and of NEST's ``iaf_psc_exp``)::

    tau_m dv/dt = E_L - v + R_m (I_ext + I_syn),   tau_syn dI_syn/dt = -I_syn

with a presynaptic spike incrementing ``I_syn`` by its weight (amp).

Conductance-based option (``synapse='conductance'``; Destexhe et al. 2001)::

    tau_m dv/dt = E_L - v + R_m (I_ext + g_e (E_e - v) + g_i (E_i - v))
    dg_e/dt = -g_e/tau_e,   dg_i/dt = -g_i/tau_i

Spike when ``v > V_th``; then ``v = V_reset`` and v is clamped for ``t_ref``.
The current-based forms are linear and integrated exactly; the
conductance-based form with exponential Euler (exact for v given g).
``I_ext`` (injected current) and ``I_syn`` (synaptic current) are per-neuron
variables: protocols set ``I_ext``, circuits drive ``I_syn`` or ``g_e``/``g_i``.
"""
from __future__ import annotations

from ..units import Mohm, check_quantity, mV, ms, to_si
from .base import NeuronModel, Preset, check_time_constants, refractoriness, resolve_parameters

_COMMON = """
I_ext : amp
"""

CURRENT_EQUATIONS = """
dv/dt = (E_L - v + R_m*(I_ext + I_syn))/tau_m : volt (unless refractory)
I_syn : amp
""" + _COMMON

EXPONENTIAL_EQUATIONS = """
dv/dt = (E_L - v + R_m*(I_ext + I_syn))/tau_m : volt (unless refractory)
dI_syn/dt = -I_syn/tau_syn : amp
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
_EQUATIONS = {"current": CURRENT_EQUATIONS, "exponential": EXPONENTIAL_EQUATIONS,
              "conductance": CONDUCTANCE_EQUATIONS}


def LIF(preset: str = "gerstner2014", *, synapse: str = "current", **parameters) -> NeuronModel:
    """Leaky integrate-and-fire model from a cited preset.

    Parameters
    ----------
    preset : str
        One of ``'gerstner2014'`` (default), ``'brette2007_cuba'``, ``'brette2007_coba'``.
    synapse : {'current', 'conductance', 'exponential'}
        Current-based (``I_syn`` a variable set from outside; exact integration),
        conductance-based input, or an exponentially decaying synaptic current
        ``I_syn`` with time constant ``tau_syn`` (exact integration).
    **parameters : Quantity
        Overrides: ``tau_m`` (s), ``R_m`` (ohm), ``E_L``, ``V_th``, ``V_reset`` (V),
        ``t_ref`` (s); conductance-based also ``E_e``, ``E_i`` (V), ``tau_e``, ``tau_i`` (s);
        exponential also ``tau_syn`` (s, default 5 ms = ``tau_e``; must differ from ``tau_m``).
    """
    if synapse not in _EQUATIONS:
        raise ValueError(f"LIF: synapse={synapse!r}; expected one of {sorted(_EQUATIONS)}")
    tau_syn = parameters.pop("tau_syn", _SYN["tau_e"]) if synapse == "exponential" else None
    values = resolve_parameters("LIF", PRESETS, preset, parameters)
    check_time_constants("LIF", values, ("tau_m", "tau_e", "tau_i"))
    if synapse in ("current", "exponential"):
        values = {k: v for k, v in values.items() if k in _CURRENT_ONLY}
    if synapse == "exponential":
        values["tau_syn"] = check_quantity("LIF.tau_syn", tau_syn, ms, positive=True)
        if abs(float(to_si(tau_syn)) - float(to_si(values["tau_m"]))) \
                <= 1e-9 * float(to_si(values["tau_m"])):
            raise ValueError(f"LIF: tau_syn={tau_syn!r} equals tau_m; expected tau_syn != tau_m "
                             "(the exact solution has (tau_m - tau_syn) in a denominator)")
    eqs, refractory, values = refractoriness("LIF", _EQUATIONS[synapse], values)
    return NeuronModel(
        name="LIF",
        equations=eqs,
        threshold="v > V_th",
        reset="v = V_reset",
        refractory=refractory,
        method="exponential_euler" if synapse == "conductance" else "exact",
        parameters=values,
        initial_values={"v": "E_L"},
        reference=PRESETS[preset].reference,
        presets=PRESETS,
        options={"preset": preset, "synapse": synapse},
    )
