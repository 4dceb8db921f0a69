r"""The forward pass in Brian2: ``B`` copies of the trainable network in one run.

:class:`BatchedNetwork` is a network factory (``build_network(dt) ->
BuiltNetwork``): every layer is one ``NeuronGroup`` of ``B * n`` neurons (copy
``b`` owns neurons ``b*n .. b*n + n - 1``), every weight matrix is one
``Synapses`` object with block-diagonal connectivity (``on_pre: target_post +=
w``, zero delay) and trainable neuron parameters are per-neuron ``(constant)``
variables.  The input spikes of the first layer enter either

* ``input_mode='drive'`` (default): as the input drive :math:`x_k W_0` of each
  step, a ``TimedArray`` added in the ``'synapses'`` slot by
  ``run_regularly`` - the same place and order as an ``on_pre`` increment, and
  one matrix product instead of ``B * n_in * n`` synapses; or
* ``input_mode='synapses'``: as spikes of an input ``NeuronGroup`` (threshold
  on a ``TimedArray`` of the spike raster) through a ``Synapses`` object.

Both give the same traces (tested).  With ``propagation='dense'`` (the default
of :class:`BrianForward` on the runtime backends) each layer's synaptic input
:math:`s^{l-1}_k W_l + s^l_k R_l` (:math:`s^{-1}_k`: the input spikes) is
added by one :class:`LayerInput` ``NetworkOperation`` in the same
``'synapses'`` slot, with the same conditional write as Brian2's for an
``(unless refractory)`` target: a matrix product on the step's spikes
(Brian2's ``_spikespace``) instead of one ``on_pre`` per synapse and a spike
queue, the same traces to rounding (tested against the ``Synapses`` objects,
which the standalone and GPU backends keep, and against the replay at 1e-12).
All objects share one ``Clock``.  State
monitors in the ``'end'`` slot record every state variable, spike monitors
every spike: the :class:`~neurolab_snn.recording.Recording` the adjoint needs
(with dense propagation a :class:`LayerRecorder` per layer records the same
into the Trace's arrays).

:class:`BrianForward` builds the network once and re-runs it for every
minibatch: on the runtime backend by restoring the initial state and
replacing the values of the TimedArrays, weights and parameters in place; on
``cpp_standalone`` through
:class:`~neurolab_snn.sim.standalone.StandaloneSimulation`, whose single
compiled binary takes the new values as ``run_args`` (its ``compilations``
counter stays at 1); on ``cuda`` (brian2cuda, an NVIDIA GPU) the same way
through :class:`~neurolab_snn.sim.cuda.CudaSimulation`, e.g. to run a network
trained on the CPU on the GPU.
"""
from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Mapping

import numpy as np
from brian2 import (Clock, Network, NeuronGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray,
                    defaultclock)
from brian2.devices.device import runtime_device
from brian2.synapses.synapses import SynapticPathway
from brian2.units.fundamentalunits import Quantity, get_dimensions

from ..built_network import BuiltNetwork
from ..recording import PopulationRecording, Recording
from ..sim.devices import active_device, check_backend, scoped_prefs
from ..sim.standalone import StandaloneSimulation
from ..units import to_si, unit_string
from .adjoint import trace_from_recording
from .dense import LayerInput, LayerRecorder
from .network import Trace, TrainableNetwork

__all__ = ["BatchedNetwork", "BrianForward", "FORWARD_BACKENDS"]

#: Backends that can run the forward pass (``cuda``: brian2cuda on an NVIDIA GPU).
FORWARD_BACKENDS = ("runtime", "numpy", "cpp_standalone", "cuda")


def _block_indices(batch: int, n_pre: int, n_post: int) -> tuple[np.ndarray, np.ndarray]:
    """Pre/post indices of B all-to-all blocks, row-major within a block (w = tile(W.ravel()))."""
    b = np.repeat(np.arange(batch), n_pre * n_post)
    a = np.tile(np.repeat(np.arange(n_pre), n_post), batch)
    c = np.tile(np.tile(np.arange(n_post), n_pre), batch)
    return b * n_pre + a, b * n_post + c


