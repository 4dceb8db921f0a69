"""Panel: the HH action potential with its gating variables m, h, n."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.analysis import action_potential_features
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.models import HH
from neurolab_snn.sim import CurrentInput, simulate
from neurolab_snn.stimuli import step_current
from neurolab_snn.units import ms, nA

PANEL = {"title": "Hodgkin-Huxley action potential and gating variables m, h, n",
         "source": "Hodgkin & Huxley 1952 J Physiol 117:500, Fig. 12/17; Gerstner et al. 2014 "
                   "Fig. 2.3", "issue": "foundation: neuron models"}


def make_panel(out_dir, quick: bool = False) -> dict:
    """A 10 uA/cm^2 step (2 nA on 20000 um^2) from 2 ms; V above, m, h, n below."""
    out_dir = Path(out_dir)
    dt = 0.01 * ms
    pulse = step_current([2.0] * nA, 25 * ms, dt, 2 * ms)
    rec = simulate(HH(), 25 * ms, I_ext=CurrentInput(pulse, dt), record=("v", "m", "h", "n"),
                   dt=dt)
    t_ms = rec.trace_times * 1e3
    v = rec.main.traces["v"][0]
    threshold, peak, t_peak = action_potential_features(v, rec.trace_times)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(5.5, 4.5), sharex=True)
    a1.plot(t_ms, v * 1e3, color="k", lw=1.2)
    a1.axhline(threshold * 1e3, color="0.6", ls=":", lw=0.8,
               label=f"threshold {threshold * 1e3:.1f} mV")
    a1.set(ylabel="V (mV)", title="HH 1952 squid axon: 10 uA/cm$^2$ step at 2 ms")
    a1.legend(frameon=False, fontsize=8)
    for var, color in (("m", "C3"), ("h", "C0"), ("n", "C2")):
        a2.plot(t_ms, rec.main.traces[var][0], color=color, label=var)
    a2.set(xlabel="time (ms)", ylabel="gating variable (1)")
    a2.legend(frameon=False, fontsize=8, ncol=3)
    save_figure(fig, out_dir / "hh_action_potential.png")
    numbers = {"threshold_mV": round(threshold * 1e3, 2), "peak_mV": round(peak * 1e3, 2),
               "t_peak_ms": round(t_peak * 1e3, 3)}
    write_json(out_dir / "hh_action_potential.json",
               {"numbers": numbers, "units": {"t": "s", "v": "V", "m": "1", "h": "1", "n": "1"},
                "data": {"t": rec.trace_times, **{k: rec.main.traces[k][0]
                                                  for k in ("v", "m", "h", "n")}}})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
