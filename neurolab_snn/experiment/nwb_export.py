"""A protocol result as a Neurodata Without Borders file (layer L4).

:func:`protocol_to_nwb` writes the protocol's Recording with
:meth:`~neurolab_snn.recording.Recording.to_nwb` (spikes in ``Units``, voltage
traces as ``CurrentClampSeries`` paired with the injected current when the
protocol stored one on the trace grid) and puts the protocol's name, numbers
and settings, and the model's equations and parameters, in the file's metadata.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..models import NeuronModel
from ..nwb import model_metadata
from ..units import amp
from .result import ProtocolResult

__all__ = ["protocol_to_nwb", "protocol_nwb_command"]


def _stimulus(result: ProtocolResult):
    """The injected current on the trace grid, (n_steps,) or (n_steps, n), if the result has it."""
    rec = result.recording
    n_steps = rec.trace_times.size
    for key in ("current", "I"):
        if key in result.data and result.units.get(key) == "A":
            values = np.asarray(result.data[key], dtype=np.float64)
            if values.ndim == 2 and values.shape[1] == n_steps:
                values = values.T
            if values.shape[0] == n_steps:
                return values * amp
    return None


def protocol_to_nwb(result: ProtocolResult, path, model: NeuronModel | None = None) -> Path:
    """Write *result* (its Recording, numbers, settings and *model*'s equations) to *path*.

    Raises
    ------
    ValueError
        The result holds no Recording (nothing was simulated to export).
    """
    if result.recording is None:
        raise ValueError(f"protocol {result.protocol!r}: the result holds no Recording; "
                         "expected a protocol that simulates (NWB export writes its spikes "
                         "and traces)")
    plain = result.to_json()
    meta = {"kind": "protocol", "protocol": result.protocol, "numbers": plain["numbers"],
            "settings": plain["settings"]}
    if model is not None:
        meta["model"] = model_metadata(model)
    stimulus = _stimulus(result) if len(result.recording.populations) == 1 else None
    return result.recording.to_nwb(path, stimulus=stimulus, metadata=meta,
                                   description=f"neurolab_snn protocol {result.protocol}")


def protocol_nwb_command(result: ProtocolResult, args) -> Path:
    """``neurolab protocol run --nwb``: write ``<out>/<protocol>.nwb`` with the run's model."""
    from .single_neuron import resolve_model

    name, model = args.model or result.settings.get("model"), None
    if isinstance(name, str):
        try:
            model = resolve_model(name, args.preset)
        except (TypeError, ValueError, KeyError):   # a circuit protocol's model label
            model = None
    slug = result.protocol.replace("-", "_")
    return protocol_to_nwb(result, Path(args.out) / f"{slug}.nwb", model=model)
