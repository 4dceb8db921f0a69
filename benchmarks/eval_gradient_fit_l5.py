"""Gradient fit of an AdEx to the example L5 recording: variance explained and Md* on the
held-out test segment (12-20 s of the 9 repetitions), beside the regression GIF.  By hand:

    NEUROLAB_DATA=/work/shared/data PYTHONPATH=. python benchmarks/eval_gradient_fit_l5.py \
        [--train-seconds 12] [--max-iter 60]

Training: the electrode-compensated first repetition, 0 .. train-seconds, forced spikes.
Test: variance explained of V with forced spikes (samples 2 ms before to 5 ms after each
recorded spike left out, all 9 repetitions), and Md* (Delta = 4 ms) of the free-running
model's spike train against the 9 recorded test trains.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from neurolab_snn.experiment.gif_fit_protocol import read_example_recording
from neurolab_snn.experiment.gradient_fit import TraceLoss, fit_model
from neurolab_snn.experiment.gradient_fit_examples import adex
from neurolab_snn.experiment.trace_adjoint import DrivenNeuron
from neurolab_snn.fitting.aec import compensate, fit_electrode_kernel
from neurolab_snn.fitting.evaluation import md_star
from neurolab_snn.fitting.spikes import detect_spike_indices
from neurolab_snn.units import mV, ms, nS, pA, pF, to_si

NAMES = ["C", "g_L", "E_L", "V_T", "DeltaT", "V_r", "tau_w", "a", "b"]

GIF_LIKE = """
dv/dt = (g_L*(E_L - v) - w + I_ext)/C : volt (unless refractory)
dw/dt = -w/tau_w : amp
dth/dt = -th/tau_th : volt
I_ext : amp
"""
GIF_SUB = ["C", "g_L", "E_L", "V_r", "tau_w", "b"]
GIF_THR = ["V_T0", "a_th", "tau_th"]


def gif_like():
    """Deterministic GIF-like model: LIF + spike-triggered current + moving threshold."""
    from neurolab_snn.models.base import NeuronModel
    values = dict(C=200 * pF, g_L=10 * nS, E_L=-70 * mV, V_r=-55 * mV, tau_w=100 * ms,
                  b=30 * pA, V_T0=-50 * mV, a_th=5 * mV, tau_th=50 * ms, t_ref=4 * ms)
    return NeuronModel(name="GIF-like", equations=GIF_LIKE, threshold="v > V_T0 + th",
                       reset="v = V_r\nw += b\nth += a_th", refractory="t_ref",
                       method="exact", parameters=values, initial_values={"v": "E_L"},
                       reference="deterministic GIF-like (Pozzorini et al. 2015 kernels as "
                                 "single exponentials)")
BOUNDS = {"a": (0.1 * nS, 20 * nS), "b": (1 * pA, 300 * pA), "E_L": (-85 * mV, -55 * mV),
          "V_T": (-60 * mV, -30 * mV), "DeltaT": (0.5 * mV, 6 * mV), "V_r": (-70 * mV, -35 * mV)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-seconds", type=float, default=12.0)
    ap.add_argument("--max-iter", type=int, default=60)
    ap.add_argument("--out", default=None, help="write the numbers to this JSON file")
    ap.add_argument("--model", default="AdEx", choices=["AdEx", "gif-like"])
    args = ap.parse_args(argv)
    calibration, reps = read_example_recording()
    kernel = fit_electrode_kernel(calibration)
    comp = [compensate(r, kernel) for r in reps]
    train = comp[0].window(0.0, args.train_seconds)
    test = [c.window(12.0, 20.0) for c in comp]
    t0 = time.perf_counter()
    if args.model == "AdEx":
        start = adex(C=250 * pF, g_L=12 * nS, tau_w=80 * ms, a=4 * nS, b=30 * pA)
        fit = fit_model(start, [train], NAMES, bounds=BOUNDS, max_iter=args.max_iter, seed=0)
        names = NAMES
    else:
        # stage 1: subthreshold parameters, forced spikes; stage 2: threshold parameters,
        # free spikes with the spike-count term (surrogate gradient)
        sub = fit_model(gif_like(), [train], GIF_SUB, max_iter=args.max_iter, seed=0,
                        bounds={"E_L": (-85 * mV, -55 * mV), "V_r": (-70 * mV, -35 * mV),
                                "b": (1 * pA, 300 * pA)})
        fit = fit_model(sub.model, [train], GIF_THR, spikes="free", spike_weight=1.0,
                        max_iter=args.max_iter, seed=0, method="adam", lr=0.05,
                        bounds={"V_T0": (-60 * mV, -35 * mV), "a_th": (0.5 * mV, 20 * mV),
                                "tau_th": (5 * ms, 500 * ms)})
        fit = type(fit)(**{**fit.__dict__, "parameters": {**sub.parameters, **fit.parameters},
                           "spikes": "forced", "evaluations": sub.evaluations + fit.evaluations})
        names = GIF_SUB + GIF_THR
    wall = time.perf_counter() - t0
    values = {k: float(to_si(v)) for k, v in fit.parameters.items()}
    # variance explained on the test segment, forced spikes, spike windows left out
    obj = TraceLoss.from_sweeps(fit.model, test, names)
    v = obj.neuron.run(values)["X"][obj.neuron.iv]
    use = obj.weight > 0
    ve = 1 - np.sum((v - obj.V)[use] ** 2) / np.sum(
        (obj.V - obj.V[use].mean()) ** 2 * use)
    # Md*: the free-running model on the test current
    dt = test[0].dt
    free = DrivenNeuron(fit.model, names, test[0].i[None, :], np.array([test[0].v[0]]), dt)
    s = free.run(values)["S"][:, 0]
    model_train = np.flatnonzero(s) * dt
    data_trains = [detect_spike_indices(t.v, dt) * dt for t in test]
    md = md_star(data_trains, [model_train, model_train], duration=8.0, dt=dt, delta=4e-3)
    rate_data = np.mean([len(d) for d in data_trains]) / 8.0
    out = {"model": args.model, "train_seconds": args.train_seconds, "loss_train_mV2": fit.loss,
           "evaluations": fit.evaluations, "wall_s": wall,
           "variance_explained_test": float(ve), "md_star_test": float(md),
           "rate_model_hz": len(model_train) / 8.0, "rate_data_hz": float(rate_data),
           "parameters": {k: str(q) for k, q in fit.parameters.items()}}
    print(json.dumps(out, indent=1))
    if args.out:
        from neurolab_snn.files import write_json
        write_json(args.out, out)


if __name__ == "__main__":
    main()
