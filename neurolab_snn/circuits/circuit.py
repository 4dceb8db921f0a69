"""Circuit: populations + projections, built into an explicit Brian2 Network (layer L2).

A :class:`Circuit` is a description - population specs
(:class:`~.populations.Population`, :class:`~.populations.PoissonSource`,
:class:`~.populations.SpikeSource`) and :class:`Projection` specs (a synapse
spec, a connectivity rule, optionally a plasticity rule) - plus a seed.  It
implements ``build_network(dt) -> BuiltNetwork``, so ``simulate(circuit, ...)``
runs it on every backend; it never calls ``run()`` itself.  After a build the
Brian2 objects are exposed by name: :attr:`Circuit.groups`,
:attr:`Circuit.synapses`, :attr:`Circuit.monitors`.

Circuits compose: ``a + b`` (or :func:`compose`) merges populations of the same
name (which must be identical specs) and adds the projections of both, so one
motif's output population is the next motif's input.

Randomness is explicit: connectivity and random initial values are drawn in
numpy from ``default_rng([seed, crc32(name)])`` per projection/population, so
a circuit has identical synapses on runtime and cpp_standalone; Poisson
sources use Brian2's generator, seeded by the simulation seed.
"""
from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from brian2 import (Network, PoissonGroup, SpikeGeneratorGroup, SpikeMonitor,
                    StateMonitor, Synapses, TimedArray)
from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions, get_unit

from ..built_network import BuiltNetwork
from ..synapses.kinetics import ALPHA_PEAK, ConductanceSynapse, CurrentSynapse
from ..synapses.stdp import PairSTDP, TripletSTDP
from ..units import Hz, Quantity, amp, check_quantity, second, to_si
from .connectivity import AllToAll, Connectivity
from .populations import (PoissonSource, Population, SpikeSource, Uniform, check_name,
                          declares, with_synaptic_inputs)

__all__ = ["Projection", "Circuit", "compose"]

SYNAPSE_TYPES = (CurrentSynapse, ConductanceSynapse)
PLASTICITY_TYPES = (PairSTDP, TripletSTDP)


@dataclass(frozen=True, eq=False)
class Projection:
    """Synapses from population (or part) *pre* to *post*.

    Parameters
    ----------
    pre, post : str
        Names of populations or of population parts (the synapses' ``i``
        and ``j`` then index the whole population; connectivity rules and
        callables see indices within the part).
    synapse : CurrentSynapse or ConductanceSynapse, optional
        Kinetics and weight of transmission; ``None`` only for a
        plasticity-only projection (the weight is learned but not transmitted).
    connectivity : Connectivity
        Which pairs are connected (default :class:`AllToAll`).
    plasticity : PairSTDP or TripletSTDP, optional
        STDP rule; the transmitted weight is then ``w * synapse.weight`` with
        the dimensionless plastic ``w`` in ``[0, w_max]``.
    weight_factor : float, array or callable, optional
        Static projections: per-synapse multiplier of ``synapse.weight``;
        a callable gets the index arrays ``(i, j)``.  The Brian2 variable is
        ``w_syn``: one shared constant when every synapse has the same weight
        (as in a hand-written network), else one value per synapse.
    w_init : float, Uniform or callable, optional
        Plastic projections: initial ``w`` (default ``w_max / 2``); a callable
        gets ``(i, j, rng)``.
    per_synapse : mapping
        Rule parameters (e.g. ``'A_minus'``) or ``'delay'`` made per-synapse
        variables: value is a number, an array or a callable of ``(i, j)``.
    record : sequence of str
        Synaptic variables to record (e.g. ``('w_syn',)``) every ``record_dt``;
        ``record_indices`` picks synapses (default all).
    name : str, optional
        Defaults to ``'<pre>_to_<post>'``.
    """

    pre: str
    post: str
    synapse: CurrentSynapse | ConductanceSynapse | None = None
    connectivity: Connectivity = field(default_factory=AllToAll)
    plasticity: PairSTDP | TripletSTDP | None = None
    weight_factor: object = None
    w_init: object = None
    per_synapse: Mapping[str, object] = field(default_factory=dict)
    record: Sequence[str] = ()
    record_indices: Sequence[int] | None = None
    record_dt: Quantity | None = None
    name: str | None = None

    def __post_init__(self):
        if self.name is None:
            object.__setattr__(self, "name", f"{self.pre}_to_{self.post}")
        check_name("projection", self.name)
        if self.synapse is not None and not isinstance(self.synapse, SYNAPSE_TYPES):
            raise TypeError(f"projection {self.name!r}: synapse={self.synapse!r}; expected a "
                            "CurrentSynapse or ConductanceSynapse")
        if self.plasticity is not None and not isinstance(self.plasticity, PLASTICITY_TYPES):
            raise TypeError(f"projection {self.name!r}: plasticity={self.plasticity!r}; "
                            "expected a PairSTDP or TripletSTDP rule")
        if self.synapse is None and self.plasticity is None:
            raise ValueError(f"projection {self.name!r}: expected a synapse spec, a plasticity "
                             "rule, or both")
        if not isinstance(self.connectivity, Connectivity):
            raise TypeError(f"projection {self.name!r}: connectivity={self.connectivity!r}; "
                            "expected a Connectivity rule (AllToAll(), Probability(p), ...)")
        if self.plasticity is not None and self.weight_factor is not None:
            raise ValueError(f"projection {self.name!r}: weight_factor applies to static "
                             "synapses; plastic projections take w_init")
        if self.plasticity is None and self.w_init is not None:
            raise ValueError(f"projection {self.name!r}: w_init applies to plastic projections;"
                             " static ones take weight_factor")
        allowed = set(self.plasticity.code().namespace) if self.plasticity else set()
        for key in self.per_synapse:
            if key != "delay" and key not in allowed:
                raise ValueError(f"projection {self.name!r}: per_synapse key {key!r}; expected "
                                 f"'delay' or a rule parameter {sorted(allowed)}")
        if self.record_dt is not None:
            check_quantity(f"{self.name}.record_dt", self.record_dt, second, positive=True)
        object.__setattr__(self, "per_synapse", MappingProxyType(dict(self.per_synapse)))
        object.__setattr__(self, "record", tuple(self.record))

    @property
    def delay(self) -> Quantity:
        """Transmission delay of the synapse spec (0 s without one)."""
        return self.synapse.delay if self.synapse is not None else 0 * second


