"""The derived discrete update replays Brian2's own traces to 1e-12 (float64).

A network of B copies runs in Brian2 (numpy code generation here: no compiler
time in CI; one Cython run below); the numpy forward pass of the derived
update, started from the same initial state with the same inputs, must give
the same states at every step (relative 1e-12) and exactly the same spikes.
"""
import numpy as np
import pytest

from neurolab_snn.models import GIF, LIF, AdaptiveLIF
from neurolab_snn.recording import Recording
from neurolab_snn.training.brian import BrianForward
from neurolab_snn.training.network import Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.units import mV, ms, pA

from .conftest import eif_model, qif_model

HIDDEN = {
    "LIF_tref2": (LIF(t_ref=2 * ms), ("tau_m",)),
    "ALIF_threshold": (AdaptiveLIF(tau_a=60 * ms, t_ref=3 * ms), ("Delta_th", "tau_a")),
    "ALIF_current": (AdaptiveLIF(adaptation="current", tau_a=60 * ms, t_ref=0 * ms), ("b_w",)),
    "GIF": (GIF(escape=False, t_ref=2 * ms, eta_taus=(20 * ms, 80 * ms),
                eta_amplitudes=(50 * pA, 10 * pA), gamma_taus=(30 * ms,),
                gamma_amplitudes=(3 * mV,)), ("a_eta_0", "a_gamma_0")),
    "QIF_user": (qif_model(t_ref=2 * ms), ("tau_m", "V_c")),
    "EIF_user": (eif_model(), ("V_T",)),
}


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _net(model, trainable, recurrent=True):
    spec = NetworkSpec(6, (Layer("hid", model, 10, recurrent=recurrent, trainable=trainable),
                           Layer("out", LIF(t_ref=0 * ms), 3)))
    return TrainableNetwork(spec)


@pytest.mark.parametrize("name", sorted(HIDDEN))
def test_replay_matches_brian2(name):
    model, trainable = HIDDEN[name]
    net = _net(model, trainable)
    rng = np.random.default_rng(7)
    params = net.init_params(rng, gain=40.0, weight_scale={"out": 12.0})
    for key in params:                           # heterogeneous trainable parameters
        if key.split(".")[1] in trainable:
            params[key] = params[key] * rng.uniform(0.8, 1.2, params[key].shape)
    x = (rng.random((3, 60, 6)) < 0.25).astype(float)
    fw = BrianForward(net, batch=4, n_steps=60, backend="numpy")   # one padded copy
    brian = fw.run(params, x)
    replay = net.simulate(params, x)
    for layer in ("hid", "out"):
        assert brian.spikes[layer].sum() > 5, "the test needs spikes"
        np.testing.assert_array_equal(brian.spikes[layer], replay.spikes[layer])
        for var, values in brian.states[layer].items():
            assert _rel(replay.states[layer][var], values) < 1e-12, (layer, var)
    # the exported traces form a Recording with units
    assert isinstance(brian.recording, Recording)
    assert brian.recording["hid"].trace_units["v"] == "V"
    assert brian.recording["hid"].n == 4 * 10


def test_refractory_blocks_input_like_brian2():
    """Brian2 drops writes to an (unless refractory) variable while refractory."""
    net = _net(LIF(t_ref=4 * ms), (), recurrent=False)
    rng = np.random.default_rng(1)
    params = net.init_params(rng, gain=60.0)
    x = np.ones((2, 40, 6))
    brian = BrianForward(net, 2, 40, backend="numpy").run(params, x)
    replay = net.simulate(params, x)
    v = brian.states["hid"]["v"]
    assert (v == -0.07).sum() > 20                  # clamped at reset for whole steps
    assert _rel(replay.states["hid"]["v"], v) < 1e-12


