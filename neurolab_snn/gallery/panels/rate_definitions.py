"""The three definitions of a firing rate (Gerstner et al. 2014, Neuronal Dynamics, sec. 7.2).

(a) rate as a spike count: one neuron, one long trial, ``nu = n_sp / T``;
(b) rate as a spike density: repetitions of one stimulus, averaged into a PSTH;
(c) rate as a population activity: many neurons, one trial,
``A(t) = n_act(t; t + Dt) / (N Dt)``.
Spikes come from the package's Poisson encoder (``r dt`` per step) with the
rate ``r(t) = 30 + 20 sin(2 pi 2 Hz t)`` Hz in (b) and (c).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from neurolab_snn.gallery.scripts import panel_main
from neurolab_snn.coding import firing_rate, poisson
from neurolab_snn.files import save_figure, write_json
from neurolab_snn.units import Hz, ms

PANEL = {
    "title": "Three definitions of rate: spike count, spike density over repetitions (PSTH), "
             "population activity",
    "source": "Gerstner, Kistler, Naud & Paninski (2014), Neuronal Dynamics, sec. 7.2, "
              "Figs. 7.3-7.5 (rate as count, as spike density, as population activity)",
    "issue": "coding: Poisson encoder with rates in Hz and rate decoders",
}
NAME = "rate_definitions"


def _rate_hz(t_s):
    return 30 + 20 * np.sin(2 * np.pi * 2 * t_s)


def _binned(counts_per_step, bin_steps):
    """Sum consecutive steps into bins (trailing partial bin dropped)."""
    n = counts_per_step.shape[0] // bin_steps
    return counts_per_step[: n * bin_steps].reshape(n, bin_steps).sum(axis=1)


def make_panel(out_dir, quick: bool = False) -> dict:
    """Estimate a rate three ways from Poisson spikes and compare with the true rate."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng(7)
    dt = 1 * ms
    dt_s = float(dt / ms) * 1e-3
    n_trials, n_neurons = (20, 100) if quick else (200, 1000)

    # (a) spike count: constant 30 Hz, one 2 s trial
    r0, steps_a = 30.0, 2000
    train = poisson(np.array([r0]) * Hz, steps_a, dt=dt, rng=rng)
    nu = float(firing_rate(train, dt)[0] / Hz)
    se_count = np.sqrt(r0 / (steps_a * dt_s))

    # (b) and (c): time-varying rate over 1 s
    steps = 1000
    t_s = np.arange(steps) * dt_s
    r_t = _rate_hz(t_s)
    trials = poisson(np.repeat(r_t[:, None], n_trials, axis=1) * Hz, dt=dt, rng=rng)
    population = poisson(np.repeat(r_t[:, None], n_neurons, axis=1) * Hz, dt=dt, rng=rng)
    bin_psth, bin_pop = 20, 5                                     # in steps (ms)
    psth = _binned(trials.sum(axis=1), bin_psth) / (n_trials * bin_psth * dt_s)
    activity = _binned(population.sum(axis=1), bin_pop) / (n_neurons * bin_pop * dt_s)
    t_psth = (np.arange(psth.size) + 0.5) * bin_psth * dt_s
    t_pop = (np.arange(activity.size) + 0.5) * bin_pop * dt_s
    true_psth = _binned(r_t, bin_psth) / bin_psth                 # bin-averaged true rate
    true_pop = _binned(r_t, bin_pop) / bin_pop
    rms_psth = float(np.sqrt(np.mean((psth - true_psth) ** 2)))
    rms_pop = float(np.sqrt(np.mean((activity - true_pop) ** 2)))
    # Poisson-limit expectation of those errors: sqrt(mean r / (K dt_bin))
    exp_psth = float(np.sqrt(np.mean(true_psth) / (n_trials * bin_psth * dt_s)))
    exp_pop = float(np.sqrt(np.mean(true_pop) / (n_neurons * bin_pop * dt_s)))

    fig = Figure(figsize=(13, 6))
    axes = fig.subplots(2, 3, gridspec_kw={"height_ratios": [1.3, 1]})
    ms_a = np.nonzero(train[:, 0])[0] * dt_s * 1e3
    axes[0, 0].eventplot([ms_a], colors="k", lineoffsets=0, linelengths=0.8, linewidths=0.8)
    axes[0, 0].set_xlim(0, steps_a)
    axes[0, 0].set_yticks([0], ["neuron 1"])
    axes[0, 0].set_xlabel("time (ms)")
    axes[0, 0].set_title("(a) spike count: one neuron, one trial")
    counts_100 = _binned(train[:, 0], 100) / 0.1
    axes[1, 0].bar((np.arange(counts_100.size) + 0.5) * 100, counts_100, width=90, color="0.6",
                   label="count / 100 ms window")
    axes[1, 0].axhline(nu, color="C3", lw=2, label=f"n_sp / T = {nu:.1f} Hz (T = 2 s)")
    axes[1, 0].axhline(r0, color="k", ls="--", lw=1, label=f"true rate {r0:g} Hz")
    axes[1, 0].set_xlabel("time (ms)")
    axes[1, 0].set_ylabel("rate (Hz)")
    axes[1, 0].legend(fontsize=7, loc="upper right")
    axes[1, 0].set_ylim(0, 100)

    show = min(n_trials, 40)
    axes[0, 1].eventplot([np.nonzero(trials[:, k])[0] for k in range(show)], colors="k",
                         linelengths=0.8, linewidths=0.6)
    axes[0, 1].set_xlim(0, steps)
    axes[0, 1].set_ylabel(f"trial (first {show} of {n_trials})")
    axes[0, 1].set_xlabel("time (ms)")
    axes[0, 1].set_title("(b) spike density: repetitions of one stimulus")
    axes[1, 1].step(t_psth * 1e3, psth, where="mid", color="C0",
                    label=f"PSTH, {n_trials} trials, {bin_psth} ms bins")
    axes[1, 1].plot(t_s * 1e3, r_t, "k--", lw=1, label="true r(t)")
    axes[1, 1].set_xlabel("time (ms)")
    axes[1, 1].set_ylabel("rate (Hz)")
    axes[1, 1].legend(fontsize=7, loc="upper right")
    axes[1, 1].set_ylim(0, 70)

    show = min(n_neurons, 60)
    axes[0, 2].eventplot([np.nonzero(population[:, k])[0] for k in range(show)], colors="k",
                         linelengths=0.8, linewidths=0.6)
    axes[0, 2].set_xlim(0, steps)
    axes[0, 2].set_ylabel(f"neuron (first {show} of {n_neurons})")
    axes[0, 2].set_xlabel("time (ms)")
    axes[0, 2].set_title("(c) population activity: one trial")
    axes[1, 2].step(t_pop * 1e3, activity, where="mid", color="C2",
                    label=f"A(t), {n_neurons} neurons, {bin_pop} ms bins")
    axes[1, 2].plot(t_s * 1e3, r_t, "k--", lw=1, label="true r(t)")
    axes[1, 2].set_xlabel("time (ms)")
    axes[1, 2].set_ylabel("activity (Hz)")
    axes[1, 2].legend(fontsize=7, loc="upper right")
    axes[1, 2].set_ylim(0, 70)
    fig.tight_layout()

    numbers = {
        "count_rate_hz": nu, "count_rate_true_hz": r0,
        "count_rate_z_score": float((nu - r0) / se_count),
        "psth_rms_error_hz": rms_psth, "psth_rms_error_expected_hz": exp_psth,
        "population_rms_error_hz": rms_pop, "population_rms_error_expected_hz": exp_pop,
        "n_trials": n_trials, "n_neurons": n_neurons,
    }
    save_figure(fig, out_dir / f"{NAME}.png")
    write_json(out_dir / f"{NAME}.json", {"panel": NAME, **PANEL, "numbers": numbers})
    return numbers


def main(argv=None):
    return panel_main(make_panel, argv)


if __name__ == "__main__":
    main()