class BatchedNetwork:
    """Network factory: ``batch`` copies of a :class:`TrainableNetwork` for ``n_steps`` steps.

    ``own_clock=False``: every object runs on Brian2's ``defaultclock`` (whose
    ``dt`` must be the network's) instead of a clock of its own - brian2cuda's
    generated code refers to ``defaultclock`` by name.  ``propagation``:
    ``'synapses'`` (Brian2 ``Synapses`` objects and ``run_regularly``, every
    backend) or ``'dense'`` (one :class:`LayerInput` per layer, runtime only).
    """

    def __init__(self, net: TrainableNetwork, batch: int, n_steps: int, *,
                 input_mode: str = "drive", params: Mapping | None = None,
                 inputs: np.ndarray | None = None, own_clock: bool = True,
                 propagation: str = "synapses"):
        if input_mode not in ("drive", "synapses"):
            raise ValueError(f"input_mode={input_mode!r}; expected 'drive' or 'synapses'")
        if propagation not in ("synapses", "dense"):
            raise ValueError(f"propagation={propagation!r}; expected 'synapses' or 'dense'")
        self.net, self.batch, self.n_steps, self.input_mode = net, int(batch), int(n_steps), \
            input_mode
        self.propagation = propagation
        self.params = params
        self.inputs = inputs
        self.own_clock = bool(own_clock)

    # values for one run ------------------------------------------------------
    def values(self, params, inputs) -> dict[str, object]:
        """Values of every handle for a run: ``{'handle' or 'handle.var': array or Quantity}``."""
        out = {}
        for key, (value, shared) in self.blocks(params, inputs).items():
            if shared:
                tiled = np.tile(np.asarray(value, dtype=np.float64).ravel(), self.batch)
                value = Quantity(tiled, dim=value.dim) if isinstance(value, Quantity) else tiled
            out[key] = value
        return out

    def blocks(self, params, inputs, drive_out: np.ndarray | None = None
               ) -> dict[str, tuple[object, bool]]:
        """:meth:`values` without the repetition: ``{key: (value, shared)}``.

        ``shared`` values (weights, neuron parameters) are those of one copy,
        the same for all ``batch`` copies; the TimedArray values are complete
        (n_steps, batch * n) arrays, time-major as Brian2 stores them.  The
        input drive is written into *drive_out* if given.
        """
        net, bsz, t_steps = self.net, self.batch, self.n_steps
        x = np.asarray(inputs, dtype=np.float64)
        if x.ndim != 3 or x.shape[0] > bsz or x.shape[1] != t_steps \
                or x.shape[2] != net.spec.n_inputs:
            raise ValueError(f"inputs have shape {x.shape}; expected (<= {bsz}, {t_steps}, "
                             f"{net.spec.n_inputs})")
        xt = np.zeros((t_steps, bsz, x.shape[2]))                  # time-major, zero padding
        xt[:, :x.shape[0]] = np.swapaxes(x, 0, 1)
        xt = xt.reshape(t_steps * bsz, x.shape[2])
        out = {}
        first = net.spec.layers[0]
        if self.input_mode == "drive" and self.propagation != "dense":
            drive = np.matmul(xt, params[f"{first.name}.W"], out=None if drive_out is None
                              else drive_out.reshape(t_steps * bsz, first.n))   # (T * B, n0)
            out[f"drive_{first.name}"] = (drive.reshape(t_steps, bsz * first.n), False)
        else:
            out["input_spikes"] = (xt.reshape(t_steps, bsz * x.shape[2]), False)
            out[f"syn_{first.name}.w_syn"] = (params[f"{first.name}.W"], True)
        for i, layer in enumerate(net.spec.layers):
            if i > 0:
                out[f"syn_{layer.name}.w_syn"] = (params[f"{layer.name}.W"], True)
            if layer.recurrent:
                out[f"rec_{layer.name}.w_syn"] = (params[f"{layer.name}.R"], True)
            for key in layer.trainable:
                dim = get_dimensions(layer.model.parameters[key])
                out[f"{layer.name}.{key}"] = (
                    Quantity(np.asarray(params[f"{layer.name}.{key}"], dtype=np.float64),
                             dim=dim), True)
        return out

    # building ---------------------------------------------------------------
    def build_network(self, dt) -> BuiltNetwork:
        """Build groups, synapses and monitors under the active Brian2 device."""
        net, bsz, t_steps = self.net, self.batch, self.n_steps
        params = self.params if self.params is not None else net.init_params(0)
        inputs = self.inputs if self.inputs is not None else \
            np.zeros((bsz, t_steps, net.spec.n_inputs))
        values = self.values(params, inputs)
        clock = Clock(dt, name="training_clock*") if self.own_clock else defaultclock
        if abs(float(clock.dt) - float(dt)) > 1e-9 * float(dt):   # one schedule, one time base
            raise ValueError(f"defaultclock.dt = {defaultclock.dt}; expected dt = {dt} "
                             "(own_clock=False)")
        dense = self.propagation == "dense"
        objects, handles, spike_mons, state_mons, groups = [], {}, {}, {}, []
        layer_inputs: list[LayerInput] = []
        for i, (layer, dm) in enumerate(zip(net.spec.layers, net.discrete)):
            unit = Quantity(1.0, dim=get_dimensions(_target_unit(layer, dm)))
            extra = {"unit_in": unit}
            drive = i == 0 and self.input_mode == "drive" and not dense
            if drive:
                ta = TimedArray(values[f"drive_{layer.name}"], dt=dt, name=f"drive_{layer.name}")
                extra[f"drive_{layer.name}"] = ta
                handles[f"drive_{layer.name}"] = ta
            model = dm.variable_model
            if not layer.spiking:       # a read-out: a threshold that never fires keeps the
                model = dataclasses.replace(model, threshold="False",   # Recording uniform;
                                            reset=model.reset or "")   # no reset intended
            group = model.build_group(bsz * layer.n, name=layer.name, clock=clock,
                                      extra_namespace=extra)
            for key in layer.trainable:
                setattr(group, key, values[f"{layer.name}.{key}"])
            if dense:       # the input spikes are read from a buffer, not an input group
                li = LayerInput(group, layer.target, bsz, gated=net.gated[i],
                                pre=groups[-1] if i > 0 else None,
                                input_steps=0 if i > 0 else t_steps,
                                n_pre=net.spec.layers[i - 1].n if i > 0 else net.spec.n_inputs,
                                recurrent=layer.recurrent)
                if i == 0:
                    li.values[...] = values["input_spikes"]
                    handles["input_spikes"] = li
                layer_inputs.append(li)
            elif drive:
                objects.append(group.run_regularly(
                    f"{layer.target} += drive_{layer.name}(t, i)*unit_in",
                    when="synapses", name=f"{layer.name}_drive"))
            handles[layer.name] = group
            groups.append(group)
            objects.append(group)
            if dense:       # states and dense spikes straight into the next Trace's arrays
                recorder = LayerRecorder(group, dm.states, bsz, t_steps)
                handles[f"{layer.name}_recorder"] = recorder
                objects.append(recorder.operation(clock, f"{layer.name}_recorder"))
                continue
            smon = StateMonitor(group, list(dm.states), record=True, clock=clock, when="end",
                                name=f"{layer.name}_states")
            spk = SpikeMonitor(group, name=f"{layer.name}_spikes")
            objects += [smon, spk]
            state_mons[layer.name] = (smon, tuple(dm.states), np.arange(bsz * layer.n))
            spike_mons[layer.name] = (spk, bsz * layer.n)
        if self.input_mode == "synapses" and not dense:
            ta = TimedArray(values["input_spikes"], dt=dt, name="input_spikes")
            src = NeuronGroup(bsz * net.spec.n_inputs, "", threshold="input_spikes(t, i) > 0.5",
                              reset="", clock=clock, name="input", namespace={"input_spikes": ta})
            handles["input_spikes"], handles["input"] = ta, src
            objects.append(src)
        for i, layer in enumerate(net.spec.layers):
            post = groups[i]
            if dense:
                li = layer_inputs[i]
                li.W[...] = params[f"{layer.name}.W"]
                handles[f"syn_{layer.name}"] = li
                if li.R is not None:
                    li.R[...] = params[f"{layer.name}.R"]
                    handles[f"rec_{layer.name}"] = li
                objects.append(li.operation(clock, f"{layer.name}_input"))
                continue
            if i > 0 or self.input_mode == "synapses":
                pre = groups[i - 1] if i > 0 else handles["input"]
                n_pre = net.spec.layers[i - 1].n if i > 0 else net.spec.n_inputs
                objects.append(self._synapses(f"syn_{layer.name}", pre, post, n_pre, layer,
                                              values[f"syn_{layer.name}.w_syn"], clock, handles))
            if layer.recurrent:
                objects.append(self._synapses(f"rec_{layer.name}", post, post, layer.n, layer,
                                              values[f"rec_{layer.name}.w_syn"], clock, handles))
        return BuiltNetwork(Network(*objects), spike_mons, state_mons, handles)

    def _synapses(self, name, pre, post, n_pre, layer, w, clock, handles):
        syn = Synapses(pre, post, "w_syn : 1 (constant)",
                       on_pre=f"{layer.target}_post += w_syn*unit_in",
                       clock=clock, name=name, namespace={"unit_in": post.namespace["unit_in"]})
        i, j = _block_indices(self.batch, n_pre, layer.n)
        syn.connect(i=i, j=j)
        syn.w_syn = w
        handles[name] = syn
        return syn


