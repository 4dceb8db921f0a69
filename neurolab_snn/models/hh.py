"""Hodgkin-Huxley neurons.

``variant='hh1952'`` - the squid giant axon (Hodgkin & Huxley 1952, J Physiol
117:500), in the modern convention with rest at -65 mV (Dayan & Abbott 2001,
ch. 5.6; Gerstner et al. 2014, ch. 2.2)::

    C_m dv/dt = g_L (E_L - v) + g_Na m^3 h (E_Na - v) + g_K n^4 (E_K - v) + I/area
    dx/dt = alpha_x(v) (1 - x) - beta_x(v) x,    x in {m, h, n}

``variant='traub_miles'`` - the Traub & Miles (1991) kinetics of the COBAHH
benchmark (Brette et al. 2007, benchmark 3; brian2genn_benchmarks), with
exponential excitatory/inhibitory conductances ``g_e``/``g_i``.

Conductances are per area (S/m^2) times ``area``; ``I_ext`` is the injected
current (A).  A spike is counted when v crosses ``V_spike`` upward; the group is
"refractory" while v stays above it, so one action potential is one spike.
Integration: exponential Euler (first order; Brian2's default for HH).
"""
from __future__ import annotations

from ..units import mS, mV, ms, uF, cm2, um2, siemens
from .base import NeuronModel, Preset, resolve_parameters

HH1952_EQUATIONS = """
dv/dt = (g_L*(E_L - v) + g_Na*m**3*h*(E_Na - v) + g_K*n**4*(E_K - v) + (I_ext + I_syn)/area)/C_m : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
alpha_m = 0.1/mV*10*mV/exprel(-(v + 40*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v + 65*mV)/(18*mV))/ms : Hz
alpha_h = 0.07*exp(-(v + 65*mV)/(20*mV))/ms : Hz
beta_h = 1/(1 + exp(-(v + 35*mV)/(10*mV)))/ms : Hz
alpha_n = 0.01/mV*10*mV/exprel(-(v + 55*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v + 65*mV)/(80*mV))/ms : Hz
I_syn : amp
I_ext : amp
"""

TRAUB_MILES_EQUATIONS = """
dv/dt = (g_L*(E_L - v) + g_Na*m**3*h*(E_Na - v) + g_K*n**4*(E_K - v) + (I_ext + g_e*(E_e - v) + g_i*(E_i - v))/area)/C_m : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dg_e/dt = -g_e/tau_e : siemens
dg_i/dt = -g_i/tau_i : siemens
alpha_m = 0.32/mV*4*mV/exprel((13*mV - v + V_T)/(4*mV))/ms : Hz
beta_m = 0.28/mV*5*mV/exprel((v - V_T - 40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV - v + V_T)/(18*mV))/ms : Hz
beta_h = 4/(1 + exp((40*mV - v + V_T)/(5*mV)))/ms : Hz
alpha_n = 0.032/mV*5*mV/exprel((15*mV - v + V_T)/(5*mV))/ms : Hz
beta_n = 0.5*exp((10*mV - v + V_T)/(40*mV))/ms : Hz
I_ext : amp
"""

PRESETS = {
    "hh1952": Preset(
        "hh1952",
        "Hodgkin & Huxley (1952) J Physiol 117:500, squid axon at 6.3 C, rest -65 mV "
        "(Dayan & Abbott 2001, ch. 5.6): C_m = 1 uF/cm2, g_Na = 120, g_K = 36, g_L = 0.3 mS/cm2, "
        "E_Na = 50, E_K = -77, E_L = -54.387 mV",
        dict(C_m=1 * uF / cm2, g_Na=120 * mS / cm2, g_K=36 * mS / cm2, g_L=0.3 * mS / cm2,
             E_Na=50 * mV, E_K=-77 * mV, E_L=-54.387 * mV, area=20000 * um2, V_spike=0 * mV)),
    "cobahh": Preset(
        "cobahh",
        "Traub & Miles (1991) kinetics as in the COBAHH benchmark of Brette et al. (2007) "
        "J Comput Neurosci 23:349: area 20000 um2, C_m = 1 uF/cm2, g_L = 5e-5 S/cm2, "
        "g_Na = 100, g_K = 30 mS/cm2, E_L = -60, E_K = -90, E_Na = 50, V_T = -63 mV, "
        "E_e = 0, E_i = -80 mV, tau_e = 5 ms, tau_i = 10 ms",
        dict(C_m=1 * uF / cm2, g_Na=100 * mS / cm2, g_K=30 * mS / cm2,
             g_L=5e-5 * siemens / cm2, E_Na=50 * mV, E_K=-90 * mV, E_L=-60 * mV,
             area=20000 * um2, V_spike=-20 * mV, V_T=-63 * mV, E_e=0 * mV, E_i=-80 * mV,
             tau_e=5 * ms, tau_i=10 * ms)),
}

_VARIANTS = {"hh1952": ("hh1952", HH1952_EQUATIONS), "traub_miles": ("cobahh",
                                                                     TRAUB_MILES_EQUATIONS)}


def HH(preset: str | None = None, *, variant: str = "hh1952", **parameters) -> NeuronModel:
    """Hodgkin-Huxley model.

    Parameters
    ----------
    preset : str, optional
        ``'hh1952'`` or ``'cobahh'``; defaults to the preset of the variant.
    variant : {'hh1952', 'traub_miles'}
        Squid-axon kinetics or the Traub & Miles kinetics of COBAHH.
    **parameters : Quantity
        Overrides: ``C_m`` (F/m^2), ``g_Na``, ``g_K``, ``g_L`` (S/m^2), ``E_Na``, ``E_K``,
        ``E_L``, ``V_spike`` (V), ``area`` (m^2); traub_miles also ``V_T``, ``E_e``, ``E_i``
        (V), ``tau_e``, ``tau_i`` (s).
    """
    if variant not in _VARIANTS:
        raise ValueError(f"HH: variant={variant!r}; expected one of {sorted(_VARIANTS)}")
    default_preset, eqs = _VARIANTS[variant]
    preset = default_preset if preset is None else preset
    if preset != default_preset and preset in PRESETS:
        raise ValueError(f"HH: preset {preset!r} belongs to another variant; variant "
                         f"{variant!r} expects preset {default_preset!r}")
    values = resolve_parameters("HH", PRESETS, preset, parameters)
    for key in ("C_m", "area"):
        if not values[key] > 0 * values[key]:
            raise ValueError(f"HH: parameter {key!r}={values[key]!r}; expected a positive value")
    initial = {"v": "E_L", "m": "alpha_m/(alpha_m + beta_m)", "h": "alpha_h/(alpha_h + beta_h)",
               "n": "alpha_n/(alpha_n + beta_n)"}
    if variant == "hh1952":
        initial["v"] = -65 * mV
    return NeuronModel(name="HH", equations=eqs, threshold="v > V_spike", reset=None,
                       refractory="v > V_spike", method="exponential_euler",
                       parameters=values, initial_values=initial,
                       reference=PRESETS[preset].reference, presets=PRESETS,
                       options={"preset": preset, "variant": variant})
