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

Both give the same traces (tested).  State monitors in the ``'end'`` slot
record every state variable, spike monitors every spike: the
:class:`~neurolab_snn.recording.Recording` the adjoint needs.

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

import dataclasses
import gc
from collections.abc import Mapping

import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray
from brian2.devices.device import runtime_device
from brian2.units.fundamentalunits import Quantity, get_dimensions

from ..built_network import BuiltNetwork
from ..sim.devices import active_device, check_backend, scoped_prefs
from ..sim.standalone import StandaloneSimulation
from ..units import to_si
from .adjoint import trace_from_recording
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
    """Network factory: ``batch`` copies of a :class:`TrainableNetwork` for ``n_steps`` steps."""

    def __init__(self, net: TrainableNetwork, batch: int, n_steps: int, *,
                 input_mode: str = "drive", params: Mapping | None = None,
                 inputs: np.ndarray | None = None):
        if input_mode not in ("drive", "synapses"):
            raise ValueError(f"input_mode={input_mode!r}; expected 'drive' or 'synapses'")
        self.net, self.batch, self.n_steps, self.input_mode = net, int(batch), int(n_steps), \
            input_mode
        self.params = params
        self.inputs = inputs

    # values for one run ------------------------------------------------------
    def values(self, params, inputs) -> dict[str, object]:
        """Values of every handle for a run: ``{'handle' or 'handle.var': array or Quantity}``."""
        net, bsz, t_steps = self.net, self.batch, self.n_steps
        x = np.asarray(inputs, dtype=np.float64)
        if x.shape[0] > bsz or x.shape[1] != t_steps or x.shape[2] != net.spec.n_inputs:
            raise ValueError(f"inputs have shape {x.shape}; expected (<= {bsz}, {t_steps}, "
                             f"{net.spec.n_inputs})")
        pad = np.zeros((bsz, t_steps, x.shape[2]))
        pad[:x.shape[0]] = x
        out = {}
        first = net.spec.layers[0]
        if self.input_mode == "drive":
            drive = pad @ params[f"{first.name}.W"]                        # (B, T, n0)
            out[f"drive_{first.name}"] = np.ascontiguousarray(
                drive.transpose(1, 0, 2).reshape(t_steps, bsz * first.n))
        else:
            out["input_spikes"] = np.ascontiguousarray(
                pad.transpose(1, 0, 2).reshape(t_steps, bsz * x.shape[2]))
            out[f"syn_{first.name}.w_syn"] = np.tile(params[f"{first.name}.W"].ravel(), bsz)
        for i, layer in enumerate(net.spec.layers):
            if i > 0:
                out[f"syn_{layer.name}.w_syn"] = np.tile(params[f"{layer.name}.W"].ravel(), bsz)
            if layer.recurrent:
                out[f"rec_{layer.name}.w_syn"] = np.tile(params[f"{layer.name}.R"].ravel(), bsz)
            for key in layer.trainable:
                dim = get_dimensions(layer.model.parameters[key])
                out[f"{layer.name}.{key}"] = Quantity(
                    np.tile(np.asarray(params[f"{layer.name}.{key}"], dtype=np.float64), bsz),
                    dim=dim)
        return out

    # building ---------------------------------------------------------------
    def build_network(self, dt) -> BuiltNetwork:
        """Build groups, synapses and monitors under the active Brian2 device."""
        net, bsz, t_steps = self.net, self.batch, self.n_steps
        params = self.params if self.params is not None else net.init_params(0)
        inputs = self.inputs if self.inputs is not None else \
            np.zeros((bsz, t_steps, net.spec.n_inputs))
        values = self.values(params, inputs)
        objects, handles, spike_mons, state_mons, groups = [], {}, {}, {}, []
        for i, (layer, dm) in enumerate(zip(net.spec.layers, net.discrete)):
            unit = Quantity(1.0, dim=get_dimensions(_target_unit(layer, dm)))
            extra = {"unit_in": unit}
            if i == 0 and self.input_mode == "drive":
                ta = TimedArray(values[f"drive_{layer.name}"], dt=dt, name=f"drive_{layer.name}")
                extra[f"drive_{layer.name}"] = ta
                handles[f"drive_{layer.name}"] = ta
            model = dm.variable_model
            if not layer.spiking:       # a read-out: a threshold that never fires keeps the
                model = dataclasses.replace(model, threshold="False")   # Recording uniform
            group = model.build_group(bsz * layer.n, name=layer.name, dt=dt,
                                      extra_namespace=extra)
            for key in layer.trainable:
                setattr(group, key, values[f"{layer.name}.{key}"])
            if i == 0 and self.input_mode == "drive":
                objects.append(group.run_regularly(
                    f"{layer.target} += drive_{layer.name}(t, i)*unit_in", dt=dt,
                    when="synapses", name=f"{layer.name}_drive"))
            handles[layer.name] = group
            groups.append(group)
            objects.append(group)
            smon = StateMonitor(group, list(dm.states), record=True, dt=dt, when="end",
                                name=f"{layer.name}_states")
            spk = SpikeMonitor(group, name=f"{layer.name}_spikes")
            objects += [smon, spk]
            state_mons[layer.name] = (smon, tuple(dm.states), np.arange(bsz * layer.n))
            spike_mons[layer.name] = (spk, bsz * layer.n)
        if self.input_mode == "synapses":
            ta = TimedArray(values["input_spikes"], dt=dt, name="input_spikes")
            src = NeuronGroup(bsz * net.spec.n_inputs, "", threshold="input_spikes(t, i) > 0.5",
                              dt=dt, name="input", namespace={"input_spikes": ta})
            handles["input_spikes"], handles["input"] = ta, src
            objects.append(src)
        for i, layer in enumerate(net.spec.layers):
            post = groups[i]
            if i > 0 or self.input_mode == "synapses":
                pre = groups[i - 1] if i > 0 else handles["input"]
                n_pre = net.spec.layers[i - 1].n if i > 0 else net.spec.n_inputs
                objects.append(self._synapses(f"syn_{layer.name}", pre, post, n_pre, layer,
                                              values[f"syn_{layer.name}.w_syn"], dt, handles))
            if layer.recurrent:
                objects.append(self._synapses(f"rec_{layer.name}", post, post, layer.n, layer,
                                              values[f"rec_{layer.name}.w_syn"], dt, handles))
        return BuiltNetwork(Network(*objects), spike_mons, state_mons, handles)

    def _synapses(self, name, pre, post, n_pre, layer, w, dt, handles):
        syn = Synapses(pre, post, "w_syn : 1 (constant)",
                       on_pre=f"{layer.target}_post += w_syn*unit_in",
                       dt=dt, name=name, namespace={"unit_in": post.namespace["unit_in"]})
        i, j = _block_indices(self.batch, n_pre, layer.n)
        syn.connect(i=i, j=j)
        syn.w_syn = w
        handles[name] = syn
        return syn


