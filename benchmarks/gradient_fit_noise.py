"""Parameter recovery of fit_model on synthetic HH and AdEx data with measurement noise:
relative errors per parameter over a few noise seeds.  By hand:

    PYTHONPATH=. python benchmarks/gradient_fit_noise.py [--noise-mV 1] [--seeds 3]
"""
from __future__ import annotations

import argparse

import numpy as np

from neurolab_snn.experiment.gradient_fit import fit_model
from neurolab_snn.experiment.gradient_fit_examples import adex, noisy_current, synthetic_sweeps
from neurolab_snn.models import HH
from neurolab_snn.units import mV, ms, nA, nS, pA


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--noise-mV", type=float, default=1.0)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--restarts", type=int, default=4,
                    help="starts per HH fit (its spiking V-MSE has local minima)")
    args = ap.parse_args(argv)
    h = HH()
    cases = [("HH", h, h.with_parameters(g_Na=h.parameters["g_Na"] * 1.15,
                                         g_K=h.parameters["g_K"] * 0.85,
                                         g_L=h.parameters["g_L"] * 1.2),
              ["g_Na", "g_K", "g_L"], 0.025 * ms, 50 * ms, 0.5 * nA, 0.5 * nA, None),
             ("AdEx", adex(), adex(tau_w=90 * ms, a=3 * nS, b=40 * pA, DeltaT=2.6 * mV),
              ["tau_w", "a", "b", "DeltaT"], 0.1 * ms, 300 * ms, 300 * pA, 150 * pA,
              {"a": (0.5 * nS, 8 * nS)})]
    for name, truth, start, names, dt, dur, mean, std, bounds in cases:
        n = 1 if name == "HH" else 2
        I = noisy_current(n, dur, dt, mean=mean, std=std, seed=1)
        errs = []
        for seed in range(args.seeds):
            sweeps, times = synthetic_sweeps(truth, I, dt, noise=args.noise_mV * mV, seed=seed)
            fit = fit_model(start, sweeps, names, spike_times=None if name == "HH" else times,
                            bounds=bounds, progress=False, max_iter=100, seed=seed,
                            restarts=args.restarts if name == "HH" else 1)
            errs.append([float(fit.parameters[k] / truth.parameters[k]) - 1 for k in names])
        errs = np.array(errs) * 100
        print(f"{name}, noise {args.noise_mV:g} mV, {args.seeds} seeds: relative error (%)")
        for j, k in enumerate(names):
            print(f"  {k:8s} mean {errs[:, j].mean():+7.3f}  sd {errs[:, j].std(ddof=1):6.3f}  "
                  f"max |.| {np.abs(errs[:, j]).max():6.3f}")


if __name__ == "__main__":
    main()
