"""Adaptive leaky integrate-and-fire neuron (Bellec et al. 2018, 2020).

Threshold adaptation (default, the "ALIF" of the LSNN and e-prop papers)::

    tau_m dv/dt = E_L - v + R_m (I_ext + I_syn)
    dtheta/dt   = -theta/tau_a
    spike when v > V_th + theta;  then v = V_reset, theta += Delta_th

so after a spike the threshold relaxes back as ``Delta_th exp(-t/tau_a)``.
In Bellec et al. the discrete update is b <- rho b + (1 - rho) z with
A = b0 + beta b; ``Delta_th`` is the resulting jump of the threshold per spike.

Adaptation-current variant (``adaptation='current'``; spike-triggered
adaptation as in Brette & Gerstner 2005 with a = 0)::

    tau_m dv/dt = E_L - v + R_m (I_ext + I_syn - w)
    dw/dt = -w/tau_a;   on a spike w += b_w

Both are linear between spikes and integrated exactly.

Conductance-based option (``synapse='conductance'``, threshold adaptation
only), the excitatory neuron of Diehl & Cook (2015, Front Comput Neurosci
9:99)::

    tau_m dv/dt = E_L - v + R_m (I_ext + g_e (E_e - v) + g_i (E_i - v))
    dg_e/dt = -g_e/tau_e,   dg_i/dt = -g_i/tau_i,   dtheta/dt = -theta/tau_a

integrated with exponential Euler (exact for v given the conductances; theta
and the conductances are linear and decay exactly).  The preset
``'diehl_cook2015'`` holds the paper's values (their conductances are in units
of a 1 nS leak, hence R_m = 1 GOhm).
"""
from __future__ import annotations

from ..units import Mohm, mV, ms, pA, second
from .base import NeuronModel, Preset, check_time_constants, refractoriness, resolve_parameters

THRESHOLD_EQUATIONS = """
dv/dt = (E_L - v + R_m*(I_ext + I_syn))/tau_m : volt (unless refractory)
dtheta/dt = -theta/tau_a : volt
I_syn : amp
I_ext : amp
"""

CONDUCTANCE_EQUATIONS = """
dv/dt = (E_L - v + R_m*(I_ext + g_e*(E_e - v) + g_i*(E_i - v)))/tau_m : volt (unless refractory)
dg_e/dt = -g_e/tau_e : siemens
dg_i/dt = -g_i/tau_i : siemens
dtheta/dt = -theta/tau_a : volt
I_ext : amp
"""

CURRENT_EQUATIONS = """
dv/dt = (E_L - v + R_m*(I_ext + I_syn - w))/tau_m : volt (unless refractory)
dw/dt = -w/tau_a : amp
I_syn : amp
I_ext : amp
"""

#: Synaptic constants of the conductance option where a preset gives none (as for the LIF).
_SYN = dict(E_e=0 * mV, E_i=-80 * mV, tau_e=5 * ms, tau_i=10 * ms)

_BASE = dict(tau_m=20 * ms, R_m=100 * Mohm, E_L=-70 * mV, V_th=-60 * mV, V_reset=-70 * mV,
             t_ref=2 * ms, tau_a=200 * ms, Delta_th=1.8 * mV, b_w=20 * pA)

PRESETS = {
    "bellec2018": Preset(
        "bellec2018",
        "Bellec, Salaj, Subramoney, Legenstein & Maass (2018) NeurIPS 'Long short-term memory "
        "and learning-to-learn in networks of spiking neurons': tau_m = 20 ms, threshold "
        "b0 = 10 mV above rest, t_ref = 2 ms, beta = 1.8 (here a 1.8 mV jump), tau_a = 200 ms",
        _BASE),
    "bellec2020": Preset(
        "bellec2020",
        "Bellec et al. (2020) Nat Commun 11:3625 (e-prop), ALIF: tau_m = 20 ms, tau_a = 2000 ms "
        "(working-memory tasks), beta = 0.07 of a 30 mV threshold (2.1 mV jump), t_ref = 5 ms",
        {**_BASE, "V_th": -40 * mV, "tau_a": 2000 * ms, "Delta_th": 2.1 * mV, "t_ref": 5 * ms}),
    "diehl_cook2015": Preset(
        "diehl_cook2015",
        "Diehl & Cook (2015) Front Comput Neurosci 9:99, excitatory neurons: tau_m = 100 ms, "
        "rest and reset -65 mV, threshold -52 mV + theta, t_ref = 5 ms, theta += 0.05 mV per "
        "spike, tau_theta = 1e7 ms; E_e = 0 mV, E_i = -100 mV, tau_e = 1 ms, tau_i = 2 ms; "
        "conductances in units of a 1 nS leak (R_m = 1 GOhm)",
        {"tau_m": 100 * ms, "R_m": 1000 * Mohm, "E_L": -65 * mV, "V_th": -52 * mV,
         "V_reset": -65 * mV, "t_ref": 5 * ms, "tau_a": 1e4 * second, "Delta_th": 0.05 * mV,
         "b_w": 0 * pA, "E_e": 0 * mV, "E_i": -100 * mV, "tau_e": 1 * ms, "tau_i": 2 * ms}),
}

