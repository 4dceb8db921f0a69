r"""The trainable network: layers of Brian2 neuron models, weights, masks, discrete semantics.

A :class:`NetworkSpec` is data: the number of inputs, a chain of
:class:`Layer` s (each a :class:`~neurolab_snn.models.base.NeuronModel` with
``n`` neurons, optional recurrent weights, trainable parameters and a
Dale's-law split), the time step, the surrogate and the reset convention.
:class:`TrainableNetwork` compiles the spec: one
:class:`~neurolab_snn.training.discrete.DiscreteModel` per layer, parameter
initialisation, sign masks, and :meth:`TrainableNetwork.simulate`, the
reference forward pass in numpy.

Discrete semantics (Brian2's schedule, per step :math:`k`, every layer
:math:`l` in each slot before the next slot):

.. math::

    x'^l_k &= F_l(x^l_k)                                   &\text{groups}\\
    s^l_k  &= H\big(h_l(x'^l_k)\big)\,[\text{not refractory}]   &\text{thresholds}\\
    x''^l_k &= x'^l_k + e_{\text{target}}\,g^l_k\,\big(s^{l-1}_k W_l + s^l_k R_l\big)
        &\text{synapses}\\
    x^l_{k+1} &= x''^l_k + s^l_k\,\big(R_l(x''^l_k) - x''^l_k\big)          &\text{resets}

with :math:`s^{-1}_k` the input spikes of step :math:`k` and the gate
:math:`g^l_k = (1 - s^l_k)[\text{not refractory}]` where the target variable is
``(unless refractory)`` (Brian2 makes writes to it conditional on
``not_refractory``, which the threshold clears for the neurons that spike),
else 1.  A spike of step
:math:`k` therefore reaches its targets after their threshold test of step
:math:`k`, and a reset overwrites the input that arrived in the same step -
exactly what Brian2 does with ``on_pre: v_post += w`` and zero delays.

References
----------
Neftci, Mostafa & Zenke (2019), Surrogate gradient learning in spiking neural
networks, IEEE Signal Process. Mag. 36:51-63.
Bellec et al. (2018), Long short-term memory and learning-to-learn in networks
of spiking neurons, NeurIPS (recurrent adaptive networks, Dale's law).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..models.base import NeuronModel
from ..units import Quantity, check_quantity, mV, ms, second, to_si
from .discrete import DiscreteModel
from .surrogates import FastSigmoid, Surrogate

__all__ = ["Layer", "NetworkSpec", "TrainableNetwork", "Trace", "refractory_mask"]


@dataclass(frozen=True)
class Layer:
    """One population of the trainable network.

    Parameters
    ----------
    name : str
        Population name (a Brian2 identifier).
    model : NeuronModel
        Its neuron model; ``t_ref`` should usually be 0 ms for training.
    n : int
        Number of neurons.
    recurrent : bool
        Whether the layer has all-to-all recurrent weights ``R`` (no autapses).
    spiking : bool
        False for a non-spiking read-out (e.g. a leaky integrator); a spiking
        layer needs a model with a threshold.
    trainable : sequence of str
        Model parameters learnt per neuron (time constants, thresholds,
        adaptation strengths, GIF kernel amplitudes).
    target : str
        State variable that an incoming spike increments by its weight.
    scale : Quantity
        The surrogate is evaluated at ``h / scale`` (h: the threshold function,
        e.g. ``v - V_th``); the units of ``h``.
    n_excitatory : int or None
        Dale's law for the weights *leaving* this layer: the first
        ``n_excitatory`` neurons excite (w >= 0), the others inhibit (w <= 0).
    """

    name: str
    model: NeuronModel
    n: int
    recurrent: bool = False
    spiking: bool = True
    trainable: tuple[str, ...] = ()
    target: str = "v"
    scale: Quantity = field(default_factory=lambda: 1 * mV)
    n_excitatory: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "trainable", tuple(self.trainable))
        if not self.name.isidentifier():
            raise ValueError(f"layer name {self.name!r}: expected a Python identifier")
        if int(self.n) != self.n or self.n < 1:
            raise ValueError(f"layer {self.name!r}: n={self.n!r}; expected a positive integer")
        if self.spiking and self.model.threshold is None:
            raise ValueError(f"layer {self.name!r}: model {self.model.name!r} has no threshold, "
                             "so it cannot spike; give the model a threshold or use it as a "
                             "read-out with spiking=False")
        for key in self.trainable:
            if key == "t_ref":
                raise ValueError(f"layer {self.name!r}: t_ref cannot be trained (spikes do not "
                                 "depend smoothly on it)")
            if key not in self.model.parameters:
                raise ValueError(f"layer {self.name!r}: trainable parameter {key!r} is not a "
                                 f"parameter of {self.model.name!r}; expected one of "
                                 f"{sorted(self.model.parameters)}")
        check_quantity(f"{self.name}.scale", self.scale, self.scale, positive=True)
        if self.n_excitatory is not None and not 0 <= self.n_excitatory <= self.n:
            raise ValueError(f"layer {self.name!r}: n_excitatory={self.n_excitatory}; expected "
                             f"0 <= n_excitatory <= n = {self.n}")


@dataclass(frozen=True)
class NetworkSpec:
    """Inputs, a chain of layers, the time step, the surrogate and the reset convention.

    ``detach_reset=True`` drops the gradient through the reset's dependence on
    the spike (snnTorch's default; Zenke & Vogels 2021, Neural Comput. 33:899).
    ``input_sign=+1`` keeps input weights non-negative (excitatory inputs).
    """

    n_inputs: int
    layers: tuple[Layer, ...]
    dt: Quantity = field(default_factory=lambda: 1 * ms)
    surrogate: Surrogate = field(default_factory=FastSigmoid)
    detach_reset: bool = True
    input_sign: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))
        if int(self.n_inputs) != self.n_inputs or self.n_inputs < 1:
            raise ValueError(f"n_inputs={self.n_inputs!r}; expected a positive integer")
        if not self.layers:
            raise ValueError("layers=(): expected at least one layer")
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names) or "input" in names:
            raise ValueError(f"layer names {names}: expected unique names other than 'input'")
        check_quantity("dt", self.dt, second, positive=True)
        for layer in self.layers:
            layer.model.check_dt(self.dt)
        if not isinstance(self.surrogate, Surrogate):
            raise TypeError(f"surrogate={self.surrogate!r}: expected a Surrogate object")
        if self.input_sign not in (None, 1, -1):
            raise ValueError(f"input_sign={self.input_sign!r}; expected None, +1 or -1")


@dataclass
class Trace:
    """What a forward pass produced, as arrays (batch first).

    ``states[layer][var]`` has shape (B, T+1, n): the state at the start of
    each step plus the final one (``x_0 .. x_T``); ``spikes[layer]`` (B, T, n)
    holds the spike of each step (real-valued in a smooth forward pass).
    """

    states: dict[str, dict[str, np.ndarray]]
    spikes: dict[str, np.ndarray]
    inputs: np.ndarray
    recording: object | None = None


def refractory_mask(spikes: np.ndarray, n_ref: int) -> np.ndarray:
    """Refractory state at each step from the spikes: step k is refractory if a spike
    occurred at one of the steps ``k - n_ref + 1 .. k - 1`` (Brian2: ``timestep(t - lastspike)
    < timestep(t_ref)``).  Shape (B, T, n), bool."""
    b, t, n = spikes.shape
    mask = np.zeros((b, t, n), dtype=bool)
    for lag in range(1, n_ref):
        mask[:, lag:] |= spikes[:, :-lag] > 0
    return mask


def _n_ref(model: NeuronModel, dt: float) -> int:
    ref = model.refractory
    if ref is None:
        return 0
    if isinstance(ref, str):
        if ref not in model.parameters:
            raise ValueError(f"model {model.name!r}: refractory={ref!r}; the trainable network "
                             "supports a refractory period given as a parameter or quantity")
        ref = model.parameters[ref]
    return int(np.floor(float(to_si(ref)) / dt + 1e-3))


class TrainableNetwork:
    """A compiled :class:`NetworkSpec`: discrete models, parameters, masks, numpy forward.

    Parameters are a dict of float64 SI arrays: ``'<layer>.W'`` (n_prev, n)
    feed-forward weights (the target variable's unit, e.g. volts),
    ``'<layer>.R'`` (n, n) recurrent weights and ``'<layer>.<param>'`` (n,)
    trainable neuron parameters.
    """

    def __init__(self, spec: NetworkSpec):
        self.spec = spec
        self.dt = float(to_si(spec.dt))
        self.discrete = [DiscreteModel(layer.model, spec.dt, trainable=layer.trainable,
                                       target=layer.target) for layer in spec.layers]
        self.n_ref = [_n_ref(layer.model, self.dt) for layer in spec.layers]
        self.scales = [float(to_si(layer.scale)) for layer in spec.layers]
        self.target_index = [dm.states.index(layer.target)
                             for dm, layer in zip(self.discrete, spec.layers)]
        #: Brian2 makes every write to an ``(unless refractory)`` variable conditional on
        #: ``not_refractory`` (except the reset), and the threshold clears
        #: ``not_refractory`` of neurons that spike: their input of that step is dropped.
        self.gated = [layer.model.refractory is not None and dm.frozen[t]
                      for layer, dm, t in zip(spec.layers, self.discrete, self.target_index)]

    # ------------------------------------------------------------------ parameters
    def parameter_names(self) -> list[str]:
        names = []
        for layer in self.spec.layers:
            names.append(f"{layer.name}.W")
            if layer.recurrent:
                names.append(f"{layer.name}.R")
            names += [f"{layer.name}.{p}" for p in layer.trainable]
        return names

    def signs(self) -> dict[str, np.ndarray]:
        """Sign masks (+1, -1, 0 = free) of the weight matrices from Dale's law / ``input_sign``."""
        out, prev = {}, None
        for layer in self.spec.layers:
            if prev is None:
                rows = np.full(self.spec.n_inputs, float(self.spec.input_sign or 0))
            else:
                rows = self._row_signs(prev)
            out[f"{layer.name}.W"] = np.repeat(rows[:, None], layer.n, axis=1)
            if layer.recurrent:
                out[f"{layer.name}.R"] = np.repeat(self._row_signs(layer)[:, None], layer.n, axis=1)
            prev = layer
        return out

    @staticmethod
    def _row_signs(layer: Layer) -> np.ndarray:
        if layer.n_excitatory is None:
            return np.zeros(layer.n)
        return np.where(np.arange(layer.n) < layer.n_excitatory, 1.0, -1.0)

    def init_params(self, rng, *, gain: float = 1.0, recurrent_gain: float = 0.5,
                    weight_scale: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
        r"""Initial parameters: weights :math:`\mathcal N(0, (g\,\theta)^2/n_{in})` in units of the
        layer's ``scale`` :math:`\theta` times ``weight_scale[layer]`` (default 1), signs from
        Dale's law (magnitudes rescaled so E and I balance); neuron parameters from the model."""
        rng = np.random.default_rng(rng)
        params, n_prev, signs = {}, self.spec.n_inputs, self.signs()
        for layer, sc in zip(self.spec.layers, self.scales):
            unit = sc * (weight_scale or {}).get(layer.name, 1.0)
            w = rng.normal(0.0, gain * unit / np.sqrt(n_prev), (n_prev, layer.n))
            params[f"{layer.name}.W"] = _apply_signs(w, signs[f"{layer.name}.W"])
            if layer.recurrent:
                r = rng.normal(0.0, recurrent_gain * unit / np.sqrt(layer.n), (layer.n, layer.n))
                np.fill_diagonal(r, 0.0)
                params[f"{layer.name}.R"] = _apply_signs(r, signs[f"{layer.name}.R"],
                                                         balance=True)
            for key in layer.trainable:
                params[f"{layer.name}.{key}"] = np.full(layer.n,
                                                        float(to_si(layer.model.parameters[key])))
            n_prev = layer.n
        return params

    def layer_params(self, params, index: int) -> dict[str, np.ndarray]:
        layer = self.spec.layers[index]
        return {k: np.asarray(params[f"{layer.name}.{k}"], dtype=np.float64)
                for k in layer.trainable}

    # ------------------------------------------------------------------ forward (numpy)
    def simulate(self, params, inputs, *, smooth: bool = False) -> Trace:
        """Reference forward pass in numpy: the derived discrete update, step by step.

        With ``smooth=True`` the spike is the surrogate's smooth step
        :math:`S(h/\\text{scale})` instead of the Heaviside (for
        finite-difference checks; refractoriness must then be off).
        ``inputs``: (B, T, n_inputs) spikes (or any real drive).
        """
        x_in = np.asarray(inputs, dtype=np.float64)
        if x_in.ndim != 3 or x_in.shape[2] != self.spec.n_inputs:
            raise ValueError(f"inputs have shape {x_in.shape}; expected (batch, steps, "
                             f"{self.spec.n_inputs})")
        b, t_steps, _ = x_in.shape
        layers, dms = self.spec.layers, self.discrete
        lp = [self.layer_params(params, i) for i in range(len(layers))]
        x = [dm.initial_state(p, (b, layer.n)) for dm, p, layer in zip(dms, lp, layers)]
        states = [[np.empty((b, t_steps + 1, layer.n)) for _ in dm.states]
                  for dm, layer in zip(dms, layers)]
        spikes = [np.zeros((b, t_steps, layer.n)) for layer in layers]
        last = [np.full((b, layer.n), -10 ** 9) for layer in layers]
        if smooth and any(self.n_ref):
            raise ValueError("smooth=True needs t_ref = 0 (refractoriness is not differentiable)")
        for k in range(t_steps):
            for i, dm in enumerate(dms):
                for j in range(len(dm.states)):
                    states[i][j][:, k] = x[i][j]
            new, spk, last_before = [], [], [np.copy(a) for a in last]
            for i, (dm, layer) in enumerate(zip(dms, layers)):
                refr = (k - last[i]) < self.n_ref[i] if self.n_ref[i] else None
                xp = dm.update(x[i], lp[i], refr)
                if layer.spiking:
                    h = dm.threshold(xp, lp[i])
                    s = self.spec.surrogate(h / self.scales[i]) if smooth else dm.spikes(h)
                    if refr is not None:
                        s = np.where(refr, 0.0, s)
                        last[i] = np.where(s > 0, k, last[i])
                else:
                    s = np.zeros((b, layer.n))
                new.append(xp)
                spk.append(s)
                spikes[i][:, k] = s
            for i, layer in enumerate(layers):
                src = x_in[:, k] if i == 0 else spk[i - 1]
                u = src @ params[f"{layer.name}.W"]
                if layer.recurrent:
                    u = u + spk[i] @ params[f"{layer.name}.R"]
                if self.gated[i]:   # Brian2's conditional write: no input while refractory
                    u = u * (1.0 - spk[i])
                    if self.n_ref[i]:
                        u = np.where((k - last_before[i]) < self.n_ref[i], 0.0, u)
                new[i][self.target_index[i]] = new[i][self.target_index[i]] + u
            for i, (dm, layer) in enumerate(zip(dms, layers)):
                if layer.spiking:
                    r = dm.reset(new[i], lp[i])
                    s = spk[i]
                    new[i] = [xi + s * (ri - xi) if rs else xi
                              for xi, ri, rs in zip(new[i], r, dm.resets)]
                x[i] = new[i]
        for i, dm in enumerate(dms):
            for j in range(len(dm.states)):
                states[i][j][:, t_steps] = x[i][j]
        return Trace(states={layer.name: dict(zip(dm.states, st))
                             for layer, dm, st in zip(layers, dms, states)},
                     spikes={layer.name: s for layer, s in zip(layers, spikes)}, inputs=x_in)


def _apply_signs(w: np.ndarray, signs: np.ndarray, balance: bool = False) -> np.ndarray:
    w = np.where(signs > 0, np.abs(w), np.where(signs < 0, -np.abs(w), w))
    if balance and (signs > 0).any() and (signs < 0).any():
        # scale the inhibitory rows so that each neuron's mean E and I input cancel
        n_e, n_i = (signs[:, 0] > 0).sum(), (signs[:, 0] < 0).sum()
        w = np.where(signs < 0, w * n_e / n_i, w)
    return w
