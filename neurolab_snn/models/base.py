"""The neuron-model spec: Brian2 equations with units, written once (layer L1).

A :class:`NeuronModel` is data: equation strings, threshold, reset, refractory
period, integration method, parameter values (Brian2 quantities), initial
values and a literature reference.  It builds a Brian2 ``NeuronGroup`` only when
asked (:meth:`NeuronModel.build_group`).  Everything else in the package - the
simulation on every backend, the discrete update used by the adjoint solver,
the model produced by a GIF fit - is derived from these strings.

The library models (``LIF``, ``AdaptiveLIF``, ``GIF``, ``HH``) are factories that
return a ``NeuronModel`` from a cited preset plus options; a user-written model
is a ``NeuronModel`` constructed directly from its equation string and gets
the same validation, presets, protocols and simulation.
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from brian2 import Equations, NeuronGroup
from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.equations.equations import DIFFERENTIAL_EQUATION, EquationError
from brian2.units.fundamentalunits import DimensionMismatchError

from ..units import Quantity, check_quantity, dimension_name, ms, second, to_si

#: Identifiers that Brian2 provides in every equation and never need a value.
_BUILTIN_NAMES = {"t", "dt", "xi", "i", "N", "t_in_timesteps", "True", "False", "inf", "pi", "e",
                  "and", "or", "not"}


@contextlib.contextmanager
def _on_runtime_device():
    """Objects created inside the block get their arrays from Brian2's runtime device."""
    devices = importlib.import_module("brian2.devices.device")   # the module, not the proxy
    previous = devices.active_device
    devices.active_device = devices.runtime_device
    try:
        yield
    finally:
        devices.active_device = previous


@dataclass(frozen=True)
class Preset:
    """A named, cited set of parameter values for a model."""

    name: str
    reference: str
    values: Mapping[str, Quantity]


