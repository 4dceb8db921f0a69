"""Population specs of a circuit and the synaptic inputs added to their models (layer L2).

* :class:`Population` - ``n`` neurons of any library (or user) ``NeuronModel``;
* :class:`PoissonSource` - independent Poisson spike trains, constant or
  time-varying rates;
* :class:`SpikeSource` - given spike times (deterministic input).

:func:`with_synaptic_inputs` derives the model a population is built with
once the circuit knows which synapse channels drive it: the declared
``I_syn : amp`` becomes ``I_syn = sum of channel currents``, each channel adds
its own equations (``dI_syn_e/dt = -I_syn_e/tau_syn_e``, ...).  The model's
integration method is kept, except that ``'exact'`` becomes ``'rk4'`` when a
conductance synapse makes the equations non-linear or a synaptic time
constant equals one of the model's (Brian2's closed form divides by their
difference).  A model without
``I_syn`` but with an injected current ``I_ext`` (the conductance-based LIF,
the Traub-Miles HH) receives ``I_syn`` next to ``I_ext``; conductance synapses
whose channel the model already declares (``g_e``, ``g_i``) use it directly.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from ..models.base import NeuronModel
from ..synapses.kinetics import ChannelCode
from brian2.units.fundamentalunits import get_dimensions

from ..units import Hz, Quantity, amp, check_quantity, second, to_si

__all__ = ["Population", "PoissonSource", "SpikeSource", "Uniform", "with_synaptic_inputs",
           "declares", "check_name"]

_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def check_name(kind: str, name) -> str:
    """A valid Brian2 object name, else a ``ValueError`` naming it."""
    if not isinstance(name, str) or not _IDENT.match(name):
        raise ValueError(f"{kind} name {name!r}: expected an identifier (letters, digits, "
                         "underscores; starting with a letter)")
    return name


def _check_n(kind: str, n) -> int:
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"{kind}.n={n!r}: expected a positive integer number of neurons")
    return int(n)


@dataclass(frozen=True)
class Uniform:
    """Initial values drawn uniformly in ``[low, high)`` with the circuit's seed."""

    low: Quantity
    high: Quantity

    def __post_init__(self):
        check_quantity("Uniform.high", self.high, self.low)
        if np.any(np.asarray(self.high) < np.asarray(self.low)):
            raise ValueError(f"Uniform: high={self.high!r} < low={self.low!r}; expected "
                             "low <= high")

    def draw(self, n: int, rng: np.random.Generator):
        lo, hi = to_si(self.low), to_si(self.high)
        return Quantity(lo + (hi - lo) * rng.random(n), dim=get_dimensions(self.low))


def declares(model: NeuronModel, var: str) -> bool:
    """True if the model's equations declare the variable *var*."""
    return re.search(rf"(^|\n)\s*(d{var}/dt|{var})\s*[=:]", model.equations) is not None


