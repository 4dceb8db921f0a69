"""cpp_standalone f-I sweeps: compile once per worker, re-run the binary with ``run_args``.

The swept model parameters of a point become per-neuron variables of the
population (``SinglePopulation(variable_parameters=...)``), so every point
with the same structure (model equations, the other parameter values,
currents, duration, dt, seed) reuses one compiled project of the worker and
sets the point's values through Brian2's ``run_args``
(:class:`~neurolab_snn.sim.standalone.StandaloneSimulation`).  A parameter
that an initial value refers to (``v = E_L``) stays a compiled constant:
``run_args`` are applied after the initialisation code, so changing it there
would start the neuron from the old value; such a parameter is part of the
structure and its values compile one project each.  The seed is compiled into
the binary, so each seed has its own project as well.
"""
from __future__ import annotations

import hashlib
import json
import re

import numpy as np

from ..experiment.single_neuron import fi_curve_inputs, fi_curve_result
from ..models.base import NeuronModel
from ..sim.devices import check_backend
from ..sim.network import SinglePopulation
from ..sim.standalone import StandaloneSimulation
from ..units import Quantity, ms, second, to_si
from .grid import canonical_value

__all__ = ["compiled_fi_curve", "runtime_parameters"]


def runtime_parameters(model: NeuronModel, names) -> list[str]:
    """The parameters among *names* that a compiled binary can take through ``run_args``."""
    used = set()
    for value in model.initial_values.values():
        if isinstance(value, str):
            used |= set(re.findall(r"\b[A-Za-z_]\w*\b", value))
    return [k for k in names if k in model.parameters and k not in used]


def _structure_key(model: NeuronModel, variable, currents, duration, dt, seed) -> str:
    fixed = {k: canonical_value(v) for k, v in sorted(model.parameters.items())
             if k not in variable}
    text = json.dumps({
        "model": [model.name, model.equations, model.threshold, model.reset,
                  canonical_value(model.refractory), model.method,
                  {k: canonical_value(v) for k, v in sorted(model.initial_values.items())},
                  {k: repr(v) for k, v in sorted(model.options.items())}],
        "fixed": fixed, "variable": sorted(variable),
        "currents": hashlib.sha256(np.asarray(to_si(currents), dtype=np.float64).tobytes())
        .hexdigest(),
        "duration": to_si(duration), "dt": to_si(dt), "seed": int(seed)}, sort_keys=True,
        default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def compiled_fi_curve(context, model: NeuronModel, varied, *, seed: int = 0,
                      currents: Quantity | None = None, n_levels: int = 40,
                      duration: Quantity = 1 * second, dt: Quantity = 0.1 * ms,
                      quick: bool = False, backend: str = "cpp_standalone", preset=None):
    """The ``fi-curve`` protocol on cpp_standalone through the worker's compiled projects.

    Parameters
    ----------
    context : WorkerContext
        Holds the worker's compiled simulations and its project folders.
    model : NeuronModel
        The point's model, with the point's parameter values.
    varied : sequence of str
        The model parameters the point sets (candidates for ``run_args``).
    seed, currents, n_levels, duration, dt, quick
        As in :func:`neurolab_snn.experiment.single_neuron.fi_curve`.

    Returns
    -------
    ProtocolResult
        Equal to ``run_protocol('fi-curve', model=model, backend='cpp_standalone', ...)``.
    """
    if backend != "cpp_standalone":
        raise ValueError(f"backend={backend!r}: the compiled f-I path runs cpp_standalone only")
    check_backend(backend)
    currents, duration = fi_curve_inputs(model, currents, n_levels, duration, quick)
    model.check_dt(dt)
    variable = runtime_parameters(model, varied)
    values = {k: model.parameters[k] for k in variable}
    key = _structure_key(model, variable, currents, duration, dt, seed)

    def build(directory):
        factory = SinglePopulation(model, n=len(currents), I_ext=currents, record=(),
                                   variable_parameters=values)
        return StandaloneSimulation(factory, duration, dt=dt, seed=int(seed),
                                    directory=directory)

    sim = context.compiled(key, build)
    rec = sim.run({f"group.{k}": v for k, v in values.items()})
    return fi_curve_result(model, currents, rec, duration, dt, backend, seed, quick)