def _frozen(mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


def _parse_equations(name: str, equations: str) -> Equations:
    try:
        return Equations(equations)
    except (EquationError, ValueError, SyntaxError, TypeError, KeyError) as err:
        first = " ".join(str(err).split()) or type(err).__name__
        raise ValueError(f"model {name!r}: malformed equations: {first}") from err


@dataclass(frozen=True)
class NeuronModel:
    """A spiking neuron model: Brian2 equations plus cited parameter values.

    Parameters
    ----------
    name : str
        Model name, e.g. ``'LIF'``.
    equations : str
        Brian2 equation string with units. Input currents enter through the
        per-neuron variables the equations declare (``I_ext`` by convention).
    threshold, reset : str or None
        Brian2 threshold condition and reset statements.
    refractory : Quantity or str or None
        Refractory period (time) or a Brian2 condition string.
    method : str
        Brian2 integration method (``'exact'`` for linear equations).
    parameters : mapping of str to Quantity
        Values of every external constant the strings use.
    initial_values : mapping of str to Quantity or str
        Initial state, e.g. ``{'v': 'E_L'}`` (strings are Brian2 expressions).
    reference : str
        Citation for the equations and the parameter values.
    presets : mapping of str to Preset
        Named parameter sets; :meth:`with_preset` switches between them.
    options : mapping
        The factory options that produced the equations (for display and rebuilds).
    """

    name: str
    equations: str
    threshold: str | None
    reset: str | None = None
    refractory: Quantity | str | None = None
    method: str = "exact"
    parameters: Mapping[str, Quantity] = field(default_factory=dict)
    initial_values: Mapping[str, Quantity | str] = field(default_factory=dict)
    reference: str = ""
    presets: Mapping[str, Preset] = field(default_factory=dict)
    options: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "parameters", _frozen(self.parameters))
        object.__setattr__(self, "initial_values", _frozen(self.initial_values))
        object.__setattr__(self, "presets", _frozen(self.presets))
        object.__setattr__(self, "options", _frozen(self.options))
        eqs = _parse_equations(self.name, self.equations)
        _check_method(self.name, self.method)
        if isinstance(self.refractory, Quantity) or self.refractory is None:
            if self.refractory is not None:
                check_quantity(f"{self.name}.refractory", self.refractory, second,
                               nonnegative=True)
        elif not isinstance(self.refractory, str):
            raise TypeError(f"model {self.name!r}: refractory={self.refractory!r}; expected "
                            "a time quantity, a condition string or None")
        needed = self._external_identifiers(eqs)
        missing = sorted(needed - set(self.parameters))
        if missing:
            raise ValueError(f"model {self.name!r}: equations use {missing} but no value was "
                             f"given; expected entries in parameters={sorted(self.parameters)}")
        unknown = sorted(set(self.parameters) - needed)
        if unknown:
            raise ValueError(f"model {self.name!r}: unknown parameter(s) {unknown}; the "
                             f"equations use {sorted(needed)}")
        for key, value in self.parameters.items():
            if not isinstance(value, (Quantity, int, float, np.number, np.ndarray)):
                raise TypeError(f"model {self.name!r}: parameter {key!r}={value!r}; "
                                "expected a number or a Brian2 quantity")
        self._check_dimensions(eqs)

    # -- derived structure -------------------------------------------------
    def _external_identifiers(self, eqs: Equations) -> set[str]:
        names = set(eqs.identifiers)
        for code in (self.threshold, self.reset,
                     self.refractory if isinstance(self.refractory, str) else None):
            if code:
                names |= set(re.findall(r"\b[A-Za-z_]\w*\b", code))
        for value in self.initial_values.values():
            if isinstance(value, str):
                names |= set(re.findall(r"\b[A-Za-z_]\w*\b", value))
        own = set(eqs.names) | {"lastspike", "not_refractory"}
        functions = set(DEFAULT_FUNCTIONS)
        return {n for n in names - own - _BUILTIN_NAMES - functions
                if not _is_unit_name(n)}

    def _check_dimensions(self, eqs: Equations) -> None:
        """Let Brian2 check the units of every equation against the parameter values.

        The check group lives on Brian2's runtime device whatever device is
        active, so a model made while a standalone network is being built
        leaves nothing in that project.
        """
        with _on_runtime_device():
            group = NeuronGroup(1, eqs, threshold=self.threshold, reset=self.reset,
                                refractory=self.refractory if self.refractory is not None
                                else False, method=self.method,
                                namespace=dict(self.parameters),
                                codeobj_class=_numpy_codeobject())
        group._network = "unit check only"  # never simulated: silence Brian2's unused-object warning
        for obj in group.contained_objects:
            obj._network = "unit check only"
        try:
            eqs.check_units(group, run_namespace={})
        except DimensionMismatchError as err:
            raise TypeError(_dimension_message(self, err)) from err

    @property
    def state_variables(self) -> tuple[str, ...]:
        """Names of the differential-equation variables, e.g. ``('v',)``."""
        eqs = _parse_equations(self.name, self.equations)
        return tuple(eq.varname for eq in eqs.ordered if eq.type == DIFFERENTIAL_EQUATION)

    @property
    def namespace(self) -> dict[str, Quantity]:
        """The parameter values as a Brian2 namespace dictionary."""
        return dict(self.parameters)

    # -- variation ---------------------------------------------------------
    def with_parameters(self, **values) -> "NeuronModel":
        """A copy with some parameter values replaced; wrong names or units raise."""
        for key, value in values.items():
            if key not in self.parameters:
                raise ValueError(f"model {self.name!r}: unknown parameter {key!r}; expected "
                                 f"one of {sorted(self.parameters)}")
            old = self.parameters[key]
            if isinstance(old, Quantity):
                check_quantity(f"{self.name}.{key}", value, old, finite=False)
        return dataclasses.replace(self, parameters={**self.parameters, **values})

    def with_preset(self, preset: str, **overrides) -> "NeuronModel":
        """A copy with the values of preset *preset*, then *overrides*."""
        if preset not in self.presets:
            raise ValueError(f"model {self.name!r}: unknown preset {preset!r}; expected one "
                             f"of {sorted(self.presets)}")
        values = {k: v for k, v in self.presets[preset].values.items() if k in self.parameters}
        return dataclasses.replace(self.with_parameters(**values, **overrides),
                                   reference=self.presets[preset].reference,
                                   options={**self.options, "preset": preset})

    # -- building ----------------------------------------------------------
    def build_group(self, n: int, *, name: str | None = None, dt: Quantity | None = None,
                    events: Mapping | None = None, extra_equations: str = "",
                    extra_namespace: Mapping | None = None, **group_kwargs) -> NeuronGroup:
        """Build a Brian2 ``NeuronGroup`` of *n* neurons of this model, at its initial state.

        ``extra_equations`` and ``extra_namespace`` let circuits add synaptic
        variables; ``dt`` must be smaller than every time constant.
        """
        if int(n) != n or n < 1:
            raise ValueError(f"n={n!r}: expected a positive integer number of neurons")
        namespace = {**self.parameters, **(extra_namespace or {})}
        if dt is not None:
            self.check_dt(dt)
            group_kwargs["dt"] = dt
        eqs = _parse_equations(self.name, self.equations)
        if extra_equations:
            eqs = eqs + _parse_equations(self.name, extra_equations)
        if name is not None:
            group_kwargs["name"] = name
        group = NeuronGroup(int(n), eqs, threshold=self.threshold, reset=self.reset,
                            refractory=self.refractory if self.refractory is not None else False,
                            method=self.method, namespace=namespace,
                            events=dict(events or {}), **group_kwargs)
        for var, value in self.initial_values.items():
            # an explicit (empty) namespace: never look up names in the caller's frame
            getattr(group, var).set_item(slice(None), value, namespace={})
        return group

    def time_constants(self) -> dict[str, Quantity]:
        """Parameters with the dimension of time whose names mark them as time constants."""
        return {k: v for k, v in self.parameters.items()
                if isinstance(v, Quantity) and v.has_same_dimensions(ms)
                and (k.startswith("tau") or "_tau" in k)}

    def check_dt(self, dt: Quantity) -> None:
        """Raise if *dt* is not a positive time below every time constant of the model."""
        check_quantity("dt", dt, second, positive=True)
        for key, tau in self.time_constants().items():
            if np.any(to_si(tau) <= to_si(dt)):
                raise ValueError(f"dt={dt!r} is not smaller than the time constant "
                                 f"{key}={tau!r} of model {self.name!r}; expected dt < {key}")

    def describe(self) -> str:
        """Multi-line text: equations, threshold/reset, method, parameters and presets."""
        lines = [f"{self.name}  ({self.reference})", "  equations:"]
        lines += [f"    {ln.strip()}" for ln in self.equations.strip().splitlines() if ln.strip()]
        lines.append(f"  threshold: {self.threshold}   reset: {self.reset}   "
                     f"refractory: {self.refractory}   method: {self.method}")
        if self.options:
            lines.append("  options: " + ", ".join(f"{k}={v}" for k, v in self.options.items()))
        lines.append("  parameters: " + ", ".join(f"{k}={v}" for k, v in self.parameters.items()))
        for preset in self.presets.values():
            lines.append(f"  preset {preset.name!r}: {preset.reference}")
        return "\n".join(lines)


