r"""Fit any equation-string neuron model to recorded voltage traces by gradient.

:func:`fit_model` fits chosen parameters of a
:class:`~neurolab_snn.models.base.NeuronModel` (``HH``, ``AdaptiveLIF``, an AdEx
written as equations, ...) to current-clamp sweeps.  Every sweep is one copy of
the neuron in one Brian2 run, driven by its recorded current; the loss is

.. math::

    L(p) = \frac{1}{N}\sum_{b,k} w_{bk}\,\frac{(v_{bk}(p) - V_{bk})^2}{(1\,\mathrm{mV})^2}
           \;+\; \beta\,\frac1B\sum_b \frac{(n_b(p) - n^{\mathrm{data}}_b)^2}{\max(n^{\mathrm{data}}_b, 1)},

the mean squared voltage error in mV² over the samples with weight
:math:`w_{bk} = 1`, plus an optional spike-count term (free spikes only).  Its
gradient comes from the exact discrete adjoint of the update Brian2 integrates
(:mod:`.trace_adjoint`), and scipy's L-BFGS-B (Byrd et al. 1995, SIAM J. Sci.
Comput. 16:1190) or Adam (Kingma & Ba 2015, ICLR) minimises it over
parameters scaled to [0, 1] inside their bounds (logarithmically when both
bounds are positive), from several starts.

Spikes (``spikes=``):

* ``'none'`` (models without a reset, e.g. ``HH``): the whole trace enters the
  loss and the gradient is exact.
* ``'forced'`` (default for integrate-and-fire models): the model is reset at
  the recorded spike times, or earlier where its own threshold is crossed
  within ``spike_window[0]`` before a recorded spike (that spike then stands
  for the recorded one, which keeps the exponential upswing of an AdEx from
  diverging); the samples from ``spike_window[0]`` before to
  ``spike_window[1]`` after each recorded spike are left out of the loss, the
  approach of Pozzorini et al. (2015, PLoS Comput. Biol. 11:e1004275) for the
  subthreshold dynamics.  The spike steps are held fixed in the adjoint, so
  the gradient is exact wherever the spike steps do not change (a model spike
  moving by one step is a small jump in the loss).
* ``'free'``: the model spikes by its own threshold; the loss is the voltage
  error everywhere (outside the windows) plus ``spike_weight`` times the count
  term, differentiated with a surrogate spike derivative.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import minimize
from tqdm.auto import tqdm

from ..fitting.io import Sweep
from ..fitting.spikes import detect_spike_indices
from ..models.base import NeuronModel
from ..training.optim import Adam
from ..training.surrogates import FastSigmoid
from ..units import Quantity, check_quantity, mV, ms, to_si
from .trace_adjoint import DrivenNeuron

__all__ = ["GradientFit", "TraceLoss", "fit_model", "default_bounds"]

_MV2 = 1e-6
_SPIKE_MODES = ("auto", "none", "forced", "free")
_METHODS = ("L-BFGS-B", "adam")


def default_bounds(model: NeuronModel, names: Sequence[str]) -> dict:
    """[p/2, 2p] for a positive value p, [p - |p|/4, p + |p|/4] otherwise (0: error)."""
    out = {}
    for key in names:
        value = model.parameters[key]
        x = float(to_si(value))
        if x == 0:
            raise ValueError(f"bounds: parameter {key!r} is 0 in the model; give bounds="
                             f"{{{key!r}: (lo, hi)}} in its units")
        lo, hi = (x / 2, 2 * x) if x > 0 else (x - abs(x) / 4, x + abs(x) / 4)
        out[key] = (lo * (value / x), hi * (value / x))
    return out


def _check_bounds(model, names, bounds) -> dict:
    given = {} if bounds is None else dict(bounds)
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise KeyError(f"bounds: {unknown} are not among params={list(names)}")
    out = default_bounds(model, [k for k in names if k not in given])
    for key, pair in given.items():
        ref = model.parameters[key]
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(f"bounds[{key!r}]={pair!r}; expected a pair (lo, hi) of quantities")
        lo, hi = pair
        for side, q in (("lo", lo), ("hi", hi)):
            check_quantity(f"bounds[{key!r}] {side}", q, ref)
        if not float(to_si(lo)) < float(to_si(hi)):
            raise ValueError(f"bounds[{key!r}]=({lo!r}, {hi!r}); expected lo < hi")
        out[key] = (lo, hi)
    return {k: (float(to_si(out[k][0])), float(to_si(out[k][1]))) for k in names}


class _Scaling:
    """p <-> u in [0, 1]^n: log-linear when both bounds are positive, linear otherwise."""

    def __init__(self, names, bounds):
        self.names = list(names)
        self.lo = np.array([bounds[k][0] for k in names])
        self.hi = np.array([bounds[k][1] for k in names])
        self.log = (self.lo > 0) & (self.hi > 0)
        self.a = np.where(self.log, np.log(np.abs(self.lo)), self.lo)
        self.b = np.where(self.log, np.log(np.abs(self.hi)), self.hi)

    def to_p(self, u):
        y = self.a + np.asarray(u) * (self.b - self.a)
        return np.where(self.log, np.exp(y), y)

    def to_u(self, p):
        y = np.where(self.log, np.log(np.abs(p)), p)
        return (y - self.a) / (self.b - self.a)

    def dp_du(self, u):
        p = self.to_p(u)
        return (self.b - self.a) * np.where(self.log, p, 1.0)


@dataclasses.dataclass
class TraceLoss:
    """The fit loss and its adjoint gradient for a set of sweeps (SI floats inside).

    Build it with :func:`fit_model`'s arguments via :meth:`from_sweeps`;
    ``value_and_grad(values)`` takes a dict name -> SI float.
    """

    neuron: DrivenNeuron
    V: np.ndarray                 # (T, B) recorded voltage (V)
    weight: np.ndarray            # (T, B) 1 where a sample enters the loss
    free: bool
    spike_weight: float
    n_data: np.ndarray            # (B,) recorded spike counts

    @classmethod
    def from_sweeps(cls, model, sweeps, names, *, spikes="auto", spike_window=(2 * ms, 5 * ms),
                    spike_threshold=0 * mV, spike_weight=0.0, current="I_ext", voltage="v",
                    surrogate_scale=1 * mV, spike_times=None, forward="discrete"):
        dt = sweeps[0].dt
        V = np.stack([s.v for s in sweeps], axis=1)
        I = np.stack([s.i for s in sweeps], axis=0)
        mode = _spike_mode(model, spikes)
        pre, post = (int(round(float(to_si(w)) / dt)) for w in spike_window)
        thr = float(to_si(spike_threshold))
        forced = np.zeros(V.shape, dtype=bool)
        weight = np.ones(V.shape)
        weight[0] = 0.0                       # v_0 is the recorded first sample
        n_data = np.zeros(len(sweeps))
        if mode != "none":
            for b, sw in enumerate(sweeps):
                idx = detect_spike_indices(sw.v, dt, threshold=thr) if spike_times is None \
                    else np.rint(np.asarray(to_si(spike_times[b])) / dt).astype(np.int64)
                idx = idx[(idx >= 0) & (idx < V.shape[0])]
                n_data[b] = idx.size
                for k in idx:
                    weight[max(k - pre, 0):k + post + 1, b] = 0.0
                if mode == "forced":
                    forced[idx, b] = True
        neuron = DrivenNeuron(model, names, I, V[0], dt, current=current, voltage=voltage,
                              forced=forced.T if mode == "forced" else None,
                              surrogate=FastSigmoid() if mode == "free" else None,
                              surrogate_scale=float(to_si(surrogate_scale)), forward=forward,
                              match=pre)
        return cls(neuron, V, weight, mode == "free", float(spike_weight), n_data)

    def value_and_grad(self, values: Mapping[str, float], *, grad: bool = True):
        run = self.neuron.run(values)
        v = run["X"][self.neuron.iv]
        n = max(self.weight.sum(), 1.0)
        err = np.where(self.weight > 0, v - self.V, 0.0)
        loss = float(np.sum(err ** 2) / n / _MV2)
        if not np.isfinite(loss):
            return np.inf, {k: 0.0 for k in self.neuron.names}, run
        grad_s = None
        if self.free and self.spike_weight > 0:
            counts = run["S"].sum(axis=0)
            den = np.maximum(self.n_data, 1.0)
            B = counts.size
            loss += float(self.spike_weight * np.sum((counts - self.n_data) ** 2 / den) / B)
            grad_s = np.broadcast_to(2 * self.spike_weight * (counts - self.n_data) / den / B,
                                     run["S"].shape)
        if not grad:
            return loss, None, run
        g = self.neuron.backward(values, run, {self.neuron.voltage: 2 * err / n / _MV2},
                                 grad_s, free=self.free)
        return loss, g, run


def _spike_mode(model, spikes):
    if spikes not in _SPIKE_MODES:
        raise ValueError(f"spikes={spikes!r}; expected one of {list(_SPIKE_MODES)}")
    has_reset = bool(model.threshold) and bool(model.reset)
    if spikes == "auto":
        return "forced" if has_reset else "none"
    if spikes != "none" and not has_reset:
        raise ValueError(f"spikes={spikes!r}: model {model.name!r} has no threshold and reset; "
                         "expected spikes='none'")
    return spikes


@dataclasses.dataclass(frozen=True)
class GradientFit:
    """Result of :func:`fit_model`.

    Attributes
    ----------
    model : NeuronModel
        The model with the fitted parameter values.
    parameters : dict of Quantity
        The fitted values.
    loss : float
        Final loss (mV², plus the spike term if any).
    history : list of float
        Loss of the best start after each optimiser iteration.
    evaluations : int
        Model evaluations (forward runs; each gradient adds one adjoint pass).
    starts : list of dict
        Per start: initial and final values (SI), final loss, evaluations.
    wall_time : float
        Seconds.
    seed : int
    """

    model: NeuronModel
    parameters: dict
    loss: float
    history: list
    evaluations: int
    starts: list
    wall_time: float
    seed: int
    spikes: str

    def to_dict(self) -> dict:
        return {"model": self.model.name, "spikes": self.spikes, "seed": self.seed,
                "parameters": {k: {"value": float(to_si(v)), "unit": _unit_str(v),
                                   "display": str(v)} for k, v in self.parameters.items()},
                "loss_mV2": self.loss, "loss_history": list(self.history),
                "evaluations": self.evaluations, "wall_time_s": self.wall_time,
                "starts": self.starts}


def _unit_str(q) -> str:
    from brian2 import get_unit
    return str(get_unit(q.dim)) if isinstance(q, Quantity) else "1"


def _check_sweeps(recordings) -> list:
    sweeps = [recordings] if isinstance(recordings, Sweep) else list(recordings)
    if not sweeps:
        raise ValueError("recordings: empty; expected one or more Sweep objects")
    for k, s in enumerate(sweeps):
        if not isinstance(s, Sweep):
            raise TypeError(f"recordings[{k}]={type(s).__name__}; expected a "
                            "neurolab_snn.fitting.io.Sweep (read_sweep, sweep_from_arrays)")
        if not (np.all(np.isfinite(s.v)) and np.all(np.isfinite(s.i))):
            raise ValueError(f"recordings[{k}] ({s.source}): NaN or inf in the trace at "
                             f"{list(s.nan_segments)[:3]} s; expected finite samples (cut the "
                             "sweep with Sweep.window)")
    n, dt = sweeps[0].n_samples, sweeps[0].dt
    for k, s in enumerate(sweeps[1:], 1):
        if s.n_samples != n:
            raise ValueError(f"recordings[{k}]: {s.n_samples} samples but recordings[0] has "
                             f"{n}; expected sweeps of equal length")
        if not np.isclose(s.dt, dt, rtol=1e-9):
            raise ValueError(f"recordings[{k}]: dt={s.dt} s but recordings[0] has dt={dt} s; "
                             "expected one sampling interval")
    return sweeps


def fit_model(model: NeuronModel, recordings, params: Sequence[str], *,
              bounds: Mapping[str, tuple] | None = None, spikes: str = "auto",
              method: str = "L-BFGS-B", restarts: int = 1, max_iter: int = 100,
              lr: float = 0.05, seed: int = 0, spike_window=(2 * ms, 5 * ms),
              spike_threshold: Quantity = 0 * mV, spike_weight: float = 0.0,
              current: str = "I_ext", voltage: str = "v", tol: float = 1e-10,
              spike_times=None, forward: str = "discrete",
              progress: bool = True) -> GradientFit:
    r"""Fit parameters *params* of *model* to recorded sweeps by the exact discrete gradient.

    Parameters
    ----------
    model : NeuronModel
        Any model whose injected current is a per-neuron variable *current*
        (``I_ext : amp``) and whose membrane potential is the state *voltage*.
    recordings : Sweep or sequence of Sweep
        Current-clamp sweeps of equal length and sampling interval; the model is
        integrated with the sampling interval as time step.
    params : sequence of str
        Names of the parameters to fit (keys of ``model.parameters``).
    bounds : dict name -> (lo, hi), optional
        Search bounds in the parameters' units; default :func:`default_bounds`.
    spikes : {'auto', 'none', 'forced', 'free'}
        Spike handling (module docstring); ``'auto'``: ``'forced'`` for a model
        with threshold and reset, ``'none'`` otherwise.
    method : {'L-BFGS-B', 'adam'}
    restarts : int
        Number of starts: the first from the model's values (clipped into the
        bounds), the others uniform in the scaled bounds (from *seed*).
    max_iter : int
        Iterations per start.
    lr : float
        Adam step in scaled coordinates.
    spike_window : (Quantity, Quantity)
        Time left out before and after each recorded spike.
    spike_threshold : Quantity
        Upward crossing that marks a recorded spike.
    spike_weight : float
        Weight of the spike-count term (``spikes='free'``).
    spike_times : sequence of Quantity arrays, optional
        Recorded spike times per sweep (from the sweep start) instead of
        threshold crossings of the voltage.
    tol : float
        L-BFGS-B ``ftol``.
    forward : {'discrete', 'brian2'}
        Forward pass: the update Brian2 generates, stepped in numpy over all
        sweeps at once (no compilation; held to Brian2 by the tests), or one
        Brian2 run with one neuron per sweep.

    Returns
    -------
    GradientFit

    Raises
    ------
    KeyError
        An unknown parameter name.
    ValueError, TypeError
        Bad bounds, sweeps of different lengths, NaN in a trace, unknown *method*.
    """
    names = list(params)
    if not names:
        raise ValueError("params: empty; expected the names of parameters to fit")
    unknown = [k for k in names if k not in model.parameters]
    if unknown:
        raise KeyError(f"params: {unknown} are not parameters of model {model.name!r}; "
                       f"expected some of {sorted(model.parameters)}")
    if method not in _METHODS:
        raise ValueError(f"method={method!r}; expected one of {list(_METHODS)}")
    if int(restarts) < 1:
        raise ValueError(f"restarts={restarts!r}; expected an integer >= 1")
    sweeps = _check_sweeps(recordings)
    box = _check_bounds(model, names, bounds)
    mode = _spike_mode(model, spikes)
    scaling = _Scaling(names, box)
    objective = TraceLoss.from_sweeps(model, sweeps, names, spikes=mode,
                                      spike_window=spike_window, spike_threshold=spike_threshold,
                                      spike_weight=spike_weight, current=current, voltage=voltage,
                                      spike_times=spike_times, forward=forward)
    rng = np.random.default_rng(seed)
    p_model = np.array([float(to_si(model.parameters[k])) for k in names])
    u_model = np.clip(scaling.to_u(p_model), 0.0, 1.0)
    t0 = time.perf_counter()
    starts, best = [], None
    bar = tqdm(total=int(restarts) * max_iter, desc=f"fit {model.name}", disable=not progress,
               unit="it")
    for r in range(int(restarts)):
        u0 = u_model if r == 0 else rng.uniform(0.0, 1.0, len(names))
        ev0 = objective.neuron.evaluations
        u, loss, history = _optimise(objective, scaling, u0, method, max_iter, lr, tol, bar)
        start = {"initial": dict(zip(names, map(float, scaling.to_p(u0)))),
                 "final": dict(zip(names, map(float, scaling.to_p(u)))), "loss_mV2": loss,
                 "evaluations": objective.neuron.evaluations - ev0, "history": history}
        starts.append(start)
        if best is None or loss < best[1]:
            best = (u, loss, history)
    bar.close()
    p_best = scaling.to_p(best[0])
    fitted = {k: float(v) * (model.parameters[k] / float(to_si(model.parameters[k])))
              if float(to_si(model.parameters[k])) != 0 else float(v) * _unit_of(model, k)
              for k, v in zip(names, p_best)}
    return GradientFit(model=model.with_parameters(**fitted), parameters=fitted, loss=best[1],
                       history=best[2], evaluations=objective.neuron.evaluations,
                       starts=starts, wall_time=time.perf_counter() - t0, seed=int(seed),
                       spikes=mode)


def _unit_of(model, key):
    from brian2 import get_unit
    return get_unit(model.parameters[key].dim)


def _optimise(objective, scaling, u0, method, max_iter, lr, tol, bar):
    names = scaling.names
    history = []

    def fg(u):
        values = dict(zip(names, map(float, scaling.to_p(u))))
        loss, g, _ = objective.value_and_grad(values)
        if not np.isfinite(loss):
            return 1e30, np.zeros_like(u)
        return loss, np.array([g[k] for k in names]) * scaling.dp_du(u)

    if method == "L-BFGS-B":
        state = {"f": None}

        def wrapped(u):
            f, g = fg(u)
            state["f"] = f
            return f, g

        def callback(intermediate_result):
            history.append(float(intermediate_result.fun))
            bar.update(1)

        res = minimize(wrapped, u0, jac=True, method="L-BFGS-B", bounds=[(0, 1)] * len(u0),
                       callback=callback,
                       options={"maxiter": max_iter, "maxfun": 3 * max_iter + 5, "ftol": tol,
                                "gtol": 1e-12})
        return res.x, float(res.fun), history
    params = {"u": np.array(u0, dtype=float)}
    opt = Adam(params, lr=lr, scale={"u": 1.0})
    best_u, best_f = params["u"].copy(), np.inf
    for _ in range(max_iter):
        f, g = fg(params["u"])
        if f < best_f:
            best_u, best_f = params["u"].copy(), f
        history.append(float(f))
        opt.step(params, {"u": g})
        params["u"] = np.clip(params["u"], 0.0, 1.0)
        bar.update(1)
    return best_u, float(best_f), history
