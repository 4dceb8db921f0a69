"""Sweep jobs: what one point runs, and which parameters (with which units) it takes.

A :class:`Job` couples a function ``function(point, seed, context) -> PointResult``
with ``parameters(point) -> {name: expected}``, the parameters a point may set:
``expected`` is a Brian2 quantity (the value must have its dimensions), a Python
type (``str``, ``bool``, ``int``, ``float``), a tuple of allowed strings, or
``None`` (any value; the job checks it when it runs).  :func:`check_point`
applies it to every point before a sweep submits anything.

Jobs by name (:func:`get_job`):

* every protocol of :mod:`neurolab_snn.experiment` (``'fi-curve'``,
  ``'step-response'``, ``'ff-inhibition'``, ...): a point sets protocol options
  (``backend``, ``quick``, ``duration``, ...), ``model`` and ``preset``, and any
  parameter of the point's model (``tau_m``, ``C_m``, ``g_Na``, ...);
  ``'fi-curve'`` on ``backend='cpp_standalone'`` compiles once per worker and
  re-runs the binary with the point's model parameters
  (:mod:`neurolab_snn.sweep.compiled`);
* ``'train-digits'``: :func:`neurolab_snn.training.recipes.train_digits` over
  encoding, model, epochs and its hyper-parameters;
* ``'fit-gif'``: one GIF fit per cell (:mod:`neurolab_snn.sweep.batch_fit`).
"""
from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..units import amp, check_quantity, is_quantity, second

__all__ = ["Job", "PointResult", "get_job", "jobs", "check_point", "protocol_job",
           "result_from_protocol", "spike_digest"]


@dataclass
class PointResult:
    """What one point produced: scalar numbers, 1-D arrays, their units, a spike digest.

    ``units`` maps a number or array name to its SI unit string; names of
    numbers that end in a unit (``rheobase_nA``) need no entry. ``spikes_sha256``
    is the SHA-256 of every population's spike indices and times (bit-identity
    of spikes across runs); ``n_spikes`` their number.
    """

    numbers: dict = field(default_factory=dict)
    arrays: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    spikes_sha256: str | None = None
    n_spikes: int | None = None


@dataclass(frozen=True)
class Job:
    """A named unit of work: ``function(point, seed, context)`` and its parameters.

    Parameters
    ----------
    name : str
        Name recorded in the table and hashed into every point key.
    function : callable
        ``function(point: dict, seed: int, context) -> PointResult``; *context*
        is the worker's :class:`~neurolab_snn.sweep.worker.WorkerContext`.
    parameters : callable
        ``parameters(point) -> {name: expected}`` (see the module docstring).
    description : str
        One line for listings.
    """

    name: str
    function: Callable
    parameters: Callable
    description: str = ""


def check_point(job: Job, point: Mapping) -> None:
    """Raise if *point* sets a parameter *job* does not take, or a value of the wrong kind.

    Raises
    ------
    ValueError
        Unknown parameter name (the message lists the known ones), or a string
        outside the allowed choices.
    TypeError
        A value with the wrong unit or type.
    """
    accepted = job.parameters(point)
    for name, value in point.items():
        if name not in accepted:
            raise ValueError(f"job {job.name!r}: unknown parameter {name!r} in point {point!r}; "
                             f"expected one of {sorted(accepted)}")
        expected = accepted[name]
        if expected is None:
            continue
        if is_quantity(expected):
            check_quantity(name, value, expected, finite=False)
        elif isinstance(expected, tuple):
            if value not in expected:
                raise ValueError(f"job {job.name!r}: parameter {name!r}={value!r}; expected one "
                                 f"of {list(expected)}")
        elif expected is float:
            if isinstance(value, bool) or is_quantity(value) or not isinstance(
                    value, (int, float, np.integer, np.floating)):
                raise TypeError(f"job {job.name!r}: parameter {name!r}={value!r}; expected a "
                                "number")
        elif expected is int:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"job {job.name!r}: parameter {name!r}={value!r}; expected an "
                                "integer")
        elif not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise TypeError(f"job {job.name!r}: parameter {name!r}={value!r}; expected "
                            f"{expected.__name__}")


# -- protocol jobs -------------------------------------------------------------------------

#: Units of protocol options whose default is None (so the signature cannot tell).
_NONE_DEFAULT_UNITS = {"currents": amp, "amplitudes": amp, "mean": amp, "sigma": amp,
                       "duration": second, "dt": second, "step": second, "delta_t": second}
#: Protocols with a job of their own here (a point of theirs is not a model + options).
_OWN_JOBS = {"train-digits", "train-dms", "gif-fit"}
_NOT_GRID = {"model", "seed", "out_dir", "progress", "settings", "rules"}


def _expected_from_default(name: str, default):
    if is_quantity(default):
        return default
    if default is None:
        return _NONE_DEFAULT_UNITS.get(name)
    if isinstance(default, bool):
        return bool
    if isinstance(default, int):
        return int
    if isinstance(default, float):
        return float
    if isinstance(default, str):
        return str
    return None


def _protocol_options(fn) -> dict:
    out = {}
    for name, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL) or name in _NOT_GRID:
            continue
        out[name] = _expected_from_default(name, param.default)
    return out