@dataclass(frozen=True, eq=False)
class Population:
    """``n`` neurons of one ``NeuronModel``.

    Parameters
    ----------
    name : str
        Name of the population (and of its Brian2 ``NeuronGroup``).
    model : NeuronModel
        Any library model (``LIF``, ``AdaptiveLIF``, ``GIF``, ``HH``) or a user model.
    n : int
        Number of neurons.
    I_ext : Quantity, optional
        Constant injected current (scalar or one value per neuron, A).  When
        all neurons get the same current (or none) ``I_ext`` is a shared
        variable of the group (cheaper to integrate), else one per neuron.
    stimulus : (Quantity, Quantity), optional
        Time-varying injected current ``(values, dt)``: values of shape
        ``(n_steps,)`` or ``(n_steps, n)`` in A, sample ``k`` applied during
        ``[k dt, (k+1) dt)`` (a Brian2 ``TimedArray``).
    initial_values : mapping
        Variable -> Quantity (scalar or per neuron) or :class:`Uniform`.
    positions : array, optional
        Neuron positions, shape (n,) or (n, d), for distance-dependent connectivity
        (default: the index, 0 .. n-1).
    parts : mapping of str to (start, stop)
        Named index ranges built as Brian2 subgroups; projections may use a
        part's name as source or target (e.g. ``E`` and ``I`` of one group).
    record : sequence of str
        State variables to record; ``record_indices`` picks neurons (default
        all); the circuit's ``record_dt`` sets the sampling step.
    record_spikes : bool
        Attach a SpikeMonitor (default True).
    method : str, optional
        Override of the integration method.
    """

    name: str
    model: NeuronModel
    n: int
    I_ext: Quantity | None = None
    stimulus: tuple | None = None
    initial_values: Mapping[str, object] = field(default_factory=dict)
    positions: np.ndarray | None = None
    parts: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    record: Sequence[str] = ()
    record_indices: Sequence[int] | None = None
    record_spikes: bool = True
    method: str | None = None

    def __post_init__(self):
        check_name("population", self.name)
        if not isinstance(self.model, NeuronModel):
            raise TypeError(f"population {self.name!r}: model={self.model!r}; expected a "
                            "NeuronModel (e.g. neurolab_snn.models.LIF())")
        object.__setattr__(self, "n", _check_n(f"Population {self.name!r}", self.n))
        if self.I_ext is not None:
            current = check_quantity(f"{self.name}.I_ext", self.I_ext, amp)
            if np.size(current) not in (1, self.n):
                raise ValueError(f"population {self.name!r}: I_ext has {np.size(current)} "
                                 f"values; expected 1 or n={self.n}")
        if self.stimulus is not None and self.I_ext is not None:
            raise ValueError(f"population {self.name!r}: give I_ext or stimulus, not both")
        if self.stimulus is not None:
            values, dt = self.stimulus
            check_quantity(f"{self.name}.stimulus values", values, amp)
            check_quantity(f"{self.name}.stimulus dt", dt, second, positive=True)
            if np.ndim(values) not in (1, 2) or (np.ndim(values) == 2
                                                 and np.shape(values)[1] != self.n):
                raise ValueError(f"population {self.name!r}: stimulus values have shape "
                                 f"{np.shape(values)}; expected (n_steps,) or (n_steps, {self.n})")
        if self.positions is not None and np.shape(self.positions)[0] != self.n:
            raise ValueError(f"population {self.name!r}: positions has "
                             f"{np.shape(self.positions)[0]}"
                             f" rows; expected n={self.n}")
        for part, (start, stop) in dict(self.parts).items():
            check_name("part", part)
            if not (0 <= start < stop <= self.n):
                raise ValueError(f"population {self.name!r}: part {part!r}=({start}, {stop}); "
                                 f"expected 0 <= start < stop <= {self.n}")
        object.__setattr__(self, "parts", MappingProxyType(dict(self.parts)))
        object.__setattr__(self, "initial_values", MappingProxyType(dict(self.initial_values)))
        object.__setattr__(self, "record", tuple(self.record))

    spiking = property(lambda self: self.model.threshold is not None)

    def same_as(self, other) -> bool:
        """True if *other* describes the same population (used when composing circuits)."""
        return isinstance(other, Population) and _spec_key(self) == _spec_key(other)


