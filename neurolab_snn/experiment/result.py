"""Protocol results and the protocol registry (layer L4).

A protocol is a function ``fn(model=None, *, backend='runtime', seed=0, quick=False, **options)
-> ProtocolResult``.  Modules of this package register theirs in a module-level
``PROTOCOLS = {"name": fn}`` dict; :func:`protocols` collects them all.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..recording import Recording


@dataclass
class ProtocolResult:
    """What a protocol measured.

    Attributes
    ----------
    protocol : str
        Protocol name, e.g. ``'fi-curve'``.
    numbers : dict
        Key scalar results for summary tables, e.g. ``{'rheobase_nA': 0.2}``;
        each key ends with its unit (``_Hz``, ``_ms``, ``_nA``, ...) or is dimensionless.
    data : dict
        Arrays behind the figures (SI floats), keyed by name.
    units : dict
        SI unit string of each ``data`` entry.
    settings : dict
        Model, preset, backend, seed, quick flag and protocol options.
    recording : Recording, optional
        The raw simulation output (not written to JSON).
    """

    protocol: str
    numbers: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    recording: Recording | None = None

    def to_json(self) -> dict:
        """JSON-ready dict: numbers, data (lists) with units, settings."""
        def plain(value):
            if isinstance(value, np.ndarray):
                return plain(value.tolist())
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, float) and not np.isfinite(value):
                return None  # JSON has no NaN: "no value" (e.g. no spike) is null
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [plain(v) for v in value]
            return value
        return {"protocol": self.protocol, "numbers": plain(self.numbers),
                "settings": plain(self.settings), "units": dict(self.units),
                "data": plain(self.data)}


ProtocolFunction = Callable[..., ProtocolResult]


def protocols() -> dict[str, ProtocolFunction]:
    """All protocols of the package by name (collected from ``PROTOCOLS`` dicts)."""
    from .. import experiment

    found: dict[str, ProtocolFunction] = {}
    for info in sorted(pkgutil.iter_modules(experiment.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{experiment.__name__}.{info.name}")
        found.update(getattr(module, "PROTOCOLS", {}))
    return found


def get_protocol(name: str) -> ProtocolFunction:
    """The protocol *name*; a ``ValueError`` lists the known ones."""
    table = protocols()
    if name not in table:
        raise ValueError(f"unknown protocol {name!r}; expected one of {sorted(table)}")
    return table[name]


def run_protocol(name: str, **kwargs) -> ProtocolResult:
    """Run protocol *name* with keyword arguments (model, backend, seed, quick, ...).

    Logs one line when it starts and one when it ends (``neurolab_snn`` logger, INFO).
    """
    import time

    from ..console import logger

    fn = get_protocol(name)
    shown = {k: v for k, v in kwargs.items() if isinstance(v, (str, int, float, bool))}
    logger.info("protocol %s: running (%s) ...", name,
                ", ".join(f"{k}={v}" for k, v in shown.items()) or "defaults")
    start = time.perf_counter()
    result = fn(**kwargs)
    logger.info("protocol %s: done (%.1f s)", name, time.perf_counter() - start)
    return result
