"""fit_model (exact discrete adjoint, L-BFGS-B) vs scipy.optimize.least_squares with
finite-difference Jacobians on the same model, loss and data.  Run by hand:

    PYTHONPATH=. python benchmarks/bench_gradient_fit.py [--quick]

Prints wall time, final loss and model evaluations of both, and their ratios.
The peer uses the same numpy forward (TraceLoss.value_and_grad(grad=False)) on the
residual vector, with '2-point' differences in the same scaled coordinates.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import least_squares

from neurolab_snn.experiment.gradient_fit import TraceLoss, _Scaling, _check_bounds, fit_model
from neurolab_snn.experiment.gradient_fit_examples import adex, noisy_current, synthetic_sweeps
from neurolab_snn.models import HH
from neurolab_snn.units import mV, ms, nA, nS, pA, pF, to_si


def _cases(quick):
    I = noisy_current(1, (20 if quick else 50) * ms, 0.025 * ms, mean=0.5 * nA, std=0.5 * nA,
                      seed=1)
    sw, _ = synthetic_sweeps(HH(), I, 0.025 * ms)
    h = HH()
    yield ("HH g_Na,g_K,g_L", h.with_parameters(g_Na=h.parameters["g_Na"] * 1.15,
                                                 g_K=h.parameters["g_K"] * 0.85,
                                                 g_L=h.parameters["g_L"] * 1.2),
           sw, ["g_Na", "g_K", "g_L"], None, {})
    I = noisy_current(2, (300 if quick else 1000) * ms, 0.1 * ms, mean=300 * pA, std=150 * pA,
                      seed=1)
    sw, times = synthetic_sweeps(adex(), I, 0.1 * ms)
    yield ("AdEx tau_w,a,b,DeltaT", adex(tau_w=90 * ms, a=3 * nS, b=40 * pA, DeltaT=2.6 * mV),
           sw, ["tau_w", "a", "b", "DeltaT"], times, {"a": (0.5 * nS, 8 * nS)})
    names = ["C", "g_L", "E_L", "V_T", "DeltaT", "V_r", "tau_w", "a", "b"]
    yield ("AdEx 9 parameters", adex(C=220 * pF, g_L=11 * nS, E_L=-68 * mV, V_T=-51 * mV,
                                     DeltaT=2.3 * mV, V_r=-56 * mV, tau_w=100 * ms, a=2.5 * nS,
                                     b=50 * pA),
           sw, names, times, {"a": (0.5 * nS, 8 * nS), "E_L": (-80 * mV, -60 * mV),
                              "V_T": (-56 * mV, -45 * mV), "V_r": (-65 * mV, -50 * mV)})


def _peer(model, sweeps, names, times, bounds):
    obj = TraceLoss.from_sweeps(model, sweeps, names, spike_times=times)
    sc = _Scaling(names, _check_bounds(model, names, bounds))
    n = max(obj.weight.sum(), 1.0)

    def residuals(u):
        values = dict(zip(names, map(float, sc.to_p(u))))
        run = obj.neuron.run(values)
        err = np.where(obj.weight > 0, run["X"][obj.neuron.iv] - obj.V, 0.0)
        r = (err / np.sqrt(n) / 1e-3).ravel()
        return np.where(np.isfinite(r), r, 1e3)

    u0 = np.clip(sc.to_u(np.array([float(to_si(model.parameters[k])) for k in names])), 0, 1)
    t0 = time.perf_counter()
    res = least_squares(residuals, u0, bounds=(0, 1), jac="2-point", xtol=1e-12, ftol=1e-12,
                        gtol=1e-12, max_nfev=400)
    wall = time.perf_counter() - t0
    return wall, float(np.sum(res.fun ** 2)), obj.neuron.evaluations, sc.to_p(res.x)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    print(f"{'case':24s} {'method':22s} {'wall s':>8s} {'loss mV^2':>11s} {'evals':>6s}")
    for name, model, sweeps, names, times, bounds in _cases(args.quick):
        t0 = time.perf_counter()
        fit = fit_model(model, sweeps, names, spike_times=times, bounds=bounds, progress=False,
                        max_iter=100)
        wall = time.perf_counter() - t0
        pw, pl, pe, _ = _peer(model, sweeps, names, times, bounds)
        print(f"{name:24s} {'adjoint + L-BFGS-B':22s} {wall:8.2f} {fit.loss:11.3e} "
              f"{fit.evaluations:6d}")
        print(f"{'':24s} {'least_squares 2-point':22s} {pw:8.2f} {pl:11.3e} {pe:6d}")
        print(f"{'':24s} ratios peer/adjoint: wall {pw / wall:.2f}x, evaluations "
              f"{pe / fit.evaluations:.2f}x (each adjoint evaluation = 1 forward + 1 backward)")


if __name__ == "__main__":
    main()