@dataclass(frozen=True, eq=False)
class PoissonSource:
    """``n`` independent Poisson spike trains.

    ``rates``: scalar or per-neuron rate (Hz); or, with ``rate_dt``, a
    time-varying rate of shape ``(n_steps,)`` or ``(n_steps, n)`` (sample ``k``
    during ``[k rate_dt, (k+1) rate_dt)``).  Drawn by Brian2's generator, seeded
    by the simulation seed.
    """

    name: str
    n: int
    rates: Quantity
    rate_dt: Quantity | None = None
    positions: np.ndarray | None = None
    record_spikes: bool = True

    def __post_init__(self):
        check_name("source", self.name)
        object.__setattr__(self, "n", _check_n(f"PoissonSource {self.name!r}", self.n))
        check_quantity(f"{self.name}.rates", self.rates, Hz, nonnegative=True)
        if self.rate_dt is None:
            if np.size(self.rates) not in (1, self.n):
                raise ValueError(f"source {self.name!r}: rates has {np.size(self.rates)} values;"
                                 f" expected 1 or n={self.n} (or pass rate_dt for a time course)")
        else:
            check_quantity(f"{self.name}.rate_dt", self.rate_dt, second, positive=True)
            if np.ndim(self.rates) == 2 and np.shape(self.rates)[1] != self.n:
                raise ValueError(f"source {self.name!r}: rates has shape {np.shape(self.rates)}; "
                                 f"expected (n_steps,) or (n_steps, {self.n})")

    spiking = True
    parts = MappingProxyType({})

    def same_as(self, other) -> bool:
        return isinstance(other, PoissonSource) and _spec_key(self) == _spec_key(other)


@dataclass(frozen=True, eq=False)
class SpikeSource:
    """Given spikes: neuron ``indices[k]`` fires at ``times[k]``, optionally every ``period``."""

    name: str
    n: int
    indices: np.ndarray
    times: Quantity
    period: Quantity | None = None
    positions: np.ndarray | None = None
    record_spikes: bool = True

    def __post_init__(self):
        check_name("source", self.name)
        object.__setattr__(self, "n", _check_n(f"SpikeSource {self.name!r}", self.n))
        idx = np.asarray(self.indices)
        check_quantity(f"{self.name}.times", self.times, second, nonnegative=True)
        if idx.shape != np.shape(self.times) or idx.ndim != 1:
            raise ValueError(f"source {self.name!r}: indices {idx.shape} and times "
                             f"{np.shape(self.times)} must be 1-D arrays of equal length")
        if idx.size and (idx.min() < 0 or idx.max() >= self.n):
            raise ValueError(f"source {self.name!r}: indices in [{idx.min()}, {idx.max()}]; "
                             f"expected [0, {self.n - 1}]")
        if self.period is not None:
            check_quantity(f"{self.name}.period", self.period, second, positive=True)

    spiking = True
    parts = MappingProxyType({})

    def same_as(self, other) -> bool:
        return isinstance(other, SpikeSource) and _spec_key(self) == _spec_key(other)


def _spec_key(spec) -> tuple:
    out = []
    for f in dataclasses.fields(spec):
        value = getattr(spec, f.name)
        if isinstance(value, NeuronModel):
            value = (value.equations, value.threshold, value.reset, str(value.refractory),
                     value.method, tuple(sorted((k, repr(v)) for k, v in value.parameters.items())))
        elif isinstance(value, (np.ndarray, Quantity)) or hasattr(value, "__array__"):
            value = ("array", np.asarray(value).tobytes(), np.shape(value), repr(getattr(
                value, "dim", "")))
        elif isinstance(value, Mapping):
            value = tuple(sorted((k, repr(v)) for k, v in value.items()))
        else:
            value = repr(value)
        out.append((f.name, value))
    return tuple(out)


# -- synaptic inputs ----------------------------------------------------------------------
def shared_injection(pop: Population) -> bool:
    """True if the injected current of *pop* is one value for all neurons.

    Then ``I_ext`` is declared ``(shared)``: a per-neuron ``I_ext`` that is the
    same everywhere costs a second memory stream in the state update (twice
    the time of a CUBA network's update on cpp_standalone).
    """
    per_neuron = ((pop.I_ext is not None and np.size(pop.I_ext) > 1)
                  or (pop.stimulus is not None and np.ndim(pop.stimulus[0]) == 2))
    return not per_neuron


def _with_shared_injection(model: NeuronModel) -> NeuronModel:
    decl = re.compile(r"(^|\n)([ \t]*)I_ext[ \t]*:[ \t]*amp[ \t]*(?=\n|$)")
    if not decl.search(model.equations):
        return model
    return dataclasses.replace(model, equations=decl.sub(
        lambda m: f"{m.group(1)}{m.group(2)}I_ext : amp (shared)", model.equations, count=1))