def _model_for(point: Mapping):
    from ..experiment.single_neuron import resolve_model
    return resolve_model(point.get("model"), point.get("preset"))


def spike_digest(recording) -> tuple[str | None, int | None]:
    """SHA-256 of the spike indices and times of every population (sorted by name)."""
    if recording is None:
        return None, None
    digest, total = hashlib.sha256(), 0
    for name in sorted(recording.populations):
        pop = recording.populations[name]
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(pop.spike_indices, dtype=np.int64).tobytes())
        digest.update(np.ascontiguousarray(pop.spike_times, dtype=np.float64).tobytes())
        total += int(np.size(pop.spike_times))
    return digest.hexdigest(), total


def result_from_protocol(result) -> PointResult:
    """A PointResult from a ProtocolResult: its numbers, its 1-D numeric arrays, spike digest."""
    arrays, units = {}, {}
    for name, value in result.data.items():
        arr = np.asarray(value) if isinstance(value, (np.ndarray, list, tuple)) else None
        if arr is not None and arr.ndim == 1 and arr.dtype.kind in "fiub" and arr.size:
            arrays[name] = arr.astype(np.float64)
            units[name] = result.units.get(name, "1")
    digest, n = spike_digest(result.recording)
    numbers = {k: v for k, v in result.numbers.items()}
    return PointResult(numbers, arrays, units, digest, n)


def protocol_job(name: str) -> Job:
    """The job that runs protocol *name* at each point (model parameters included)."""
    from ..experiment import get_protocol

    fn = get_protocol(name)
    options = _protocol_options(fn)

    def parameters(point: Mapping) -> dict:
        from ..models import MODELS
        accepted = dict(options)
        accepted["model"] = tuple(MODELS)
        if "preset" in accepted:
            accepted["preset"] = str
        model = _model_for({k: v for k, v in point.items() if k in ("model", "preset")
                            and isinstance(v, str)})
        for key, value in model.parameters.items():
            if key not in accepted:
                accepted[key] = value if is_quantity(value) else float
        return accepted

    def function(point: Mapping, seed: int, context) -> PointResult:
        kwargs = {k: v for k, v in point.items() if k in options}
        model = _model_for(point)
        values = {k: v for k, v in point.items() if k not in options and k != "model"}
        model = model.with_parameters(**values) if values else model
        if name == "fi-curve" and kwargs.get("backend") == "cpp_standalone" and context:
            from .compiled import compiled_fi_curve
            return result_from_protocol(compiled_fi_curve(context, model, sorted(values),
                                                          seed=seed, **kwargs))
        return result_from_protocol(fn(model=model, seed=seed, **kwargs))

    doc = (fn.__doc__ or "").strip().splitlines()
    return Job(name, function, parameters, doc[0] if doc else "")


# -- training ------------------------------------------------------------------------------

def _train_digits_job() -> Job:
    def parameters(point: Mapping) -> dict:
        from ..training.recipes import DIGITS_DEFAULTS
        accepted = {"encoding": tuple(DIGITS_DEFAULTS), "model": ("LIF", "AdaptiveLIF", "GIF"),
                    "backend": str, "epochs": int, "quick": bool}
        for cfg in DIGITS_DEFAULTS.values():
            for key, value in cfg.items():
                accepted.setdefault(key, _expected_from_default(key, value))
        accepted["gain"] = accepted["lr"] = accepted["weight_gain"] = float
        accepted["weight_decay"] = float
        return accepted

    def function(point: Mapping, seed: int, context) -> PointResult:
        from ..training.recipes import train_digits
        point = dict(point)
        encoding = point.pop("encoding", "rate")
        out = train_digits(encoding, seed=seed, **point)
        keys = ("test_accuracy", "test_loss", "epochs_run", "best_epoch", "train_samples_per_s",
                "forward_share", "backward_share", "compilations", "wall_s")
        history = out["history"]
        arrays = {k: np.array([h[k] for h in history], dtype=float)
                  for k in ("train_loss", "train_accuracy", "val_loss", "val_accuracy")}
        return PointResult({k: out[k] for k in keys}, arrays, {"wall_s": "s"})

    return Job("train-digits", function, parameters,
               "surrogate-gradient training on scikit-learn digits (training.recipes)")


def jobs() -> dict[str, Callable[[], Job]]:
    """Job factories by name: every protocol, ``'train-digits'`` and ``'fit-gif'``."""
    from ..experiment import protocols
    from .batch_fit import fit_gif_job

    table: dict[str, Callable[[], Job]] = {name: (lambda n=name: protocol_job(n))
                                           for name in protocols() if name not in _OWN_JOBS}
    table["train-digits"] = _train_digits_job
    table["fit-gif"] = fit_gif_job
    return table


def get_job(job) -> Job:
    """*job* itself if it is a :class:`Job`, else the job of that name (``ValueError`` if none)."""
    if isinstance(job, Job):
        return job
    if not isinstance(job, str):
        raise TypeError(f"job={job!r}: expected a Job or a job name")
    table = jobs()
    if job not in table:
        raise ValueError(f"unknown job {job!r}; expected one of {sorted(table)}")
    return table[job]()
