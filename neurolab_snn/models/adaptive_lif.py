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
"""
from __future__ import annotations

from ..units import Mohm, mV, ms, pA
from .base import NeuronModel, Preset, check_time_constants, refractoriness, resolve_parameters

THRESHOLD_EQUATIONS = """
dv/dt = (E_L - v + R_m*(I_ext + I_syn))/tau_m : volt (unless refractory)
dtheta/dt = -theta/tau_a : volt
I_syn : amp
I_ext : amp
"""

CURRENT_EQUATIONS = """
dv/dt = (E_L - v + R_m*(I_ext + I_syn - w))/tau_m : volt (unless refractory)
dw/dt = -w/tau_a : amp
I_syn : amp
I_ext : amp
"""

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
}

_DROP = {"threshold": ("b_w",), "current": ("Delta_th",)}


def AdaptiveLIF(preset: str = "bellec2018", *, adaptation: str = "threshold",
                **parameters) -> NeuronModel:
    """Adaptive LIF model (threshold or current adaptation) from a cited preset.

    Parameters
    ----------
    preset : str
        ``'bellec2018'`` (default) or ``'bellec2020'``.
    adaptation : {'threshold', 'current'}
        Spike-triggered threshold increase ``Delta_th`` (V) or adaptation current
        increment ``b_w`` (A); both decay with ``tau_a`` (s).
    **parameters : Quantity
        Overrides of ``tau_m``, ``R_m``, ``E_L``, ``V_th``, ``V_reset``, ``t_ref``,
        ``tau_a``, ``Delta_th`` / ``b_w``.
    """
    if adaptation not in _DROP:
        raise ValueError(f"AdaptiveLIF: adaptation={adaptation!r}; expected 'threshold' or "
                         "'current'")
    values = resolve_parameters("AdaptiveLIF", PRESETS, preset, parameters)
    check_time_constants("AdaptiveLIF", values, ("tau_m", "tau_a"))
    values = {k: v for k, v in values.items() if k not in _DROP[adaptation]}
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