def _check_method(model: str, method) -> None:
    """Refuse an integration method name that Brian2 does not know (strings only)."""
    from brian2.stateupdaters.base import StateUpdateMethod
    names = [method] if isinstance(method, str) else (
        list(method) if isinstance(method, (list, tuple)) else [])
    known = sorted(StateUpdateMethod.stateupdaters)
    for name in names:
        if isinstance(name, str) and name not in known:
            raise ValueError(f"model {model!r}: method={name!r} is not a Brian2 integration "
                             f"method; expected one of {known}")


def _is_unit_name(name: str) -> bool:
    import brian2.units as bu
    import brian2.units.allunits as au
    return hasattr(bu, name) or hasattr(au, name)


def _numpy_codeobject():
    from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
    return NumpyCodeObject


def _dimension_message(model: NeuronModel, err: DimensionMismatchError) -> str:
    text = " ".join(ln.strip() for ln in str(err).splitlines() if ln.strip())
    dims = ", ".join(f"{k}: {dimension_name(v)}" for k, v in model.parameters.items()
                     if isinstance(v, Quantity))
    return f"model {model.name!r}: inconsistent units in the equations: {text} (parameters: {dims})"


def resolve_parameters(model: str, presets: Mapping[str, Preset], preset: str,
                       overrides: Mapping[str, object]) -> dict[str, Quantity]:
    """Values of *preset* updated with *overrides*, each checked against the preset's units.

    Raises a ``ValueError`` naming an unknown preset or parameter and a
    ``TypeError`` naming a parameter given with the wrong dimension.
    """
    if preset not in presets:
        raise ValueError(f"model {model!r}: unknown preset {preset!r}; expected one of "
                         f"{sorted(presets)}")
    values = dict(presets[preset].values)
    for key, value in overrides.items():
        if key not in values:
            raise ValueError(f"model {model!r}: unknown parameter {key!r}; expected one of "
                             f"{sorted(values)}")
        values[key] = check_quantity(key, value, values[key], finite=True)
    return values


def check_time_constants(model: str, values: Mapping[str, Quantity], names) -> None:
    """Raise a ``ValueError`` if any of the named time constants is not positive."""
    for key in names:
        if key in values and not np.all(to_si(values[key]) > 0):
            raise ValueError(f"model {model!r}: parameter {key!r}={values[key]!r}; "
                             "expected a positive time constant")


def refractoriness(model: str, equations: str, values: dict) -> tuple[str, str | None, dict]:
    """``(equations, refractory, parameters)`` of an integrate-and-fire model with ``t_ref``.

    For the LIF, AdaptiveLIF and GIF models here, ``v`` is the only
    ``(unless refractory)`` variable and the reset sets it to ``V_reset``.  With
    ``t_ref = 0`` Brian2's refractoriness then changes nothing: it only drops
    the input that arrives in a neuron's spike step, which the reset overwrites
    anyway.  So a zero ``t_ref`` builds the model without it (no
    ``not_refractory``/``lastspike`` bookkeeping: about a quarter less time per
    step for a large group; identical traces, tested).
    """
    t_ref = values["t_ref"]
    if not to_si(t_ref) >= 0:
        raise ValueError(f"{model}: parameter 't_ref'={t_ref!r}; expected >= 0 ms")
    if to_si(t_ref) > 0:
        return equations, "t_ref", values
    return (equations.replace(" (unless refractory)", ""), None,
            {k: v for k, v in values.items() if k != "t_ref"})
