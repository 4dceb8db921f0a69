"""Neuron models: Brian2 equation strings with units and cited parameter presets (layer L1)."""
from __future__ import annotations

from .adaptive_lif import AdaptiveLIF
from .base import NeuronModel, Preset
from .gif import GIF
from .hh import HH
from .lif import LIF

#: Library models by name; each entry builds a NeuronModel from (preset, **options).
MODELS = {"LIF": LIF, "AdaptiveLIF": AdaptiveLIF, "GIF": GIF, "HH": HH}

__all__ = ["NeuronModel", "Preset", "LIF", "AdaptiveLIF", "GIF", "HH", "MODELS", "get_model"]


def get_model(name: str, preset: str | None = None, **options) -> NeuronModel:
    """The library model *name* (``'LIF'``, ``'AdaptiveLIF'``, ``'GIF'``, ``'HH'``).

    Raises a ``ValueError`` naming the unknown model or preset.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(MODELS)}")
    return MODELS[name](preset, **options) if preset is not None else MODELS[name](**options)
