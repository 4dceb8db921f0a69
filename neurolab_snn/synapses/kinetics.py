"""Static synapse specs: postsynaptic current and conductance kinetics (layer L1).

A synapse spec is data: a weight with units, a time constant, a transmission
delay and the name of the postsynaptic *channel* it feeds.  It produces the
Brian2 strings a circuit needs (:meth:`CurrentSynapse.channel`,
:meth:`ConductanceSynapse.channel`); only the circuit layer (L2) builds Brian2
``Synapses``.

Kinetics, for a presynaptic spike arriving at ``t_k = t_pre + delay``
(Dayan & Abbott 2001, ch. 5.8; Gerstner et al. 2014, ch. 3.1; Roth & van Rossum 2009,
"Modeling synapses", in De Schutter (ed.) Computational Modeling Methods for Neuroscientists):

* instantaneous (delta current): the membrane potential jumps, ``v -> v + w``
  (``w`` in volt: the charge ``q`` of the pulse over the capacitance, ``w = q/C``);
* exponential current: ``I(t) = w exp(-(t - t_k)/tau)``, i.e.
  ``dI/dt = -I/tau`` and ``I -> I + w`` at ``t_k`` (``w`` in amp);
* alpha current: ``I(t) = w (t - t_k)/tau exp(1 - (t - t_k)/tau)``, peaking at ``w``
  at ``t - t_k = tau``; as two linear equations
  ``dI/dt = (x - I)/tau``, ``dx/dt = -x/tau`` with ``x -> x + e w`` at ``t_k``;
* exponential conductance: ``I(t) = g(t) (E_rev - v)``, ``dg/dt = -g/tau``,
  ``g -> g + w`` at ``t_k`` (``w`` in siemens; Destexhe, Mainen & Sejnowski 1994).

Synapses of one postsynaptic population that name the same channel share its
state variable (so 1000 excitatory projections cost one ``I_syn_e``); they must
then have the same kinetics.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..units import Mohm, Quantity, amp, check_quantity, mV, ms, nS, second, siemens, to_si, volt

__all__ = ["CurrentSynapse", "ConductanceSynapse", "ChannelCode", "SYNAPSE_KINDS"]

#: Kinds of current-based synapse and the unit of their weight.
SYNAPSE_KINDS = {"instantaneous": volt, "exponential": amp, "alpha": amp}

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class ChannelCode:
    """The Brian2 code a synapse kind adds to its postsynaptic population.

    Attributes
    ----------
    key : tuple
        Identity of the kinetics; projections sharing a channel must have equal keys.
    variable : str
        Postsynaptic variable incremented by a presynaptic spike (``I_syn_e``, ``v``, ...).
    increment : str
        Factor of the weight in the increment (``'1'``, or ``'alpha_peak'`` = e for alpha).
    equations : str
        Equations added to the postsynaptic group ('' for instantaneous synapses).
    current : str
        Term this channel adds to the total synaptic current ``I_syn`` ('' for none).
    parameters : dict
        Constants used by *equations* and *current* (``tau_syn_e``, ``E_syn_e``).
    linear : bool
        True when the added equations keep a linear model linear (current-based).
    """

    key: tuple
    variable: str
    increment: str
    equations: str
    current: str
    parameters: dict = field(default_factory=dict)
    linear: bool = True


def _check_common(owner: str, delay, channel: str) -> None:
    check_quantity(f"{owner}.delay", delay, second, nonnegative=True)
    if not isinstance(channel, str) or not _NAME.match(channel):
        raise ValueError(f"{owner}.channel={channel!r}: expected a short alphanumeric name "
                         "starting with a letter, e.g. 'e' or 'i'")


@dataclass(frozen=True)
class CurrentSynapse:
    """Current-based synapse: instantaneous, exponential or alpha-shaped current.

    Parameters
    ----------
    weight : Quantity
        Peak current (amp) for ``'exponential'`` and ``'alpha'``; voltage jump
        (volt) for ``'instantaneous'``.  Negative values are inhibitory.
    kind : {'exponential', 'alpha', 'instantaneous'}
        Time course of the postsynaptic current (see the module docstring).
    tau : Quantity
        Decay (exponential) or time-to-peak (alpha) constant; unused for
        instantaneous synapses.
    delay : Quantity
        Transmission delay, >= 0.
    channel : str
        Postsynaptic channel name; the state variable is ``I_syn_<channel>``.

    Examples
    --------
    >>> from neurolab_snn.units import pA, ms
    >>> CurrentSynapse(50 * pA, tau=5 * ms).kind
    'exponential'
    """

    weight: Quantity
    kind: str = "exponential"
    tau: Quantity = field(default_factory=lambda: 5 * ms)
    delay: Quantity = field(default_factory=lambda: 0 * ms)
    channel: str = "e"
    reference: str = ("Dayan & Abbott (2001) Theoretical Neuroscience, ch. 5.8; "
                      "Roth & van Rossum (2009) Modeling synapses")

    def __post_init__(self):
        if self.kind not in SYNAPSE_KINDS:
            raise ValueError(f"CurrentSynapse.kind={self.kind!r}: expected one of "
                             f"{sorted(SYNAPSE_KINDS)}")
        check_quantity("CurrentSynapse.weight", self.weight, SYNAPSE_KINDS[self.kind])
        if self.kind != "instantaneous":
            check_quantity("CurrentSynapse.tau", self.tau, second, positive=True)
        _check_common("CurrentSynapse", self.delay, self.channel)

    # -- presets -----------------------------------------------------------
    @classmethod
    def instantaneous(cls, jump: Quantity, *, delay: Quantity = 0 * ms) -> "CurrentSynapse":
        """Delta-current synapse: the membrane potential jumps by *jump* (V) per spike."""
        return cls(jump, kind="instantaneous", delay=delay, channel="v")

    @classmethod
    def exponential(cls, weight: Quantity, tau: Quantity = 5 * ms, *,
                    delay: Quantity = 0 * ms, channel: str = "e") -> "CurrentSynapse":
        """Exponentially decaying current of peak *weight* (A) and decay time *tau*."""
        return cls(weight, kind="exponential", tau=tau, delay=delay, channel=channel)

    @classmethod
    def alpha(cls, weight: Quantity, tau: Quantity = 2 * ms, *, delay: Quantity = 0 * ms,
              channel: str = "e") -> "CurrentSynapse":
        """Alpha-function current of peak *weight* (A), reached *tau* after the spike."""
        return cls(weight, kind="alpha", tau=tau, delay=delay, channel=channel)

    @classmethod
    def brette2007_cuba(cls, kind: str = "excitatory", *, R_m: Quantity = 100 * Mohm,
                        delay: Quantity = 0 * ms) -> "CurrentSynapse":
        """CUBA benchmark synapses (Brette et al. 2007, J Comput Neurosci 23:349, benchmark 2).

        The benchmark adds ``w_e = 1.62 mV`` (60 * 0.27/10 mV, tau_e = 5 ms) and
        ``w_i = -9 mV`` (-20 * 4.5/10 mV, tau_i = 10 ms) to exponentially
        decaying "conductances" that enter ``tau_m dv/dt`` directly; here they are
        currents ``w/R_m`` into a LIF neuron of input resistance *R_m*.
        """
        check_quantity("R_m", R_m, volt / amp, positive=True)
        if kind == "excitatory":
            return cls((1.62 * mV) / R_m, kind="exponential", tau=5 * ms, delay=delay,
                       channel="e", reference=cls._cuba_ref())
        if kind == "inhibitory":
            return cls((-9.0 * mV) / R_m, kind="exponential", tau=10 * ms, delay=delay,
                       channel="i", reference=cls._cuba_ref())
        raise ValueError(f"brette2007_cuba: kind={kind!r}; expected 'excitatory' or "
                         "'inhibitory'")

    @staticmethod
    def _cuba_ref() -> str:
        return ("Brette et al. (2007) J Comput Neurosci 23:349, benchmark 2 (CUBA): "
                "w_e = 1.62 mV, tau_e = 5 ms, w_i = -9 mV, tau_i = 10 ms")

    # -- code --------------------------------------------------------------
    @property
    def weight_unit(self):
        """Unit of the weight (volt or amp)."""
        return SYNAPSE_KINDS[self.kind]

    def channel_code(self) -> ChannelCode:
        """The postsynaptic equations and increment for this synapse (see :class:`ChannelCode`)."""
        if self.kind == "instantaneous":
            return ChannelCode(("instantaneous",), "v", "1", "", "", {}, True)
        c, tau = self.channel, self.tau
        tau_name = f"tau_syn_{c}"
        if self.kind == "exponential":
            eqs = f"dI_syn_{c}/dt = -I_syn_{c}/{tau_name} : amp\n"
            return ChannelCode(("exponential", float(to_si(tau))), f"I_syn_{c}", "1", eqs,
                               f"I_syn_{c}", {tau_name: tau}, True)
        eqs = (f"dI_syn_{c}/dt = (x_syn_{c} - I_syn_{c})/{tau_name} : amp\n"
               f"dx_syn_{c}/dt = -x_syn_{c}/{tau_name} : amp\n")
        return ChannelCode(("alpha", float(to_si(tau))), f"x_syn_{c}", "alpha_peak", eqs,
                           f"I_syn_{c}", {tau_name: tau}, True)


@dataclass(frozen=True)
class ConductanceSynapse:
    """Conductance-based synapse with an exponentially decaying conductance.

    ``I = g (E_rev - v)``, ``dg/dt = -g/tau``, ``g -> g + w`` per presynaptic
    spike (Destexhe, Mainen & Sejnowski 1994, J Comput Neurosci 1:195;
    Dayan & Abbott 2001, ch. 5.8).

    Parameters
    ----------
    weight : Quantity
        Conductance increment (siemens), >= 0.
    tau : Quantity
        Decay time constant.
    E_rev : Quantity
        Reversal potential (0 mV excitatory, -80 mV inhibitory).
    delay : Quantity
        Transmission delay, >= 0.
    channel : str
        Postsynaptic channel; the conductance is ``g_syn_<channel>``, or the
        model's own ``g_<channel>`` when the neuron model declares one (the
        conductance LIF and the Traub-Miles HH declare ``g_e`` and ``g_i``; then
        *tau* and *E_rev* must equal the model's ``tau_<channel>`` and ``E_<channel>``).
    """

    weight: Quantity
    tau: Quantity = field(default_factory=lambda: 5 * ms)
    E_rev: Quantity = field(default_factory=lambda: 0 * mV)
    delay: Quantity = field(default_factory=lambda: 0 * ms)
    channel: str = "e"
    reference: str = ("Destexhe, Mainen & Sejnowski (1994) J Comput Neurosci 1:195; "
                      "Dayan & Abbott (2001) ch. 5.8")

    def __post_init__(self):
        check_quantity("ConductanceSynapse.weight", self.weight, siemens, nonnegative=True)
        check_quantity("ConductanceSynapse.tau", self.tau, second, positive=True)
        check_quantity("ConductanceSynapse.E_rev", self.E_rev, volt)
        _check_common("ConductanceSynapse", self.delay, self.channel)

    @classmethod
    def excitatory(cls, weight: Quantity = 1 * nS, *, tau: Quantity = 5 * ms,
                   delay: Quantity = 0 * ms) -> "ConductanceSynapse":
        """AMPA-like: E_rev = 0 mV, tau = 5 ms (Brette et al. 2007, benchmark 1), channel 'e'."""
        return cls(weight, tau=tau, E_rev=0 * mV, delay=delay, channel="e")

    @classmethod
    def inhibitory(cls, weight: Quantity = 1 * nS, *, tau: Quantity = 10 * ms,
                   delay: Quantity = 0 * ms) -> "ConductanceSynapse":
        """GABA_A-like: E_rev = -80 mV, tau = 10 ms (Brette et al. 2007, bench. 1), channel 'i'."""
        return cls(weight, tau=tau, E_rev=-80 * mV, delay=delay, channel="i")

    kind = "conductance"

    @property
    def weight_unit(self):
        """Unit of the weight (siemens)."""
        return siemens

    def channel_code(self) -> ChannelCode:
        """Equations of ``g_syn_<channel>`` and its current ``g (E_rev - v)``."""
        c = self.channel
        eqs = f"dg_syn_{c}/dt = -g_syn_{c}/tau_syn_{c} : siemens\n"
        return ChannelCode(("conductance", float(to_si(self.tau)), float(to_si(self.E_rev))),
                           f"g_syn_{c}", "1", eqs, f"g_syn_{c}*(E_syn_{c} - v)",
                           {f"tau_syn_{c}": self.tau, f"E_syn_{c}": self.E_rev}, False)


#: Constant multiplying the weight of an alpha synapse so that the current peaks at ``w``.
ALPHA_PEAK = math.e
