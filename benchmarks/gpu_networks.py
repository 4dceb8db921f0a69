"""Scalable network factories for the GPU backend benchmark and consistency tests.

Two networks of brian2genn_benchmarks (Stimberg, Goodman & Nowotny 2020, Sci
Rep 10:410; https://github.com/brian-team/brian2genn_benchmarks):

* :class:`COBAHH` - benchmark 3 of Brette et al. (2007) J Comput Neurosci
  23:349: ``4000*scale`` Traub-Miles HH neurons (the package's
  ``HH(variant='traub_miles')``, preset ``cobahh``), 80% excitatory, each
  neuron projecting to ~1000 others (connection probability 1000/N), threshold
  -20 mV, refractory 3 ms, exponential-Euler integration, dt 0.1 ms.  As in
  brian2genn_benchmarks, the weights default to ``rand()*1e-9 nS`` (effectively
  uncoupled: activity independent of size, while every spike still goes through
  the synaptic machinery); ``w_e=6 nS, w_i=67 nS`` gives Brette's coupled
  network.  The gating variables start at their steady state at E_L
  (brian2genn_benchmarks starts them at 0).
* :class:`MushroomBody` - the locust olfactory model of Nowotny et al. (2005)
  Biol Cybern 93:436 as in brian2genn_benchmarks: 100 projection neurons
  (spike patterns every 50 ms), ``2500*scale`` intrinsic Kenyon cells
  (p = 0.15 from PNs), 100 extrinsic KCs with pair STDP on the iKC->eKC
  synapses (at most 10000 per eKC), and all-to-all eKC->eKC inhibition.

``init='host'`` draws initial values, weights and connections with numpy from
``seed`` (identical networks on every backend: for consistency tests);
``init='device'`` draws them in generated code (``rand()``, ``connect(p=...)``),
which is what a 1M-neuron network needs.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from brian2 import (Network, SpikeGeneratorGroup, SpikeMonitor, StateMonitor, Synapses, siemens,
                    volt)

from neurolab_snn.built_network import BuiltNetwork
from neurolab_snn.models import HH
from neurolab_snn.models.base import NeuronModel
from neurolab_snn.units import mV, ms, nS, second, to_si

_INITS = ("host", "device")


def _check_init(init):
    if init not in _INITS:
        raise ValueError(f"init={init!r}: expected one of {_INITS}")


#: Traub-Miles HH of COBAHH with the 3 ms refractory period of brian2genn_benchmarks (built
#: here, not inside build_network: a NeuronModel builds a throw-away group to check units).
COBAHH_MODEL = dataclasses.replace(HH(variant="traub_miles"), refractory=3 * ms)


@dataclass(frozen=True)
class COBAHH:
    """COBAHH network of ``int(4000*scale)`` neurons (see the module docstring).

    Parameters
    ----------
    scale : float
        Size relative to 4000 neurons.
    synapses_per_neuron : float
        Mean out-degree (connection probability = this / N, at most 1).
    w_e, w_i : Quantity or None
        Constant excitatory / inhibitory weights; None: ``rand()*1e-9 nS``
        as in brian2genn_benchmarks.
    init : {'host', 'device'}
        Where random values and connections are drawn.
    seed : int
        numpy seed for ``init='host'``.
    record_v : int
        Number of neurons whose membrane potential is recorded.
    """

    scale: float = 1.0
    synapses_per_neuron: float = 1000.0
    w_e: object = None
    w_i: object = None
    init: str = "device"
    seed: int = 0
    record_v: int = 0

    def __post_init__(self):
        _check_init(self.init)
        if not self.scale > 0:
            raise ValueError(f"scale={self.scale!r}: expected > 0")

    @property
    def n(self) -> int:
        return int(4000 * self.scale)

    @property
    def n_exc(self) -> int:
        return int(3200 * self.scale)

    def build_network(self, dt) -> BuiltNetwork:
        model = COBAHH_MODEL
        n, n_exc = self.n, self.n_exc
        group = model.build_group(n, name="cobahh", dt=dt)
        exc, inh = group[:n_exc], group[n_exc:]
        syn_e = Synapses(exc, group, "w_E : siemens (constant)", on_pre="g_e += w_E",
                         dt=dt, name="cobahh_exc")
        syn_i = Synapses(inh, group, "w_I : siemens (constant)", on_pre="g_i += w_I",
                         dt=dt, name="cobahh_inh")
        p = min(1.0, self.synapses_per_neuron / n)
        if self.init == "host":
            rng = np.random.default_rng(self.seed)
            for syn, n_pre in ((syn_e, n_exc), (syn_i, n - n_exc)):
                pre, post = np.nonzero(rng.random((n_pre, n)) < p)
                syn.connect(i=pre, j=post)
            e_l = float(to_si(model.parameters["E_L"]))
            group.v = (e_l + (rng.standard_normal(n) * 5 - 5) * 1e-3) * volt
            group.g_e = (rng.standard_normal(n) * 1.5 + 4) * 10e-9 * siemens
            group.g_i = (rng.standard_normal(n) * 12 + 20) * 10e-9 * siemens
            for syn, var, w in ((syn_e, "w_E", self.w_e), (syn_i, "w_I", self.w_i)):
                values = rng.random(len(syn)) * 1e-18 if w is None else \
                    np.full(len(syn), float(to_si(w)))
                setattr(syn, var, values * siemens)
        else:
            syn_e.connect(p=p)
            syn_i.connect(p=p)
            group.v.set_item(slice(None), "E_L + (randn()*5 - 5)*mV", namespace={})
            group.g_e.set_item(slice(None), "(randn()*1.5 + 4)*10*nS", namespace={})
            group.g_i.set_item(slice(None), "(randn()*12 + 20)*10*nS", namespace={})
            for syn, var, w in ((syn_e, "w_E", self.w_e), (syn_i, "w_I", self.w_i)):
                value = "rand()*1e-9*nS" if w is None else w
                getattr(syn, var).set_item(slice(None), value, namespace={})
        spikes = SpikeMonitor(group, name="cobahh_spikes")
        objects = [group, syn_e, syn_i, spikes]
        states = {}
        if self.record_v:
            idx = np.linspace(0, n - 1, min(self.record_v, n)).astype(int)
            smon = StateMonitor(group, "v", record=idx, dt=dt, name="cobahh_v")
            objects.append(smon)
            states["cobahh"] = (smon, ("v",), idx)
        return BuiltNetwork(Network(*objects), {"cobahh": (spikes, n)}, states,
                            {"group": group, "exc": syn_e, "inh": syn_i})


#: Traub-Miles kinetics with absolute conductances (Nowotny et al. 2005, as in
#: brian2genn_benchmarks' Mbody_example); synaptic currents enter through I_syn.
_MBODY_EQS = """
dv/dt = -(g_Na*m**3*h*(v - E_Na) + g_K*n**4*(v - E_K) + g_L*(v - E_L) + I_syn)/C_m : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
alpha_m = 0.32/mV*4*mV/exprel((13*mV - v + V_T)/(4*mV))/ms : Hz
beta_m = 0.28/mV*5*mV/exprel((v - V_T - 40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV - v + V_T)/(18*mV))/ms : Hz
beta_h = 4/(1 + exp((40*mV - v + V_T)/(5*mV)))/ms : Hz
alpha_n = 0.032/mV*5*mV/exprel((15*mV - v + V_T)/(5*mV))/ms : Hz
beta_n = 0.5*exp((10*mV - v + V_T)/(40*mV))/ms : Hz
"""
_MBODY_PARAMS = {"g_Na": 7.15e-6, "E_Na": 50e-3, "g_K": 1.43e-6, "E_K": -95e-3,
                 "g_L": 0.0267e-6, "E_L": -63.56e-3, "C_m": 0.3e-9, "V_T": -63e-3}


def mbody_model(kind: str) -> NeuronModel:
    """Kenyon-cell model of the mushroom body: ``'iKC'`` or ``'eKC'`` synaptic inputs."""
    from brian2 import farad
    units = {"g_Na": siemens, "g_K": siemens, "g_L": siemens, "C_m": farad}
    params = {k: v * units.get(k, volt) for k, v in _MBODY_PARAMS.items()}
    if kind == "iKC":
        syn = ("I_syn = g_PN*(v - E_e) : amp\ndg_PN/dt = -g_PN/tau_PN : siemens\n")
        params.update(E_e=0 * mV, tau_PN=2 * ms)
    elif kind == "eKC":
        syn = ("I_syn = g_KC*(v - E_e) + g_inh*(v - E_i) : amp\n"
               "dg_KC/dt = -g_KC/tau_KC : siemens\ndg_inh/dt = -g_inh/tau_inh : siemens\n")
        params.update(E_e=0 * mV, E_i=-92 * mV, tau_KC=10 * ms, tau_inh=5 * ms)
    else:
        raise ValueError(f"kind={kind!r}: expected 'iKC' or 'eKC'")
    return NeuronModel(name=kind, equations=_MBODY_EQS + syn, threshold="v > 0*mV",
                       refractory="v > 0*mV", method="exponential_euler", parameters=params,
                       initial_values={"v": "E_L", "h": 1, "m": 0, "n": 0.5},
                       reference="Nowotny et al. (2005) Biol Cybern 93:436; "
                                 "brian2genn_benchmarks Mbody_example")


IKC_MODEL, EKC_MODEL = mbody_model("iKC"), mbody_model("eKC")


@dataclass(frozen=True)
class MushroomBody:
    """Mushroom-body network with STDP (see the module docstring).

    Parameters
    ----------
    scale : float
        ``2500*scale`` intrinsic Kenyon cells (the only population that grows).
    duration : float
        Seconds of odour input (one pattern every 50 ms).
    init : {'host', 'device'}
    seed : int
        numpy seed for the input patterns (always host) and ``init='host'``.
    """

    scale: float = 1.0
    duration: float = 1.0
    init: str = "device"
    seed: int = 0
    n_pn: int = 100
    n_ekc: int = 100

    def __post_init__(self):
        _check_init(self.init)

    @property
    def n_ikc(self) -> int:
        return int(2500 * self.scale)

    @property
    def n(self) -> int:
        return self.n_pn + self.n_ikc + self.n_ekc

    def _input(self, rng):
        n_pat, n_rep = 10, max(1, int(round(self.duration / 0.05)))
        patterns = [rng.choice(self.n_pn, self.n_pn // 5, replace=False) for _ in range(n_pat)]
        indices, times = [], []
        for k in range(n_rep):
            pattern = patterns[rng.integers(n_pat)].copy()
            swap = rng.binomial(len(pattern), 0.1)
            if swap:
                pattern[:swap] = rng.integers(self.n_pn, size=swap)
            pattern = np.unique(pattern)
            t = k * 0.05 + 1e-3 + rng.random() * 2e-3
            indices.append(pattern)
            times.append(np.full(len(pattern), round(t / 1e-4) * 1e-4))
        return np.concatenate(indices), np.concatenate(times)

    def build_network(self, dt) -> BuiltNetwork:
        rng = np.random.default_rng(self.seed)
        idx, times = self._input(rng)
        pn = SpikeGeneratorGroup(self.n_pn, idx, times * second, dt=dt, name="PN")
        ikc = IKC_MODEL.build_group(self.n_ikc, name="iKC", dt=dt)
        ekc = EKC_MODEL.build_group(self.n_ekc, name="eKC", dt=dt)
        n_target = min(self.n_ikc, 10000)
        k = min(1.0, 2500 / n_target)
        ns = {"scale": 0.675, "w_max": 3.75 * nS * k, "dApre": 0.1 * nS * k,
              "tau_pre": 10 * ms, "tau_post": 10 * ms, "k": k, "w_eKC": 75 * nS}
        pn_ikc = Synapses(pn, ikc, "weight : siemens", on_pre="g_PN += scale*weight",
                          dt=dt, namespace=ns, name="PN_iKC")
        ikc_ekc = Synapses(
            ikc, ekc, """w : siemens
            dApre/dt = -Apre/tau_pre : siemens (event-driven)
            dApost/dt = -Apost/tau_post : siemens (event-driven)""",
            on_pre="g_KC += w\nApre += dApre\nw = clip(w + Apost, 0*nS, w_max)",
            on_post="Apost += -dApre\nw = clip(w + Apre, 0*nS, w_max)",
            dt=dt, namespace=ns, name="iKC_eKC")
        ekc_ekc = Synapses(ekc, ekc, on_pre="g_inh += scale*w_eKC", dt=dt, namespace=ns,
                           name="eKC_eKC")
        p_ke = n_target / self.n_ikc
        if self.init == "host":
            for syn, n_pre, n_post, p in ((pn_ikc, self.n_pn, self.n_ikc, 0.15),
                                          (ikc_ekc, self.n_ikc, self.n_ekc, p_ke)):
                pre, post = np.nonzero(rng.random((n_pre, n_post)) < p)
                syn.connect(i=pre, j=post)
            ekc_ekc.connect(i=np.repeat(np.arange(self.n_ekc), self.n_ekc),
                            j=np.tile(np.arange(self.n_ekc), self.n_ekc))
            pn_ikc.weight = (10 + 1.25 * rng.standard_normal(len(pn_ikc))) * 1e-9 * siemens
            w_max = float(to_si(ns["w_max"]))
            w = rng.random(len(ikc_ekc)) * w_max / 10 * k
            active = rng.random(len(ikc_ekc)) < 0.2
            w[active] = (2.5 + 0.5 * rng.standard_normal(active.sum())) * 1e-9 * k
            ikc_ekc.w = w * siemens
        else:
            pn_ikc.connect(p=0.15)
            ikc_ekc.connect(p=p_ke)
            ekc_ekc.connect()
            pn_ikc.weight.set_item(slice(None), "10*nS + 1.25*nS*randn()", namespace={})
            ikc_ekc.w.set_item(slice(None), "rand()*w_max/10*k", namespace={})
            ikc_ekc.w.set_item("rand() < 0.2", "(2.5*nS + 0.5*nS*randn())*k", namespace={})
        mons = {name: SpikeMonitor(g, name=f"{name}_spikes")
                for name, g in (("PN", pn), ("iKC", ikc), ("eKC", ekc))}
        objects = [pn, ikc, ekc, pn_ikc, ikc_ekc, ekc_ekc, *mons.values()]
        sizes = {"PN": self.n_pn, "iKC": self.n_ikc, "eKC": self.n_ekc}
        return BuiltNetwork(Network(*objects), {k_: (m, sizes[k_]) for k_, m in mons.items()},
                            {}, {"stdp": ikc_ekc})
