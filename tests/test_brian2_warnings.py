"""The groups the package builds itself give Brian2 nothing to warn about.

A Brian2 WARNING on a package-made group is either a bug or noise that hides
the user's real warnings, so these tests capture Brian2's logger (and the
Python warnings it relays) while building every model with every preset, the
training networks in both propagation modes, and running one circuit protocol.
"""
from __future__ import annotations

import gc
import logging

import numpy as np
import pytest


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def brian_warnings():
    """The WARNING (and worse) records Brian2 logs inside the test."""
    import brian2  # noqa: F401  (sets up Brian2's loggers)

    gc.collect()             # objects of earlier tests warn when collected: not in this one
    handler = _Collect()
    loggers = [logging.getLogger("brian2"), logging.getLogger("py.warnings")]
    for lg in loggers:
        lg.addHandler(handler)
    yield handler.records
    for lg in loggers:
        lg.removeHandler(handler)


def _messages(records) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in records]


def test_every_model_and_preset_builds_without_warnings(brian_warnings):
    from brian2 import Network, NumpyCodeObject

    from neurolab_snn.models import MODELS
    from neurolab_snn.units import ms

    built = 0
    for name, cls in MODELS.items():
        model = cls()
        variants = [model] + [model.with_preset(p) for p in model.presets]
        for variant in variants:
            group = variant.build_group(3, dt=0.01 * ms, codeobj_class=NumpyCodeObject)
            Network(group).run(0.05 * ms, namespace={})      # a few steps: used, not only made
            assert group.N == 3 and float(group.t / ms) == pytest.approx(0.05)
            built += 1
    assert built >= 2 * len(MODELS)
    gc.collect()
    assert _messages(brian_warnings) == []


@pytest.mark.parametrize("input_mode, propagation", [("drive", "dense"),
                                                     ("synapses", "synapses")])
def test_training_networks_build_without_warnings(brian_warnings, input_mode, propagation):
    from neurolab_snn.training.brian import BrianForward
    from neurolab_snn.training.network import TrainableNetwork
    from neurolab_snn.training.recipes import digits_network, dms_network

    for spec in (digits_network("LIF", n_hidden=8), dms_network("GIF", n_exc=8, n_inh=2)):
        net = TrainableNetwork(spec)
        forward = BrianForward(net, 2, 10, backend="numpy", input_mode=input_mode,
                               propagation=propagation)
        trace = forward.run(net.init_params(np.random.default_rng(0)),
                            np.zeros((2, 10, spec.n_inputs)))
        assert trace.spikes[spec.layers[-1].name].shape == (2, 10, spec.layers[-1].n)
        forward.close()
    gc.collect()
    assert _messages(brian_warnings) == []


def test_circuit_protocol_runs_without_warnings(brian_warnings):
    from neurolab_snn.experiment import run_protocol

    result = run_protocol("ff-inhibition", backend="numpy", quick=True)
    assert result.numbers["window_no_inhibition_ms"] > 0
    gc.collect()
    assert _messages(brian_warnings) == []