def _crc(name: str) -> int:
    return zlib.crc32(name.encode())


def _values(spec, i, j, rng=None):
    if callable(spec):
        return np.asarray(spec(i, j) if rng is None else spec(i, j, rng), dtype=np.float64)
    if isinstance(spec, Uniform):
        return np.asarray(to_si(spec.draw(len(i), rng)), dtype=np.float64)
    return spec


class Circuit:
    """Populations and projections with a seed; builds a Brian2 Network.

    Parameters
    ----------
    populations : sequence of Population, PoissonSource or SpikeSource
    projections : sequence of Projection
    seed : int
        Seed of the connectivity and initial-value draws.
    record_dt : Quantity, optional
        Sampling step of all recorded population traces (default: the simulation dt).
    name : str
        Label of the circuit.

    Raises
    ------
    ValueError
        Unknown or duplicated names, incompatible populations (a source as
        target, a model without the input a synapse needs, conflicting
        channel kinetics), STDP on a population that does not spike.
    """

    def __init__(self, populations: Sequence = (), projections: Sequence[Projection] = (), *,
                 seed: int = 0, record_dt: Quantity | None = None, name: str = "circuit"):
        if isinstance(seed, bool) or int(seed) != seed:
            raise ValueError(f"seed={seed!r}: expected an integer")
        self.seed, self.name = int(seed), name
        self.record_dt = record_dt
        if record_dt is not None:
            check_quantity("record_dt", record_dt, second, positive=True)
        pops: dict = {}
        for pop in populations:
            if not isinstance(pop, (Population, PoissonSource, SpikeSource)):
                raise TypeError(f"populations: got {pop!r}; expected Population, PoissonSource "
                                "or SpikeSource")
            if pop.name in pops:
                raise ValueError(f"population name {pop.name!r} is used twice")
            pops[pop.name] = pop
        self._parts = {}
        for pop in pops.values():
            for part, (start, stop) in pop.parts.items():
                if part in pops or part in self._parts:
                    raise ValueError(f"part name {part!r} of population {pop.name!r} is already "
                                     "the name of a population or part")
                self._parts[part] = (pop.name, start, stop)
        projs: dict = {}
        for proj in projections:
            if not isinstance(proj, Projection):
                raise TypeError(f"projections: got {proj!r}; expected a Projection")
            if proj.name in projs:
                raise ValueError(f"projection name {proj.name!r} is used twice; pass name=...")
            if proj.name in pops or proj.name in self._parts:
                raise ValueError(f"projection name {proj.name!r} is also a population name")
            projs[proj.name] = proj
        self._populations = MappingProxyType(pops)
        self._projections = MappingProxyType(projs)
        self._channels = self._check_projections()
        self._built = None

    # -- description -----------------------------------------------------------------
    @property
    def populations(self) -> Mapping:
        """Population specs by name."""
        return self._populations

    @property
    def projections(self) -> Mapping[str, Projection]:
        """Projection specs by name."""
        return self._projections

    def resolve(self, name: str) -> tuple:
        """``(population spec, start, stop)`` of a population or part name."""
        if name in self._populations:
            pop = self._populations[name]
            return pop, 0, pop.n
        if name in self._parts:
            parent, start, stop = self._parts[name]
            return self._populations[parent], start, stop
        raise ValueError(f"unknown population {name!r}; expected one of "
                         f"{sorted(self._populations) + sorted(self._parts)}")

    def size(self, name: str) -> int:
        """Number of neurons of a population or part."""
        _, start, stop = self.resolve(name)
        return stop - start

    def add(self, *items) -> "Circuit":
        """A new circuit with more populations and/or projections."""
        new_pops = [x for x in items if not isinstance(x, Projection)]
        new_projs = [x for x in items if isinstance(x, Projection)]
        pops = list(self._populations.values()) + new_pops
        projs = list(self._projections.values()) + new_projs
        return Circuit(pops, projs, seed=self.seed, record_dt=self.record_dt, name=self.name)

    def __add__(self, other: "Circuit") -> "Circuit":
        return compose(self, other, seed=self.seed)

    def describe(self) -> dict:
        """JSON-ready summary: populations (kind, model, n) and projections."""
        pops = {}
        for name, pop in self._populations.items():
            pops[name] = {"kind": type(pop).__name__, "n": pop.n,
                          "model": getattr(getattr(pop, "model", None), "name", None),
                          "parts": {k: list(v) for k, v in pop.parts.items()}}
        projs = {}
        for name, proj in self._projections.items():
            projs[name] = {"pre": proj.pre, "post": proj.post,
                           "synapse": None if proj.synapse is None else
                           f"{proj.synapse.kind} {proj.synapse.weight!r}",
                           "connectivity": proj.connectivity.describe(),
                           "plasticity": None if proj.plasticity is None else
                           proj.plasticity.label}
        return {"name": self.name, "seed": self.seed, "populations": pops, "projections": projs}

    # -- validation ------------------------------------------------------------------
    def _check_projections(self) -> dict:
        channels: dict[str, dict] = {name: {} for name in self._populations}
        owners: dict[tuple, str] = {}
        self._targets: dict[str, tuple[str, str]] = {}
        for proj in self._projections.values():
            pre, _, _ = self.resolve(proj.pre)
            post, _, _ = self.resolve(proj.post)
            if proj.plasticity is not None:
                for role, pop in (("presynaptic", pre), ("postsynaptic", post)):
                    if not pop.spiking:
                        raise ValueError(
                            f"projection {proj.name!r}: {type(proj.plasticity).__name__} needs "
                            f"{role} spikes, but population {pop.name!r} (model "
                            f"{pop.model.name!r}) has no threshold")
            if proj.synapse is None:
                self._targets[proj.name] = ("", "1")
                continue
            if not isinstance(post, Population):
                raise ValueError(f"incompatible populations: projection {proj.name!r} targets "
                                 f"{type(post).__name__} {post.name!r}, which has no membrane to "
                                 "drive; expected a Population (or synapse=None for a "
                                 "plasticity-only projection)")
            syn = proj.synapse
            code = syn.channel_code()
            if isinstance(syn, ConductanceSynapse) and _native_conductance(post.model, syn.channel):
                _check_native(proj, post, syn)
                self._targets[proj.name] = (f"g_{syn.channel}", "1")
                continue
            if syn.kind == "instantaneous":
                if not declares(post.model, "v"):
                    raise ValueError(f"incompatible populations: projection {proj.name!r} "
                                     f"(instantaneous) needs a variable 'v' in model "
                                     f"{post.model.name!r} of population {post.name!r}")
                self._targets[proj.name] = ("v", "1")
                continue
            key = (post.name, syn.channel)
            if key in owners and channels[post.name][syn.channel].key != code.key:
                raise ValueError(
                    f"incompatible synapses: projections {owners[key]!r} and {proj.name!r} both "
                    f"use channel {syn.channel!r} of population {post.name!r} with different "
                    f"kinetics ({channels[post.name][syn.channel].key} vs {code.key}); give one "
                    "of them another channel name")
            owners.setdefault(key, proj.name)
            channels[post.name][syn.channel] = code
            self._targets[proj.name] = (code.variable, code.increment)
        self._models = {}
        for name, pop in self._populations.items():
            if isinstance(pop, Population):
                model = with_synaptic_inputs(pop, channels[name])
                for var in list(pop.initial_values) + list(pop.record):
                    if not declares(model, var):
                        raise ValueError(f"population {name!r}: model {model.name!r} (with its "
                                         f"synaptic inputs) has no variable {var!r}")
                self._models[name] = model
        return channels

    # -- building --------------------------------------------------------------------
    def build_network(self, dt: Quantity) -> BuiltNetwork:
        """Build groups, synapses and monitors under the active Brian2 device.

        Never calls ``run()``; :func:`neurolab_snn.sim.simulate` does.
        """
        check_quantity("dt", dt, second, positive=True)
        groups, synapses, monitors, handles, objects = {}, {}, {}, {}, []
        spike_mons, state_mons = {}, {}
        for name, pop in self._populations.items():
            group, extra, tables = self._build_population(pop, dt)
            groups[name] = group
            objects += [group, *extra]
            handles.update(tables)   # TimedArrays: new values between standalone runs
            for part, (start, stop) in pop.parts.items():
                groups[part] = group[start:stop]
            if pop.record_spikes:
                mon = SpikeMonitor(group, name=f"{name}_spikes")
                spike_mons[name] = (mon, pop.n)
                monitors[mon.name] = mon
                objects.append(mon)
            if isinstance(pop, Population) and pop.record:
                idx = (np.arange(pop.n) if pop.record_indices is None
                       else np.asarray(pop.record_indices, dtype=int))
                smon = StateMonitor(group, list(pop.record), record=idx,
                                    dt=self.record_dt or dt, name=f"{name}_states")
                monitors[smon.name] = smon
                objects.append(smon)
                if pop.record_spikes:
                    state_mons[name] = (smon, tuple(pop.record), idx)
        for name, proj in self._projections.items():
            syn = self._build_projection(proj, groups, dt)
            synapses[name] = syn
            objects.append(syn)
            if proj.record:
                rec = True if proj.record_indices is None else np.asarray(proj.record_indices)
                smon = StateMonitor(syn, list(proj.record), record=rec,
                                    dt=proj.record_dt or dt, name=f"{name}_states")
                monitors[smon.name] = smon
                objects.append(smon)
        handles.update(groups)
        handles.update(synapses)
        self._built = {"groups": MappingProxyType(groups), "synapses": MappingProxyType(synapses),
                       "monitors": MappingProxyType(monitors)}
        return BuiltNetwork(Network(*objects), spike_mons, state_mons, handles)

    def _rng(self, name: str, salt: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, _crc(name), salt])

    def _build_population(self, pop, dt):
        """``(group, extra network objects, {name: TimedArray})``."""
        extra, tables = [], {}
        if isinstance(pop, PoissonSource):
            if pop.rate_dt is None:
                return (PoissonGroup(pop.n, pop.rates, name=pop.name, namespace={}, dt=dt),
                        extra, tables)
            rates = np.asarray(to_si(pop.rates), dtype=np.float64)
            stim = TimedArray(rates * Hz, dt=pop.rate_dt, name=f"{pop.name}_rates")
            tables[stim.name] = stim
            expr = "R_stimulus(t)" if rates.ndim == 1 else "R_stimulus(t, i)"
            return PoissonGroup(pop.n, expr, name=pop.name, namespace={"R_stimulus": stim},
                                dt=dt), extra, tables
        if isinstance(pop, SpikeSource):
            return SpikeGeneratorGroup(pop.n, np.asarray(pop.indices), pop.times,
                                       period=pop.period if pop.period is not None else 0 * second,
                                       name=pop.name, dt=dt), extra, tables
        model = self._models[pop.name]
        stim_ns = {}
        if pop.stimulus is not None:
            values, sdt = pop.stimulus
            stim_ns["I_stimulus"] = TimedArray(np.asarray(to_si(values)) * amp, dt=sdt,
                                               name=f"{pop.name}_stimulus")
            tables[f"{pop.name}_stimulus"] = stim_ns["I_stimulus"]
        group = model.build_group(pop.n, name=pop.name, dt=dt, extra_namespace=stim_ns)
        rng = self._rng(pop.name, 0)
        for var, value in pop.initial_values.items():
            if isinstance(value, Uniform):
                value = value.draw(pop.n, rng)
            setattr(group, var, value)
        if pop.I_ext is not None:
            group.I_ext = pop.I_ext if np.size(pop.I_ext) > 1 else np.ravel(pop.I_ext)[0]
        if pop.stimulus is not None:
            arg = "t" if np.ndim(pop.stimulus[0]) == 1 else "t, i"
            op = group.run_regularly(f"I_ext = I_stimulus({arg})", dt=dt, when="start",
                                     name=f"{pop.name}_current_input")
            extra.append(op)
        return group, extra, tables

    def _build_projection(self, proj: Projection, groups: Mapping, dt) -> Synapses:
        pre_spec, pre0, pre1 = self.resolve(proj.pre)
        post_spec, post0, post1 = self.resolve(proj.post)
        n_pre, n_post = pre1 - pre0, post1 - post0
        rng = self._rng(proj.name, 1)
        positions = [None if spec.positions is None else np.asarray(spec.positions)[a:b]
                     for spec, a, b in ((pre_spec, pre0, pre1), (post_spec, post0, post1))]
        same = pre_spec is post_spec and pre0 == post0 and pre1 == post1
        i, j, factor = proj.connectivity.pairs(n_pre, n_post, rng, pre_positions=positions[0],
                                               post_positions=positions[1], same=same,
                                               label=f"projection {proj.name!r}")
        shared = self._shared_weight(proj, factor)
        model, on_pre, on_post, namespace = self._synapse_code(proj, shared)
        kwargs = {}
        if "delay" not in proj.per_synapse:
            kwargs["delay"] = proj.delay
        # Parts connect through their whole group with offset indices (no Brian2
        # Subgroup: its spike filtering costs time on every step, as in Brian2's own
        # CUBA example, which connects P to P with 'i < 3200').
        syn = Synapses(groups[pre_spec.name], groups[post_spec.name], model=model,
                       on_pre=on_pre, on_post=on_post or None, namespace=namespace,
                       name=proj.name, dt=dt, **kwargs)
        syn.connect(i=np.asarray(i + pre0, dtype=np.int32),
                    j=np.asarray(j + post0, dtype=np.int32))
        if len(i) == 0:
            return syn
        if shared:
            syn.w_syn = proj.synapse.weight
        elif proj.plasticity is None:
            w = np.ones(len(i)) if factor is None else np.asarray(factor, dtype=np.float64)
            if proj.weight_factor is not None:
                w = w * _sized(proj, "weight_factor", _values(proj.weight_factor, i, j), len(i))
            syn.w_syn = w * proj.synapse.weight
        else:
            w0 = proj.plasticity.w_max / 2 if proj.w_init is None else \
                _values(proj.w_init, i, j, self._rng(proj.name, 2))
            w0 = _sized(proj, "w_init", w0, len(i))
            if np.any(w0 < 0) or np.any(w0 > proj.plasticity.w_max):
                raise ValueError(f"projection {proj.name!r}: w_init outside [0, w_max="
                                 f"{proj.plasticity.w_max}]")
            syn.w_syn = w0 if factor is None else w0 * factor
        for key, spec in proj.per_synapse.items():
            value = _values(spec, i, j)
            if key == "delay":
                check_quantity(f"{proj.name}.per_synapse['delay']", value, second,
                               nonnegative=True)
            setattr(syn, key, value)
        return syn

    @staticmethod
    def _shared_weight(proj: Projection, factor) -> bool:
        """Static synapses with one weight: a shared constant (no per-synapse array to read)."""
        return proj.plasticity is None and factor is None and proj.weight_factor is None

    def _synapse_code(self, proj: Projection, shared: bool = False):
        target, increment = self._targets[proj.name]
        inc = "" if increment == "1" else f"{increment}*"
        namespace: dict = {}
        if increment == "alpha_peak":
            namespace["alpha_peak"] = ALPHA_PEAK
        if proj.plasticity is None:
            unit = _unit_name(proj.synapse.weight)
            flags = "constant, shared" if shared else "constant"
            return (f"w_syn : {unit} ({flags})", f"{target}_post += {inc}w_syn", "", namespace)
        code = proj.plasticity.code()
        namespace.update(code.namespace)
        model = code.model
        for key in proj.per_synapse:
            if key in namespace:
                model += f"{key} : {_unit_name(namespace.pop(key))} (constant)\n"
        on_pre = code.on_pre
        if proj.synapse is not None:
            namespace["w_unit"] = proj.synapse.weight
            on_pre = f"{target}_post += {inc}w_syn*w_unit\n" + on_pre
        return model, on_pre, code.on_post, namespace

    # -- built objects ---------------------------------------------------------------
    def _get_built(self, key: str):
        if self._built is None:
            raise RuntimeError(f"circuit {self.name!r} is not built yet; call "
                               "build_network(dt) (or simulate(circuit, ...)) first")
        return self._built[key]

    @property
    def groups(self) -> Mapping:
        """Brian2 groups by population (and part) name, from the last build."""
        return self._get_built("groups")

    @property
    def synapses(self) -> Mapping:
        """Brian2 ``Synapses`` by projection name, from the last build."""
        return self._get_built("synapses")

    @property
    def monitors(self) -> Mapping:
        """Brian2 monitors by name (``<pop>_spikes``, ``<pop>_states``, ``<proj>_states``)."""
        return self._get_built("monitors")

    def model_of(self, name: str):
        """The NeuronModel population *name* is built with (synaptic channels included)."""
        pop, _, _ = self.resolve(name)
        if pop.name not in self._models:
            raise ValueError(f"population {name!r} is a {type(pop).__name__}; it has no model")
        return self._models[pop.name]