def _prepare_reruns(network) -> None:
    """Make later runs of *network* skip the set-up whose result cannot change.

    Brian2 regenerates every code object at each ``Network.run`` (about 10 ms
    each) and rebuilds every synaptic pathway's spike queue from the synapse
    sources (milliseconds for 10^5 synapses).  Between minibatches only values
    change, never equations, connectivity or delays, so after the first run
    every object keeps its code objects (their values are updated in place)
    and every pathway its prepared queue (``Network.restore`` empties it).
    """
    def _skip(*args):
        return None
    seen = set()
    stack = list(network.objects)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        stack.extend(getattr(obj, "contained_objects", []))
        if getattr(obj, "code_objects", None) and hasattr(obj, "create_code_objects"):
            obj.create_code_objects = _skip
        if isinstance(obj, SynapticPathway):
            obj.initialise_queue = _skip


@contextlib.contextmanager
def _gc_frozen():
    """Inside the block the garbage collector ignores the objects alive on entry.

    ``Network.run`` starts with ``gc.collect()``, a scan of the whole heap
    (tens of ms in a large process); our private network leaves no garbage
    for it to find.  ``gc.freeze``/``gc.unfreeze`` are O(1); objects that
    someone else froze (``gc.get_freeze_count() > 0`` on entry) stay frozen.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _target_unit(layer, dm):
    """The unit of the layer's target variable (e.g. volt), from Brian2's equations."""
    from brian2 import Equations
    eqs = Equations(dm.variable_model.equations)
    return Quantity(1.0, dim=eqs[layer.target].dim)


class BrianForward:
    """Compile-once forward runner: one Brian2 run per minibatch of up to ``batch`` samples.

    Parameters
    ----------
    net : TrainableNetwork
    batch : int
        Number of network copies (larger minibatches raise, smaller are padded).
    n_steps : int
        Time steps per sample.
    backend : {'runtime', 'numpy', 'cpp_standalone', 'cuda'}
    input_mode : {'drive', 'synapses'}
    propagation : {'dense', 'synapses'}, optional
        How spikes reach the next layer (see :class:`BatchedNetwork`); default
        ``'dense'`` on the runtime backends, ``'synapses'`` on the others.
    directory : str, optional
        Standalone project folder.
    freeze_gc : bool
        Runtime backends: the garbage collector ignores the objects alive
        before each run while it runs (see :func:`_gc_frozen`).
    reuse_code_objects : bool
        Runtime backends: after the first run, keep its code objects and spike
        queues for all later runs (see :func:`_prepare_reruns`).  Each run
        restores the initial state, writes the new inputs, weights and
        parameters into Brian2's arrays in place, runs, and reads the monitors'
        arrays once into the :class:`Trace`.  The replay tests check every
        re-run against the derived update at 1e-12.

    Attributes
    ----------
    compilations : int
        cpp_standalone / cuda: how often the project was compiled (1).
        Runtime: 0 (Brian2 caches the Cython code objects itself).
    runs : int
    """

    def __init__(self, net: TrainableNetwork, batch: int, n_steps: int, *,
                 backend: str = "runtime", input_mode: str = "drive",
                 directory: str | None = None, seed: int = 0, freeze_gc: bool = True,
                 reuse_code_objects: bool = True, propagation: str | None = None):
        check_backend(backend, supported=FORWARD_BACKENDS)
        self.reuse_code_objects, self.freeze_gc, self._frozen_code = \
            reuse_code_objects, freeze_gc, False
        self.net, self.batch, self.n_steps, self.backend = net, int(batch), int(n_steps), backend
        standalone = backend in ("cpp_standalone", "cuda")
        if propagation is None:
            propagation = "synapses" if standalone else "dense"
        if propagation == "dense" and standalone:
            raise ValueError(f"propagation='dense' runs Python operations; backend={backend!r} "
                             "needs propagation='synapses'")
        self.factory = BatchedNetwork(net, batch, n_steps, input_mode=input_mode,
                                      own_clock=backend != "cuda", propagation=propagation)
        self.duration = n_steps * net.spec.dt
        self.runs = 0
        self._sim = None
        if backend in ("cpp_standalone", "cuda"):
            if backend == "cuda":
                from ..sim.cuda import CudaSimulation as simulation
            else:
                simulation = StandaloneSimulation
            self._sim = simulation(self.factory, self.duration, dt=net.spec.dt, seed=seed,
                                   directory=directory)
            return
        self._target = "numpy" if backend == "numpy" else "auto"
        with self._scope():
            self.built = self.factory.build_network(net.spec.dt)
            self.built.network.store("initial")
        self._units = {layer.name: {var: unit_string(Quantity(
            1.0, dim=self.built.handles[layer.name].variables[var].dim)) for var in dm.states}
            for layer, dm in zip(net.spec.layers, net.discrete)}
        # a warm-up run creates (or loads) the code objects
        self.run(net.init_params(0), np.zeros((1, self.n_steps, net.spec.n_inputs)))
        self.runs = 0

    @property
    def compilations(self) -> int:
        return 0 if self._sim is None else self._sim.compilations

    def _scope(self):
        stack = contextlib.ExitStack()
        stack.enter_context(active_device(runtime_device))
        stack.enter_context(scoped_prefs(codegen__target=self._target))
        return stack

    def run(self, params, inputs, *, scratch: bool = False) -> Trace:
        """Run the network on *inputs* (b <= batch, n_steps, n_inputs) with *params*.

        ``scratch=True`` (runtime backends with dense propagation; what the
        trainer uses for a minibatch it discards after the backward pass): the
        Trace's arrays are overwritten by the next ``scratch`` run, and it has
        no :class:`Recording`.
        """
        if self._sim is not None:
            recording = self._sim.run(self.factory.values(params, inputs))
            trace = trace_from_recording(self.net, params, inputs, recording, batch=self.batch)
        else:
            network = self.built.network
            with self._scope():
                self._load(params, inputs, scratch)
                with _gc_frozen() if self.freeze_gc else contextlib.nullcontext():
                    network.run(self.duration, namespace={})
                if self.reuse_code_objects and not self._frozen_code:
                    _prepare_reruns(network)
                    self._frozen_code = True
            trace = self._read(params, inputs, scratch)
        self.runs += 1
        return trace

    def _load(self, params, inputs, scratch: bool = False) -> None:
        """Restore the initial state; write this run's values into Brian2's arrays in place."""
        built, net = self.built, self.net
        built.network.restore("initial")
        for i, (layer, dm) in enumerate(zip(net.spec.layers, net.discrete)):
            recorder = built.handles.get(f"{layer.name}_recorder")
            if recorder is not None:
                recorder.start(dm.initial_state(net.layer_params(params, i),
                                                (self.batch, layer.n)), reuse=scratch)
        drive = built.handles.get(f"drive_{self.net.spec.layers[0].name}")
        blocks = self.factory.blocks(params, inputs,
                                     drive_out=None if drive is None else drive.values)
        for key, (value, shared) in blocks.items():
            name, _, var = key.partition(".")
            handle = built.handles[name]
            if isinstance(handle, LayerInput) and var:       # dense weights: one copy
                weights = handle.R if name.startswith("rec_") else handle.W
                weights.reshape(-1)[...] = np.asarray(value).reshape(-1)
                continue
            target = handle.variables[var].get_value() if var else handle.values
            value = np.asarray(value)
            if shared:                          # one row per network copy
                target.reshape(self.batch, -1)[...] = value.reshape(-1)
            elif not np.shares_memory(target, value):
                target[...] = value

    def _read(self, params, inputs, scratch: bool = False) -> Trace:
        """The :class:`Trace` of the first ``len(inputs)`` copies.

        States are stored time-major, ``(T+1, batch, n)`` with the initial state
        first, and exposed as ``(b, T+1, n)`` views; the :class:`Recording` of
        all copies shares their memory.  With ``propagation='dense'`` the
        :class:`LayerRecorder` arrays are used as they are (and the spike lists of
        the Recording are read from them); else the monitors' arrays are copied
        into that layout.
        """
        net, built, bsz, t_steps = self.net, self.built, self.batch, self.n_steps
        x = np.asarray(inputs, dtype=np.float64)
        b = x.shape[0]
        states, spikes, pops = {}, {}, {}
        for i, (layer, dm) in enumerate(zip(net.spec.layers, net.discrete)):
            n_all = bsz * layer.n
            recorder = built.handles.get(f"{layer.name}_recorder")
            if recorder is not None:
                arrays, dense = recorder.states, recorder.spikes
            else:
                arrays, dense, idx, times = self._copy_monitors(params, i)
            states[layer.name] = {var: np.swapaxes(tm[:, :b], 0, 1) for var, tm in arrays.items()}
            spikes[layer.name] = np.swapaxes(dense[:, :b], 0, 1)
            if scratch:
                continue
            if recorder is not None:            # in time order, by index within a step
                steps, idx = np.nonzero(dense.reshape(t_steps, n_all))
                times = steps * net.dt
            traces = {var: tm[1:].reshape(t_steps, n_all).T for var, tm in arrays.items()}
            pops[layer.name] = PopulationRecording(n_all, idx, times, traces,
                                                   self._units[layer.name], np.arange(n_all))
        recording = None if scratch else Recording(
            pops, np.arange(t_steps) * net.dt, net.dt, float(to_si(self.duration)), None,
            self.backend)
        return Trace(states=states, spikes=spikes, inputs=x, recording=recording)

    def _copy_monitors(self, params, i):
        """``({var: (T+1, batch, n)}, spikes (T, batch, n), spike indices, spike times)`` of
        layer *i*, from its monitors."""
        net, bsz, t_steps = self.net, self.batch, self.n_steps
        layer, dm = net.spec.layers[i], net.discrete[i]
        n_all = bsz * layer.n
        mon, _ = self.built.spike_monitors[layer.name]
        idx = mon.variables["i"].get_value().astype(np.int64)
        times = np.array(mon.variables["t"].get_value(), dtype=np.float64)
        smon, variables, _ = self.built.state_monitors[layer.name]
        x0 = dm.initial_state(net.layer_params(params, i), (bsz, layer.n))
        arrays = {}
        for j, var in enumerate(variables):
            tm = arrays[var] = np.empty((t_steps + 1, bsz, layer.n))
            tm[0] = x0[j]
            tm[1:].reshape(t_steps, n_all)[...] = smon.variables[var].get_value()[:t_steps]
        flat = np.rint(np.multiply(times, 1.0 / net.dt)).astype(np.int64)   # step index
        flat *= n_all
        flat += idx
        dense = np.zeros((t_steps, bsz, layer.n))
        dense.reshape(-1)[flat] = 1.0
        return arrays, dense, idx, times

    def close(self) -> None:
        if self._sim is not None:
            self._sim.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