_DROP = {"threshold": ("b_w",), "current": ("Delta_th",)}
_SYNAPSES = ("current", "conductance")


def AdaptiveLIF(preset: str = "bellec2018", *, adaptation: str = "threshold",
                synapse: str = "current", **parameters) -> NeuronModel:
    """Adaptive LIF model (threshold or current adaptation) from a cited preset.

    Parameters
    ----------
    preset : str
        ``'bellec2018'`` (default), ``'bellec2020'`` or ``'diehl_cook2015'``.
    adaptation : {'threshold', 'current'}
        Spike-triggered threshold increase ``Delta_th`` (V) or adaptation current
        increment ``b_w`` (A); both decay with ``tau_a`` (s).
    synapse : {'current', 'conductance'}
        Current-based input ``I_syn`` (exact integration) or the conductances
        ``g_e``, ``g_i`` (threshold adaptation only; see the module docstring).
    **parameters : Quantity
        Overrides of ``tau_m``, ``R_m``, ``E_L``, ``V_th``, ``V_reset``, ``t_ref``,
        ``tau_a``, ``Delta_th`` / ``b_w``; conductance-based also ``E_e``, ``E_i`` (V),
        ``tau_e``, ``tau_i`` (s).
    """
    if adaptation not in _DROP:
        raise ValueError(f"AdaptiveLIF: adaptation={adaptation!r}; expected 'threshold' or "
                         "'current'")
    if synapse not in _SYNAPSES:
        raise ValueError(f"AdaptiveLIF: synapse={synapse!r}; expected 'current' or "
                         "'conductance'")
    if synapse == "conductance" and adaptation != "threshold":
        raise ValueError(f"AdaptiveLIF: synapse='conductance' needs adaptation='threshold'; "
                         f"got adaptation={adaptation!r}")
    presets = PRESETS
    if synapse == "conductance":   # presets without synaptic constants take the LIF's
        presets = {k: Preset(p.name, p.reference, {**_SYN, **p.values})
                   for k, p in PRESETS.items()}
    values = resolve_parameters("AdaptiveLIF", presets, preset, parameters)
    check_time_constants("AdaptiveLIF", values, ("tau_m", "tau_a", "tau_e", "tau_i"))
    keep = set(_BASE) | (set(_SYN) if synapse == "conductance" else set())
    values = {k: v for k, v in values.items() if k not in _DROP[adaptation] and k in keep}
    if synapse == "conductance":
        eqs, refractory, values = refractoriness("AdaptiveLIF", CONDUCTANCE_EQUATIONS, values)
        return NeuronModel(name="AdaptiveLIF", equations=eqs, threshold="v > V_th + theta",
                           reset="v = V_reset\ntheta += Delta_th", refractory=refractory,
                           method="exponential_euler", parameters=values,
                           initial_values={"v": "E_L", "theta": 0 * mV},
                           reference=PRESETS[preset].reference, presets=PRESETS,
                           options={"preset": preset, "adaptation": adaptation,
                                    "synapse": synapse})
    if adaptation == "threshold":
        eqs, threshold, reset = THRESHOLD_EQUATIONS, "v > V_th + theta", \
            "v = V_reset\ntheta += Delta_th"
        initial = {"v": "E_L", "theta": 0 * mV}
    else:
        eqs, threshold, reset = CURRENT_EQUATIONS, "v > V_th", "v = V_reset\nw += b_w"
        initial = {"v": "E_L", "w": 0 * pA}
    eqs, refractory, values = refractoriness("AdaptiveLIF", eqs, values)
    return NeuronModel(name="AdaptiveLIF", equations=eqs, threshold=threshold, reset=reset,
                       refractory=refractory, method="exact", parameters=values,
                       initial_values=initial, reference=PRESETS[preset].reference,
                       presets=PRESETS, options={"preset": preset, "adaptation": adaptation})