def _keep_code_objects(network) -> None:
    """Make every object of *network* keep its current code objects in later runs."""
    def _keep(run_namespace):
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
            obj.create_code_objects = _keep


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
    directory : str, optional
        Standalone project folder.
    freeze_gc : bool
        After a warm-up run, move the objects alive into the garbage
        collector's permanent generation (``gc.freeze``): Brian2 calls
        ``gc.collect()`` at every run, which otherwise rescans the whole heap
        (tens of ms per run).  Only objects that stay alive anyway are frozen.

    reuse_code_objects : bool
        Runtime backends: keep the code objects of the first run for all later
        runs.  Brian2 regenerates every code object at each ``Network.run``
        (about 10 ms each); between minibatches only values change, so after
        the first run the objects of this private network skip
        ``create_code_objects`` (their values are updated in place).  The
        replay tests check every re-run against the derived update at 1e-12.

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
                 reuse_code_objects: bool = True):
        check_backend(backend, supported=FORWARD_BACKENDS)
        self.reuse_code_objects, self._frozen_code = reuse_code_objects, False
        self.net, self.batch, self.n_steps, self.backend = net, int(batch), int(n_steps), backend
        self.factory = BatchedNetwork(net, batch, n_steps, input_mode=input_mode)
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
        else:
            self._target = "numpy" if backend == "numpy" else "auto"
            with active_device(runtime_device), scoped_prefs(codegen__target=self._target):
                self.built = self.factory.build_network(net.spec.dt)
                self.built.network.store("initial")
        if freeze_gc:
            if self._sim is None:    # a warm-up run creates Brian2's cached code objects
                self.run(net.init_params(0), np.zeros((1, self.n_steps, net.spec.n_inputs)))
                self.runs = 0
            gc.collect()
            gc.freeze()

    @property
    def compilations(self) -> int:
        return 0 if self._sim is None else self._sim.compilations

    def run(self, params, inputs) -> Trace:
        """Run the network on *inputs* (b <= batch, n_steps, n_inputs) with *params*."""
        values = self.factory.values(params, inputs)
        if self._sim is not None:
            recording = self._sim.run(values)
        else:
            with active_device(runtime_device), scoped_prefs(codegen__target=self._target):
                built = self.built
                built.network.restore("initial")
                for key, value in values.items():
                    name, _, var = key.partition(".")
                    handle = built.handles[name]
                    if not var:
                        handle.values[:] = value          # TimedArray, in place
                    else:
                        getattr(handle, var)[:] = value
                built.network.run(self.duration, namespace={})
                if self.reuse_code_objects and not self._frozen_code:
                    _keep_code_objects(built.network)
                    self._frozen_code = True
                recording = built.recording(self.net.dt, float(to_si(self.duration)), None,
                                            self.backend)
        self.runs += 1
        return trace_from_recording(self.net, params, inputs, recording, batch=self.batch)

    def close(self) -> None:
        if self._sim is not None:
            self._sim.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