def test_input_modes_agree():
    net = _net(AdaptiveLIF(t_ref=0 * ms), ("tau_m",))
    rng = np.random.default_rng(3)
    params = net.init_params(rng, gain=40.0, weight_scale={"out": 12.0})
    x = (rng.random((2, 30, 6)) < 0.3).astype(float)
    a = BrianForward(net, 2, 30, backend="numpy", input_mode="drive").run(params, x)
    b = BrianForward(net, 2, 30, backend="numpy", input_mode="synapses").run(params, x)
    for layer in ("hid", "out"):
        np.testing.assert_array_equal(a.spikes[layer], b.spikes[layer])
        assert _rel(a.states[layer]["v"], b.states[layer]["v"]) < 1e-12


@pytest.mark.parametrize("input_mode", ["drive", "synapses"])
def test_dense_propagation_equals_brian2_synapses(input_mode):
    """The runtime default (one matrix product per layer and step in a NetworkOperation)
    against Brian2 Synapses objects: recurrent layer, refractory period, 3 copies."""
    net = _net(AdaptiveLIF(t_ref=3 * ms), ("tau_m",))
    rng = np.random.default_rng(8)
    params = net.init_params(rng, gain=40.0, weight_scale={"out": 12.0})
    x = (rng.random((3, 50, 6)) < 0.3).astype(float)
    runs = {prop: BrianForward(net, 3, 50, backend="numpy", input_mode=input_mode,
                               propagation=prop).run(params, x)
            for prop in ("dense", "synapses")}
    assert runs["dense"].spikes["hid"].sum() > 20
    for layer in ("hid", "out"):
        np.testing.assert_array_equal(runs["dense"].spikes[layer], runs["synapses"].spikes[layer])
        for var, values in runs["synapses"].states[layer].items():
            assert _rel(runs["dense"].states[layer][var], values) < 1e-12, (layer, var)
        # the Recording: the recorder's spike lists and traces equal the monitors'
        dense, mon = runs["dense"].recording[layer], runs["synapses"].recording[layer]
        np.testing.assert_array_equal(dense.spike_indices, mon.spike_indices)
        np.testing.assert_allclose(dense.spike_times, mon.spike_times, rtol=0, atol=1e-15)
        assert _rel(dense.traces["v"], mon.traces["v"]) < 1e-12
    with pytest.raises(ValueError, match="propagation"):
        BrianForward(net, 3, 50, backend="cpp_standalone", propagation="dense")


def test_scratch_runs_reuse_the_trace_arrays():
    """``scratch=True`` (the trainer's minibatches): same values, the arrays of the last
    scratch run overwritten, no Recording; a normal run gets arrays of its own."""
    net = _net(LIF(t_ref=0 * ms), ("tau_m",))
    rng = np.random.default_rng(4)
    params = net.init_params(rng, gain=40.0, weight_scale={"out": 12.0})
    xs = [(rng.random((2, 30, 6)) < 0.3).astype(float) for _ in range(2)]
    fw = BrianForward(net, 2, 30, backend="numpy")
    kept = [fw.run(params, x) for x in xs]
    saved = [(t.states["hid"]["v"].copy(), t.spikes["out"].copy()) for t in kept]
    first = fw.run(params, xs[0], scratch=True)
    v_first = first.states["hid"]["v"].copy()
    second = fw.run(params, xs[1], scratch=True)
    assert second.recording is None
    assert np.shares_memory(first.states["hid"]["v"], second.states["hid"]["v"])
    np.testing.assert_array_equal(v_first, saved[0][0])
    np.testing.assert_array_equal(second.states["hid"]["v"], saved[1][0])
    np.testing.assert_array_equal(second.spikes["out"], saved[1][1])
    for trace, (v, s_out) in zip(kept, saved):      # normal traces keep their own arrays
        assert not np.shares_memory(trace.states["hid"]["v"], second.states["hid"]["v"])
        np.testing.assert_array_equal(trace.states["hid"]["v"], v)
        np.testing.assert_array_equal(trace.spikes["out"], s_out)