def with_synaptic_inputs(pop: Population, channels: Mapping[str, ChannelCode],
                         native: Sequence[str] = ()) -> NeuronModel:
    """The model of *pop* with the equations of its synaptic *channels* added.

    *channels* maps channel name -> :class:`~neurolab_snn.synapses.ChannelCode`
    for the channels that need new variables; *native* lists conductance
    channels the model declares itself (nothing to add).  ``I_ext`` becomes a
    shared variable when the population injects one current into all neurons
    (:func:`shared_injection`).  Raises a ``ValueError`` naming the population
    when the model has no input to drive.
    """
    model = _with_shared_injection(pop.model) if shared_injection(pop) else pop.model
    added = {c: code for c, code in channels.items() if code.equations or code.current}
    method = pop.method or model.method
    if not added:
        return model if method == model.method else dataclasses.replace(model, method=method)
    for code in added.values():
        for line in code.equations.splitlines():
            var = re.match(r"\s*d(\w+)/dt", line).group(1)
            if declares(model, var):
                raise ValueError(f"population {pop.name!r}: model {model.name!r} already "
                                 f"declares {var!r}; choose another channel name")
        if "v" in code.current and not declares(model, "v"):
            raise ValueError(f"population {pop.name!r}: model {model.name!r} has no membrane "
                             "potential 'v'; a conductance synapse needs it")
    currents = " + ".join(code.current for code in added.values())
    new_eqs = "".join(code.equations for code in added.values())
    equations = model.equations
    param_decl = re.compile(r"(^|\n)(\s*)I_syn\s*:\s*amp[^\n]*")
    if param_decl.search(equations):
        equations = param_decl.sub(lambda m: f"{m.group(1)}{m.group(2)}I_syn = {currents} : amp",
                                   equations, count=1)
    elif declares(model, "I_syn"):
        raise ValueError(f"population {pop.name!r}: model {model.name!r} defines I_syn itself;"
                         " expected 'I_syn : amp' (a parameter the synapses can drive)")
    elif declares(model, "I_ext"):
        lines = []
        for line in equations.splitlines():
            if re.match(r"\s*I_ext\s*:", line):
                lines.append(line)
            else:
                lines.append(re.sub(r"\bI_ext\b", "(I_ext + I_syn)", line))
        equations = "\n".join(lines) + f"\nI_syn = {currents} : amp\n"
    else:
        raise ValueError(f"population {pop.name!r}: model {model.name!r} has neither "
                         "'I_syn : amp' nor 'I_ext : amp'; current or conductance synapses "
                         f"cannot drive it (channels {sorted(added)})")
    equations = equations.rstrip("\n") + "\n" + new_eqs
    params = dict(model.parameters)
    for code in added.values():
        for key, value in code.parameters.items():
            if key in params:
                raise ValueError(f"population {pop.name!r}: model {model.name!r} already has a "
                                 f"parameter {key!r}; choose another channel name")
            params[key] = value
    if method == "exact" and (not all(code.linear for code in added.values())
                              or _degenerate(model, added)):
        # g (E - v) is not linear in the state; or Brian2's closed form divides by
        # (tau_m - tau_syn), NaN when they are equal.  RK4 (local error O(dt^5)) keeps
        # the accuracy of the exact step where exponential Euler (O(dt^2)) would not.
        method = "rk4"
    return dataclasses.replace(model, equations=equations, parameters=params, method=method)


def _degenerate(model: NeuronModel, channels: Mapping[str, ChannelCode]) -> bool:
    """True if a synaptic time constant equals one of the model's own time constants."""
    own = [float(to_si(v)) for v in model.time_constants().values() if np.ndim(v) == 0]
    for code in channels.values():
        for key, value in code.parameters.items():
            if key.startswith("tau_syn_") and any(np.isclose(float(to_si(value)), t, rtol=1e-9)
                                                  for t in own):
                return True
    return False
