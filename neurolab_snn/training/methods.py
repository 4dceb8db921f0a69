"""Registry of the training methods that share one network definition and one task (layer L4).

Every method is a function ``train(*, encoding='rate', model='LIF', seed=0,
backend='runtime', epochs=None, quick=False, out_dir=None, progress=False,
data=None, **options) -> dict`` where *data* is an optional ``(train, val,
test)`` triple of :class:`~neurolab_snn.training.tasks.Dataset` (default: the
scikit-learn digits split; e.g. :func:`~neurolab_snn.training.tasks.load_mnist_idx`
for MNIST).  The returned dict has at least ``method``, ``test_accuracy``
(held-out test split, never used for selection), ``wall_s``,
``train_samples_per_s``, ``seed``, ``config`` and ``history`` (a list of
per-epoch dicts); method-specific arrays for the panels go beside them.

:data:`METHODS` maps a method name to ``"module:function"`` inside
:mod:`neurolab_snn.training`; :func:`get_method` imports it when asked, so a
method's dependencies load only when it is used.
"""
from __future__ import annotations

import importlib

__all__ = ["METHODS", "get_method", "method_names"]

#: method name -> "module:function" (relative to neurolab_snn.training)
METHODS: dict[str, str] = {
    "bptt": "recipes:train_bptt",
    "conversion": "conversion:train_conversion",
    "perturbation": "perturbation:train_perturbation",
    "superspike": "superspike:train_superspike",
    "eventprop": "spike_time_learning:train",
    "stdp": "stdp_learning:train_stdp",
}


def method_names() -> list[str]:
    """Names of the registered methods, in registration order."""
    return list(METHODS)


def get_method(name: str):
    """The training function of method *name*; a clear error for an unknown name."""
    if name not in METHODS:
        raise KeyError(f"method={name!r} is unknown; expected one of {method_names()}")
    module, function = METHODS[name].split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)
