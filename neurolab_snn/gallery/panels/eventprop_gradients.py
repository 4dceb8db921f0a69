"""Panel: EventProp and SpikeProp gradients equal finite differences; Brian2 spike times converge.

Left: every weight of a 5-4-3 network of LIF neurons with exponential synapses,
the EventProp gradient (any number of spikes) and the SpikeProp gradient (one
spike per neuron) of the first-spike cross-entropy against central finite
differences of the event-driven solution.  Right: the output first-spike times
of the Brian2 forward pass (exact crossings inside each step, spikes delivered
at the step end) against the event-driven solution, as the step shrinks (mean
absolute error over 8 random input patterns).
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from neurolab_snn.files import save_figure, write_json
from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.models import LIF
from neurolab_snn.training import BrianForward, Layer, NetworkSpec, TrainableNetwork
from neurolab_snn.training.eventprop import first_spike_times_from
from neurolab_snn.training.eventprop_check import (finite_difference_gradient,
                                                   twin_loss_and_gradient)
from neurolab_snn.training.spike_times import (LIFExpConstants, refine_spike_times,
                                               simulate_events)
from neurolab_snn.units import ms, pA

PANEL = {"title": "Exact spike-time gradients: EventProp / SpikeProp vs finite differences",
         "source": "Wunderlich & Pehle 2021 (Sci. Rep. 11:12829); Bohte et al. 2002 "
                   "(Neurocomputing 48:17)",
         "issue": "issue 12: exact spike-time gradients (EventProp, SpikeProp)"}

DURATION, DT_BIN, TIME_SCALE = 0.03, 5e-5, 2e-3


def _model(single: bool):
    return LIF(t_ref=(40 if single else 0) * ms, tau_m=20 * ms, synapse="exponential",
               tau_syn=5 * ms)


def _gradient_check(n_samples: int) -> dict:
    rng = np.random.default_rng(1)
    weights = [rng.normal(0.04, 0.03, (5, 4)), rng.normal(0.05, 0.03, (4, 3))]
    t_in = (rng.integers(0, 200, (n_samples, 5)) + 1) * DT_BIN
    labels = np.arange(n_samples) % 3
    out = {}
    for rule, single in (("eventprop", False), ("spikeprop", True)):
        c = LIFExpConstants.from_model(_model(single), DURATION)
        _, grads, _ = twin_loss_and_gradient(weights, t_in, labels, [c, c], DURATION, DT_BIN,
                                             TIME_SCALE, rule)
        fd = finite_difference_gradient(weights, t_in, labels, [c, c], DURATION, DT_BIN,
                                        TIME_SCALE)
        g, f = np.concatenate([a.ravel() for a in grads]), np.concatenate([a.ravel() for a in fd])
        out[rule] = {"gradient": g, "finite_difference": f,
                     "max_rel_error": float(np.max(np.abs(g - f)) / np.max(np.abs(f)))}
    return out


def _convergence(dts, n_samples: int = 8) -> dict:
    rng = np.random.default_rng(5)
    weights = [rng.normal(0.06, 0.03, (5, 4)), rng.normal(0.12, 0.03, (4, 3))]
    c = LIFExpConstants.from_model(_model(False), DURATION)
    t_in = rng.integers(1, 50, (n_samples, 5)) * 4e-4          # on every grid below
    exact = np.full((n_samples, 3), np.nan)
    for b in range(n_samples):
        twin, _ = simulate_events(weights, list(t_in[b]), DURATION, [c, c])
        exact[b] = [ts[0] if len(ts) else np.nan for ts in twin[1]]
    errors = []
    for dt in dts:
        n_steps = int(round(DURATION / dt))
        model = _model(False)
        spec = NetworkSpec(5, (Layer("hidden", model, 4, target="I_syn", scale=100 * pA),
                               Layer("output", model, 3, target="I_syn", scale=100 * pA)),
                           dt=dt * 1e3 * ms)
        x = np.zeros((n_samples, n_steps, 5))
        for b in range(n_samples):
            x[b, np.rint(t_in[b] / dt).astype(int) - 1, np.arange(5)] = 1.0
        params = {"hidden.W": weights[0] / c.r_m, "output.W": weights[1] / c.r_m}
        trace = BrianForward(TrainableNetwork(spec), n_samples, n_steps).run(params, x)
        st = trace.states["output"]
        times, _ = refine_spike_times(trace.spikes["output"], st["v"], st["I_syn"], dt, c)
        errors.append(float(np.nanmean(np.abs(first_spike_times_from(times) - exact))))
    return {"dt_s": list(dts), "mean_abs_error_s": errors, "exact_first_spikes_s": exact}


def make_panel(out_dir, quick: bool = False) -> dict:
    """Gradient check on a 5-4-3 network and the dt-convergence of Brian2's spike times."""
    out_dir = Path(out_dir)
    check = _gradient_check(1 if quick else 3)
    conv = _convergence((4e-4, 1e-4) if quick else (4e-4, 2e-4, 1e-4, 5e-5))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9, 3.8))
    for rule, marker in (("eventprop", "o"), ("spikeprop", "x")):
        r = check[rule]
        ax.plot(r["finite_difference"], r["gradient"], marker, ms=5, mfc="none",
                label=f"{rule} (max rel. error {r['max_rel_error']:.1e})")
    lim = max(np.max(np.abs(check[r]["finite_difference"])) for r in check) * 1.1
    ax.plot([-lim, lim], [-lim, lim], "k:", lw=0.8, label="identity")
    ax.set(xlabel="central finite difference dL/dW (1/V)", ylabel="exact gradient dL/dW (1/V)",
           title="every weight of a 5-4-3 LIF network")
    ax.legend(frameon=False, fontsize=7)
    dt_ms = np.array(conv["dt_s"]) * 1e3
    err_ms = np.array(conv["mean_abs_error_s"]) * 1e3
    bx.loglog(dt_ms, err_ms, "o-", label="exact crossings in each step,\nspikes delivered at the step end")
    bx.loglog(dt_ms, err_ms[0] * dt_ms / dt_ms[0], "k:", lw=0.8, label="reference slope 1 (error ~ dt)")
    bx.set(xlabel="time step dt (ms)", ylabel="mean |error| of output first spikes (ms)",
           title="Brian2 forward pass vs event-driven solution")
    bx.set_xticks(dt_ms, [f"{d:g}" for d in dt_ms])
    bx.set_yticks(err_ms, [f"{e:.3g}" for e in err_ms])
    bx.minorticks_off()
    bx.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    save_figure(fig, out_dir / "eventprop_gradients.png")
    numbers = {"eventprop_max_rel_error": check["eventprop"]["max_rel_error"],
               "spikeprop_max_rel_error": check["spikeprop"]["max_rel_error"],
               "brian2_first_spike_mean_abs_error_ms": dict(zip(map(float, dt_ms), map(float, err_ms)))}
    write_json(out_dir / "eventprop_gradients.json",
               {"numbers": numbers, "units": {"gradient": "1/V", "dt": "s", "error": "s"},
                "data": {"gradient_check": check, "convergence": conv}})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