def _unit_name(value) -> str:
    dim = get_dimensions(value)
    return "1" if dim is DIMENSIONLESS else repr(get_unit(dim))


def _sized(proj, name, value, n):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"projection {proj.name!r}: {name} has shape {arr.shape}; expected a "
                         f"scalar or one value per synapse ({n})")
    return arr


def _native_conductance(model, channel: str) -> bool:
    return (declares(model, f"g_{channel}") and f"tau_{channel}" in model.parameters
            and f"E_{channel}" in model.parameters)


def _check_native(proj: Projection, post: Population, syn: ConductanceSynapse) -> None:
    c, params = syn.channel, post.model.parameters
    for attr, key in (("tau", f"tau_{c}"), ("E_rev", f"E_{c}")):
        mine, theirs = to_si(getattr(syn, attr)), to_si(params[key])
        if not np.isclose(mine, theirs, rtol=1e-9, atol=0):
            raise ValueError(
                f"incompatible synapse: projection {proj.name!r} has {attr}="
                f"{getattr(syn, attr)!r}, but model {post.model.name!r} of population "
                f"{post.name!r} declares its own g_{c} with {key}={params[key]!r}; expected "
                f"equal values, or another channel name for a separate conductance")


def compose(*circuits: Circuit, seed: int | None = None, name: str | None = None) -> Circuit:
    """Merge circuits: shared population names must be identical specs.

    The result holds every population once and every projection; *seed*
    defaults to the first circuit's seed.
    """
    if not circuits:
        raise ValueError("compose: expected at least one circuit")
    pops: dict = {}
    projs: dict = {}
    for circuit in circuits:
        if not isinstance(circuit, Circuit):
            raise TypeError(f"compose: got {circuit!r}; expected Circuit objects")
        for pname, pop in circuit.populations.items():
            if pname in pops and pops[pname] is not pop and not pops[pname].same_as(pop):
                raise ValueError(
                    f"incompatible populations: {pname!r} is a {type(pops[pname]).__name__} of "
                    f"{pops[pname].n} neurons in one circuit and a {type(pop).__name__} of "
                    f"{pop.n} neurons (or other settings) in another; expected identical specs")
            pops.setdefault(pname, pop)
        for jname, proj in circuit.projections.items():
            if jname in projs and projs[jname] is not proj:
                raise ValueError(f"compose: projection name {jname!r} appears in two circuits")
            projs[jname] = proj
    return Circuit(list(pops.values()), list(projs.values()),
                   seed=circuits[0].seed if seed is None else seed,
                   record_dt=circuits[0].record_dt,
                   name=name or "+".join(c.name for c in circuits))
