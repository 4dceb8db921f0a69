"""Spike-timing-dependent plasticity rules as data (layer L1).

Each rule is a frozen dataclass that yields the Brian2 ``Synapses`` strings of
an event-driven implementation (:meth:`PairSTDP.code`): exponentially decaying
pre- and postsynaptic traces that are updated only at spikes (Brian2's
``(event-driven)`` flag integrates them exactly between events; Morrison,
Diesmann & Gerstner 2008, Biol Cybern 98:459).  The plastic weight ``w`` is
dimensionless, kept in ``[0, w_max]`` (hard bounds); a circuit multiplies it by
the weight of the synapse spec (amp, siemens or volt) when it transmits.  In
the Brian2 code it is called ``w_syn`` (``w`` is the adaptation current of
some neuron models, and Brian2 forbids a synaptic variable that shadows a
postsynaptic one).

Pair-based rule (Song, Miller & Abbott 2000, Nat Neurosci 3:919), with
``Delta t = t_post - t_pre``::

    Delta w = +A_plus  f_+(w) exp(-Delta t/tau_plus)    for Delta t >= 0
    Delta w = -A_minus f_-(w) exp(+Delta t/tau_minus)   for Delta t < 0

implemented with a presynaptic trace ``r1`` (time constant ``tau_plus``) and a
postsynaptic trace ``o1`` (``tau_minus``)::

    on pre:  r1 += 1;  w = clip(w - A_minus f_-(w) o1, 0, w_max)
    on post: o1 += 1;  w = clip(w + A_plus  f_+(w) r1, 0, w_max)

Pairing: ``'all-to-all'`` sums over every pair (traces add up);
``'nearest'`` pairs each spike only with the nearest preceding spike of the
other neuron (traces are reset to 1 instead of incremented: the symmetric
nearest-spike scheme reviewed by Morrison et al. 2008).

Weight dependence:

* ``'additive'``: ``f_+ = f_- = 1`` (Song et al. 2000; bimodal weights);
* ``'multiplicative'``: ``f_+ = 1``, ``f_- = w/w_max`` - potentiation
  independent of ``w``, depression proportional to it (van Rossum, Bi &
  Turrigiano 2000, J Neurosci 20:8812; unimodal weights);
* ``'gutig'``: ``f_+ = (1 - w/w_max)^mu``, ``f_- = (w/w_max)^mu``,
  interpolating between additive (mu = 0) and multiplicative (mu = 1)
  (Gütig, Aharonov, Rotter & Sompolinsky 2003, J Neurosci 23:3697).

Triplet rule (Pfister & Gerstner 2006, J Neurosci 26:9673, eqs. 3-4): two
presynaptic traces ``r1`` (``tau_plus``), ``r2`` (``tau_x``) and two
postsynaptic traces ``o1`` (``tau_minus``), ``o2`` (``tau_y``)::

    on pre:  w = clip(w - o1 (A2_minus + A3_minus r2), 0, w_max);  r1 += 1;  r2 += 1
    on post: w = clip(w + r1 (A2_plus  + A3_plus  o2), 0, w_max);  o1 += 1;  o2 += 1

(``r2``, ``o2`` enter before their own update).  Presets: Table 4 of the paper,
fitted to visual-cortex (Sjöström, Turrigiano & Nelson 2001) and hippocampal
(Bi & Poo 1998; Wang et al. 2005) data.  :meth:`TripletSTDP.diehl_cook2015` is the
nearest-spike rule of the code published with Diehl & Cook (2015): depression
by the postsynaptic trace at a presynaptic spike (``A2_minus``), potentiation
by the presynaptic trace times the slower postsynaptic trace at a
postsynaptic spike (``A3_plus``; no pair potentiation).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..units import Quantity, check_quantity, ms, second, to_si

__all__ = ["PairSTDP", "TripletSTDP", "PlasticityCode", "PAIRINGS", "WEIGHT_DEPENDENCES"]

PAIRINGS = ("all-to-all", "nearest")
WEIGHT_DEPENDENCES = ("additive", "multiplicative", "gutig")


@dataclass(frozen=True)
class PlasticityCode:
    """Brian2 strings of a plasticity rule.

    ``model`` declares ``w_syn : 1`` and the event-driven traces; ``on_pre`` and
    ``on_post`` update traces and weight; ``namespace`` holds the constants.
    ``traces`` names the trace variables.
    """

    model: str
    on_pre: str
    on_post: str
    namespace: dict
    traces: tuple[str, ...]


def _number(owner: str, name: str, value, *, nonnegative=True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{owner}.{name}={value!r}: expected a plain number (dimensionless)")
    value = float(value)
    if not math.isfinite(value) or (nonnegative and value < 0):
        raise ValueError(f"{owner}.{name}={value!r}: expected a finite number"
                         + (" >= 0" if nonnegative else ""))
    return value


def _check_choice(owner: str, name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{owner}.{name}={value!r}: expected one of {list(choices)}")


@dataclass(frozen=True)
class PairSTDP:
    """Pair-based STDP with hard bounds ``[0, w_max]`` and event-driven traces.

    Parameters
    ----------
    A_plus, A_minus : float
        Potentiation / depression amplitudes (in units of ``w``), >= 0.
    tau_plus, tau_minus : Quantity
        Widths of the potentiation (pre-before-post) and depression windows.
    w_max : float
        Upper bound of the dimensionless weight.
    weight_dependence : {'additive', 'multiplicative', 'gutig'}
        See the module docstring.
    mu : float
        Exponent of the ``'gutig'`` weight dependence, in [0, 1].
    pairing : {'all-to-all', 'nearest'}
        Spike pairing scheme.
    """

    A_plus: float = 0.005
    A_minus: float = 0.00525
    tau_plus: Quantity = field(default_factory=lambda: 20 * ms)
    tau_minus: Quantity = field(default_factory=lambda: 20 * ms)
    w_max: float = 1.0
    weight_dependence: str = "additive"
    mu: float = 0.0
    pairing: str = "all-to-all"
    reference: str = "Song, Miller & Abbott (2000) Nat Neurosci 3:919"

    def __post_init__(self):
        for name in ("A_plus", "A_minus", "mu"):
            _number("PairSTDP", name, getattr(self, name))
        if _number("PairSTDP", "w_max", self.w_max) <= 0:
            raise ValueError(f"PairSTDP.w_max={self.w_max!r}: expected a value > 0")
        if not 0 <= self.mu <= 1:
            raise ValueError(f"PairSTDP.mu={self.mu!r}: expected a value in [0, 1]")
        check_quantity("PairSTDP.tau_plus", self.tau_plus, second, positive=True)
        check_quantity("PairSTDP.tau_minus", self.tau_minus, second, positive=True)
        _check_choice("PairSTDP", "weight_dependence", self.weight_dependence,
                      WEIGHT_DEPENDENCES)
        _check_choice("PairSTDP", "pairing", self.pairing, PAIRINGS)

    # -- presets -----------------------------------------------------------
    @classmethod
    def song2000(cls, ratio: float = 1.05, *, A_plus: float = 0.005,
                 tau: Quantity = 20 * ms, pairing: str = "all-to-all") -> "PairSTDP":
        """Additive rule of Song, Miller & Abbott (2000): A+ = 0.005 (of g_max),
        A-/A+ = 1.05, tau+ = tau- = 20 ms, weights in [0, g_max] (here [0, 1])."""
        _number("song2000", "ratio", ratio)
        return cls(A_plus=A_plus, A_minus=ratio * A_plus, tau_plus=tau, tau_minus=tau,
                   w_max=1.0, weight_dependence="additive", pairing=pairing,
                   reference="Song, Miller & Abbott (2000) Nat Neurosci 3:919")

    @classmethod
    def van_rossum2000(cls, *, A_plus: float = 0.005, A_minus: float = 0.01,
                       tau: Quantity = 20 * ms, pairing: str = "all-to-all") -> "PairSTDP":
        """Weight-dependent rule of van Rossum, Bi & Turrigiano (2000) J Neurosci 20:8812:
        potentiation by a fixed amount, depression proportional to ``w``
        (``Delta w_- = -A_minus w/w_max``), tau = 20 ms.  The amplitudes are
        illustrative (the paper's c_p, c_d refer to conductances in pS)."""
        return cls(A_plus=A_plus, A_minus=A_minus, tau_plus=tau, tau_minus=tau, w_max=1.0,
                   weight_dependence="multiplicative", pairing=pairing,
                   reference="van Rossum, Bi & Turrigiano (2000) J Neurosci 20:8812")

    @classmethod
    def gutig2003(cls, mu: float = 0.4, *, A_plus: float = 0.005, ratio: float = 1.05,
                  tau: Quantity = 20 * ms, pairing: str = "all-to-all") -> "PairSTDP":
        """Power-law weight dependence of Gütig et al. (2003) J Neurosci 23:3697:
        ``f_+ = (1 - w)^mu``, ``f_- = alpha w^mu`` with alpha = A-/A+ (here *ratio*)."""
        return cls(A_plus=A_plus, A_minus=ratio * A_plus, tau_plus=tau, tau_minus=tau,
                   w_max=1.0, weight_dependence="gutig", mu=mu, pairing=pairing,
                   reference="Gütig, Aharonov, Rotter & Sompolinsky (2003) J Neurosci 23:3697")

    # -- analytic window ---------------------------------------------------
    def f_plus(self, w):
        """Weight dependence of potentiation, ``f_+(w)``."""
        w = np.asarray(w, dtype=np.float64)
        if self.weight_dependence == "gutig":
            return np.clip(1 - w / self.w_max, 0, None) ** self.mu
        return np.ones_like(w)

    def f_minus(self, w):
        """Weight dependence of depression, ``f_-(w)``."""
        w = np.asarray(w, dtype=np.float64)
        if self.weight_dependence == "multiplicative":
            return w / self.w_max
        if self.weight_dependence == "gutig":
            return np.clip(w / self.w_max, 0, None) ** self.mu
        return np.ones_like(w)

    def window(self, delta_t: Quantity, w: float | np.ndarray = 0.5) -> np.ndarray:
        """Weight change for one isolated pair, ``Delta t = t_post - t_pre`` (before clipping).

        ``Delta t >= 0`` potentiates (Brian2 processes the presynaptic pathway
        before the postsynaptic one within a time step, so coincident spikes
        potentiate by ``A_plus f_+(w)``).
        """
        d = np.asarray(to_si(check_quantity("delta_t", delta_t, second)), dtype=np.float64)
        tp, tm = to_si(self.tau_plus), to_si(self.tau_minus)
        return np.where(d >= 0, self.A_plus * self.f_plus(w) * np.exp(-np.abs(d) / tp),
                        -self.A_minus * self.f_minus(w) * np.exp(-np.abs(d) / tm))

    # -- Brian2 code -------------------------------------------------------
    def code(self) -> PlasticityCode:
        """Model, on_pre and on_post strings (see the module docstring)."""
        f_plus = {"additive": "", "multiplicative": "",
                  "gutig": "*(1 - w_syn/w_max)**mu"}[self.weight_dependence]
        f_minus = {"additive": "", "multiplicative": "*w_syn/w_max",
                   "gutig": "*(w_syn/w_max)**mu"}[self.weight_dependence]
        bump = "= 1" if self.pairing == "nearest" else "+= 1"
        model = ("w_syn : 1\n"
                 "dr1/dt = -r1/tau_plus : 1 (event-driven)\n"
                 "do1/dt = -o1/tau_minus : 1 (event-driven)\n")
        on_pre = f"r1 {bump}\nw_syn = clip(w_syn - A_minus{f_minus}*o1, 0, w_max)"
        on_post = f"o1 {bump}\nw_syn = clip(w_syn + A_plus{f_plus}*r1, 0, w_max)"
        namespace = {"A_plus": self.A_plus, "A_minus": self.A_minus, "tau_plus": self.tau_plus,
                     "tau_minus": self.tau_minus, "w_max": self.w_max}
        if self.weight_dependence == "gutig":
            namespace["mu"] = self.mu
        return PlasticityCode(model, on_pre, on_post, namespace, ("r1", "o1"))

    @property
    def label(self) -> str:
        """Short description, e.g. ``'pair additive (all-to-all)'``."""
        dep = self.weight_dependence + (f" mu={self.mu:g}" if self.weight_dependence == "gutig"
                                        else "")
        return f"pair {dep} ({self.pairing})"


#: Table 4 of Pfister & Gerstner (2006): (A2+, A3+, A2-, A3-, tau_x [ms], tau_y [ms]).
#: tau_+ = 16.8 ms and tau_- = 33.7 ms throughout; in the minimal models the
#: irrelevant tau_x is set to the full model's value.
TRIPLET_TABLE4 = {
    ("visual_cortex", "all-to-all", "full"): (5e-10, 6.2e-3, 7e-3, 2.3e-4, 101.0, 125.0),
    ("visual_cortex", "all-to-all", "minimal"): (0.0, 6.5e-3, 7.1e-3, 0.0, 101.0, 125.0),
    ("visual_cortex", "nearest", "full"): (8.8e-11, 5.3e-2, 6.6e-3, 3.1e-3, 714.0, 40.0),
    ("hippocampal", "all-to-all", "full"): (6.1e-3, 6.7e-3, 1.6e-3, 1.4e-3, 946.0, 27.0),
    ("hippocampal", "all-to-all", "minimal"): (5.3e-3, 8.0e-3, 3.5e-3, 0.0, 946.0, 40.0),
    ("hippocampal", "nearest", "full"): (4.6e-3, 9.1e-3, 3.0e-3, 7.5e-9, 575.0, 47.0),
}


@dataclass(frozen=True)
class TripletSTDP:
    """Triplet STDP rule of Pfister & Gerstner (2006), hard bounds ``[0, w_max]``.

    Parameters
    ----------
    A2_plus, A3_plus, A2_minus, A3_minus : float
        Pair and triplet amplitudes of potentiation and depression, >= 0.
    tau_plus, tau_minus, tau_x, tau_y : Quantity
        Trace time constants (``r1``, ``o1``, ``r2``, ``o2``).
    w_max : float
        Upper bound of the dimensionless weight.
    pairing : {'all-to-all', 'nearest'}
        Traces add up (all-to-all) or saturate at 1 (nearest spike).
    name : str
        Label of the parameter set.
    """

    A2_plus: float
    A3_plus: float
    A2_minus: float
    A3_minus: float
    tau_plus: Quantity = field(default_factory=lambda: 16.8 * ms)
    tau_minus: Quantity = field(default_factory=lambda: 33.7 * ms)
    tau_x: Quantity = field(default_factory=lambda: 101 * ms)
    tau_y: Quantity = field(default_factory=lambda: 125 * ms)
    w_max: float = 1.0
    pairing: str = "all-to-all"
    name: str = "triplet"
    reference: str = "Pfister & Gerstner (2006) J Neurosci 26:9673"

    def __post_init__(self):
        for key in ("A2_plus", "A3_plus", "A2_minus", "A3_minus"):
            _number("TripletSTDP", key, getattr(self, key))
        if _number("TripletSTDP", "w_max", self.w_max) <= 0:
            raise ValueError(f"TripletSTDP.w_max={self.w_max!r}: expected a value > 0")
        for key in ("tau_plus", "tau_minus", "tau_x", "tau_y"):
            check_quantity(f"TripletSTDP.{key}", getattr(self, key), second, positive=True)
        _check_choice("TripletSTDP", "pairing", self.pairing, PAIRINGS)

    @classmethod
    def pfister2006(cls, data: str = "visual_cortex", pairing: str = "all-to-all",
                    variant: str = "full", *, w_max: float = 1.0) -> "TripletSTDP":
        """A parameter set of Table 4 of Pfister & Gerstner (2006).

        Parameters
        ----------
        data : {'visual_cortex', 'hippocampal'}
            Fitted to Sjöström et al. (2001) (visual cortex) or to Bi & Poo (1998) /
            Wang et al. (2005) (hippocampal culture).
        pairing : {'all-to-all', 'nearest'}
        variant : {'full', 'minimal'}
            The minimal models set the unneeded amplitudes to zero.
        """
        key = (data, pairing, variant)
        if key not in TRIPLET_TABLE4:
            raise ValueError(f"TripletSTDP.pfister2006: no parameter set for data={data!r}, "
                             f"pairing={pairing!r}, variant={variant!r}; expected one of "
                             f"{sorted(TRIPLET_TABLE4)}")
        a2p, a3p, a2m, a3m, tx, ty = TRIPLET_TABLE4[key]
        return cls(a2p, a3p, a2m, a3m, tau_x=tx * ms, tau_y=ty * ms, w_max=w_max,
                   pairing=pairing, name=f"{data.replace('_', ' ')}, {pairing}, {variant}",
                   reference=f"Pfister & Gerstner (2006) J Neurosci 26:9673, Table 4 "
                             f"({data.replace('_', ' ')}, {pairing}, {variant} model)")

    @classmethod
    def visual_cortex(cls, pairing: str = "all-to-all", variant: str = "full",
                      **kw) -> "TripletSTDP":
        """Visual-cortex set of Table 4 (fit to Sjöström et al. 2001)."""
        return cls.pfister2006("visual_cortex", pairing, variant, **kw)

    @classmethod
    def hippocampal(cls, pairing: str = "all-to-all", variant: str = "full",
                    **kw) -> "TripletSTDP":
        """Hippocampal set of Table 4 (fit to Bi & Poo 1998 / Wang et al. 2005)."""
        return cls.pfister2006("hippocampal", pairing, variant, **kw)

    @classmethod
    def diehl_cook2015(cls, *, nu_pre: float = 1e-4, nu_post: float = 1e-2,
                       w_max: float = 1.0) -> "TripletSTDP":
        """Learning rule of Diehl & Cook (2015) Front Comput Neurosci 9:99 (their code).

        Nearest-spike traces (reset to 1): presynaptic ``r1`` with tau = 20 ms,
        postsynaptic ``o1`` (20 ms) and ``o2`` (40 ms)::

            on pre:  w = clip(w - nu_pre o1, 0, w_max)
            on post: w = clip(w + nu_post r1 o2, 0, w_max)    (o2 before its reset)

        i.e. ``A2_minus = nu_pre``, ``A3_plus = nu_post``, ``A2_plus = A3_minus = 0``
        (``r2``, with tau_x = 20 ms, is not used).
        """
        _number("diehl_cook2015", "nu_pre", nu_pre)
        _number("diehl_cook2015", "nu_post", nu_post)
        return cls(0.0, nu_post, nu_pre, 0.0, tau_plus=20 * ms, tau_minus=20 * ms,
                   tau_x=20 * ms, tau_y=40 * ms, w_max=w_max, pairing="nearest",
                   name="Diehl & Cook 2015, nearest",
                   reference="Diehl & Cook (2015) Front Comput Neurosci 9:99 (published code)")

    def window(self, delta_t: Quantity) -> np.ndarray:
        """Pair weight change at low pairing rates (triplet terms vanish):
        ``A2_plus exp(-Dt/tau_plus)`` for Dt >= 0, ``-A2_minus exp(Dt/tau_minus)`` otherwise."""
        d = np.asarray(to_si(check_quantity("delta_t", delta_t, second)), dtype=np.float64)
        return np.where(d >= 0, self.A2_plus * np.exp(-np.abs(d) / to_si(self.tau_plus)),
                        -self.A2_minus * np.exp(-np.abs(d) / to_si(self.tau_minus)))

    def code(self) -> PlasticityCode:
        """Model, on_pre and on_post strings (see the module docstring)."""
        bump = "= 1" if self.pairing == "nearest" else "+= 1"
        model = ("w_syn : 1\n"
                 "dr1/dt = -r1/tau_plus : 1 (event-driven)\n"
                 "dr2/dt = -r2/tau_x : 1 (event-driven)\n"
                 "do1/dt = -o1/tau_minus : 1 (event-driven)\n"
                 "do2/dt = -o2/tau_y : 1 (event-driven)\n")
        on_pre = (f"w_syn = clip(w_syn - o1*(A2_minus + A3_minus*r2), 0, w_max)\n"
                  f"r1 {bump}\nr2 {bump}")
        on_post = (f"w_syn = clip(w_syn + r1*(A2_plus + A3_plus*o2), 0, w_max)\n"
                   f"o1 {bump}\no2 {bump}")
        namespace = {"A2_plus": self.A2_plus, "A3_plus": self.A3_plus,
                     "A2_minus": self.A2_minus, "A3_minus": self.A3_minus,
                     "tau_plus": self.tau_plus, "tau_minus": self.tau_minus,
                     "tau_x": self.tau_x, "tau_y": self.tau_y, "w_max": self.w_max}
        return PlasticityCode(model, on_pre, on_post, namespace, ("r1", "r2", "o1", "o2"))

    @property
    def label(self) -> str:
        """Short description, e.g. ``'triplet visual cortex, all-to-all, full'``."""
        return f"triplet {self.name}"