def test_replay_cython_runtime():
    """Compiles Cython code objects (about a minute on a fresh machine)."""
    net = _net(AdaptiveLIF(t_ref=2 * ms), ("tau_m",))
    rng = np.random.default_rng(5)
    params = net.init_params(rng, gain=40.0, weight_scale={"out": 12.0})
    x = (rng.random((2, 40, 6)) < 0.3).astype(float)
    brian = BrianForward(net, 2, 40, backend="runtime").run(params, x)
    replay = net.simulate(params, x)
    for layer in ("hid", "out"):
        np.testing.assert_array_equal(brian.spikes[layer], replay.spikes[layer])
        for var, values in brian.states[layer].items():
            assert _rel(replay.states[layer][var], values) < 1e-12


@pytest.mark.standalone
def test_replay_cpp_standalone_one_compilation():
    net = _net(LIF(t_ref=0 * ms), ("tau_m",))
    rng = np.random.default_rng(9)
    params = net.init_params(rng, gain=40.0, weight_scale={"out": 12.0})
    with BrianForward(net, 2, 30, backend="cpp_standalone") as fw:
        for _ in range(3):
            x = (rng.random((2, 30, 6)) < 0.3).astype(float)
            params["hid.W"] = params["hid.W"] * 1.1
            brian = fw.run(params, x)
            replay = net.simulate(params, x)
            np.testing.assert_array_equal(brian.spikes["hid"], replay.spikes["hid"])
            assert _rel(replay.states["hid"]["v"], brian.states["hid"]["v"]) < 1e-12
        assert fw.compilations == 1 and fw.runs == 3


def test_reused_code_objects_follow_new_values():
    """One network, many runs with new weights, parameters and inputs (code objects kept)."""
    net = _net(AdaptiveLIF(t_ref=2 * ms), ("tau_m", "Delta_th"))
    rng = np.random.default_rng(21)
    fw = BrianForward(net, 3, 40, backend="numpy")
    assert fw.reuse_code_objects
    for k in range(3):
        params = net.init_params(rng, gain=30.0 + 10 * k, weight_scale={"out": 12.0})
        params["hid.tau_m"] = params["hid.tau_m"] * rng.uniform(0.7, 1.3, 10)
        x = (rng.random((3, 40, 6)) < 0.3).astype(float)
        brian = fw.run(params, x)
        replay = net.simulate(params, x)
        for layer in ("hid", "out"):
            np.testing.assert_array_equal(brian.spikes[layer], replay.spikes[layer])
            assert _rel(replay.states[layer]["v"], brian.states[layer]["v"]) < 1e-12
    assert fw.runs == 3 and fw._frozen_code


@pytest.mark.standalone
def test_replay_on_defaultclock_as_for_cuda():
    """The cuda forward pass's network (every object on ``defaultclock``, as brian2cuda needs),
    run here by cpp_standalone under the same clock shim: the same traces as the replay."""
    from neurolab_snn.sim.devices import single_clock
    from neurolab_snn.sim.standalone import StandaloneSimulation
    from neurolab_snn.training.adjoint import trace_from_recording
    from neurolab_snn.training.brian import BatchedNetwork

    class DefaultClockSimulation(StandaloneSimulation):       # CudaSimulation's scope on a CPU
        def _scope(self):
            stack = super()._scope()
            stack.enter_context(single_clock(self.dt))
            return stack

    net = _net(LIF(t_ref=2 * ms), ("tau_m",))
    rng = np.random.default_rng(5)
    params = net.init_params(rng, gain=40.0, weight_scale={"out": 12.0})
    factory = BatchedNetwork(net, 2, 30, own_clock=False)
    with DefaultClockSimulation(factory, 30 * net.spec.dt, dt=net.spec.dt) as sim:
        for _ in range(2):
            x = (rng.random((2, 30, 6)) < 0.3).astype(float)
            recording = sim.run(factory.values(params, x))
            brian = trace_from_recording(net, params, x, recording, batch=2)
            replay = net.simulate(params, x)
            for layer in ("hid", "out"):
                np.testing.assert_array_equal(brian.spikes[layer], replay.spikes[layer])
                assert _rel(replay.states[layer]["v"], brian.states[layer]["v"]) < 1e-12
        assert brian.spikes["hid"].sum() > 5 and sim.compilations == 1
        assert {obj.clock.name for obj in sim.built.network.objects} == {"defaultclock"}
