"""Network factories for simulate (layer L3): one population driven by an injected current.

A *network factory* is any object with ``build_network(dt) -> BuiltNetwork``
(see :mod:`neurolab_snn.built_network`); :class:`SinglePopulation` is the
factory for one group of identical neurons.  Circuits provide their own.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor, TimedArray


from ..models.base import NeuronModel
from ..built_network import BuiltNetwork
from ..units import Quantity, amp, check_quantity, second, to_si


@dataclass(frozen=True)
class CurrentInput:
    """A time-varying injected current, sampled every ``dt``.

    ``values`` has shape (n_steps,) (the same current in every neuron) or
    (n_steps, n_neurons); sample k is applied during [k dt, (k+1) dt).
    """

    values: Quantity
    dt: Quantity

    def __post_init__(self):
        check_quantity("CurrentInput.values", self.values, amp)
        check_quantity("CurrentInput.dt", self.dt, second, positive=True)
        if np.ndim(self.values) not in (1, 2) or np.shape(self.values)[0] == 0:
            raise ValueError(f"CurrentInput.values has shape {np.shape(self.values)}; expected "
                             "(n_steps,) or (n_steps, n_neurons) with n_steps > 0")

    def as_matrix(self, n: int) -> np.ndarray:
        """The current in A as an (n_steps, n) float64 array."""
        values = np.asarray(to_si(self.values), dtype=np.float64)
        if values.ndim == 1:
            return np.repeat(values[:, None], n, axis=1)
        if values.shape[1] != n:
            raise ValueError(f"CurrentInput.values has {values.shape[1]} columns; expected one "
                             f"per neuron ({n})")
        return values


@dataclass(frozen=True)
class SinglePopulation:
    """Factory for *n* neurons of *model* with injected current ``I_ext``.

    Parameters
    ----------
    model : NeuronModel
    n : int
        Number of neurons.
    I_ext : Quantity or CurrentInput, optional
        Constant current (scalar or one per neuron, A) or a time-varying input.
    record : sequence of str
        State variables to record every time step.
    record_indices : sequence of int, optional
        Neurons whose state is recorded (default: all).
    variable_parameters : mapping of str to Quantity
        Model parameters made per-neuron variables (heterogeneous values, and
        changeable between standalone runs without recompiling).
    name : str
        Population name in the Recording.
    """

    model: NeuronModel
    n: int = 1
    I_ext: Quantity | CurrentInput | None = None
    record: Sequence[str] = ("v",)
    record_indices: Sequence[int] | None = None
    variable_parameters: Mapping[str, Quantity] = field(default_factory=dict)
    name: str = "neurons"

    def __post_init__(self):
        if int(self.n) != self.n or self.n < 1:
            raise ValueError(f"n={self.n!r}: expected a positive integer number of neurons")
        if self.I_ext is not None and not isinstance(self.I_ext, CurrentInput):
            current = check_quantity("I_ext", self.I_ext, amp)
            if np.ndim(current) not in (0, 1) or np.size(current) not in (1, self.n):
                raise ValueError(f"I_ext has shape {np.shape(current)}; expected a scalar or "
                                 f"one value per neuron ({self.n})")
        for var in self.record:
            if not _declares(self.model, var):
                raise ValueError(f"record={var!r}: model {self.model.name!r} has no variable "
                                 f"{var!r}")
        for key in self.variable_parameters:
            if key not in self.model.parameters:
                raise ValueError(f"variable_parameters: {key!r} is not a parameter of model "
                                 f"{self.model.name!r}; expected one of "
                                 f"{sorted(self.model.parameters)}")

    def build_network(self, dt: Quantity) -> BuiltNetwork:
        """Build group, current input and monitors under the active Brian2 device."""
        model = _without_parameters(self.model, self.variable_parameters)
        stim = None
        if isinstance(self.I_ext, CurrentInput):
            stim = TimedArray(self.I_ext.as_matrix(self.n) * amp, dt=self.I_ext.dt,
                              name=f"{self.name}_stimulus")
        group = model.build_group(self.n, name=self.name, dt=dt,
                                  extra_namespace={"I_stimulus": stim} if stim else None)
        for key, value in self.variable_parameters.items():
            setattr(group, key, value)
        objects, handles = [group], {"group": group}
        if stim is not None:
            op = group.run_regularly("I_ext = I_stimulus(t, i)", dt=dt, when="start",
                                     name=f"{self.name}_current_input")
            objects.append(op)
            handles["stimulus"] = stim
        elif self.I_ext is not None:
            group.I_ext = self.I_ext
        spikes = SpikeMonitor(group, name=f"{self.name}_spikes")
        objects.append(spikes)
        states = {}
        if self.record:
            indices = (np.arange(self.n) if self.record_indices is None
                       else np.asarray(self.record_indices, dtype=int))
            smon = StateMonitor(group, list(self.record), record=indices, dt=dt,
                                name=f"{self.name}_states")
            objects.append(smon)
            states[self.name] = (smon, tuple(self.record), indices)
        return BuiltNetwork(Network(*objects), {self.name: (spikes, self.n)}, states, handles)


def _declares(model: NeuronModel, var: str) -> bool:
    import re
    return re.search(rf"(^|\n)\s*(d{var}/dt|{var})\s*[=:]", model.equations) is not None


def _unit_repr(value) -> str:
    from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions
    dim = get_dimensions(value)
    return "1" if dim is DIMENSIONLESS else repr(dim)


def _without_parameters(model: NeuronModel, names) -> NeuronModel:
    if not names:
        return model
    import dataclasses
    # The parameters become group variables: the namespace must not shadow them.
    eqs = model.equations + "".join(f"{k} : {_unit_repr(model.parameters[k])} (constant)\n"
                                    for k in names)
    params = {k: v for k, v in model.parameters.items() if k not in names}
    return dataclasses.replace(model, equations=eqs, parameters=params)
