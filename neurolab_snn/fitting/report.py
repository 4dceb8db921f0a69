"""Arrays behind the GIF-fit panels, from a :class:`~.pipeline.GIFFitResult` (layer L4).

:func:`fit_panel_data` turns a fit into plain SI arrays with unit strings (the
``data``/``units`` of a :class:`~neurolab_snn.experiment.result.ProtocolResult`),
so that the plotting layer draws the same panels from a fresh fit or from a
stored protocol result.
"""
from __future__ import annotations

import numpy as np

from ..units import to_si
from .pipeline import GIFFitResult

__all__ = ["fit_panel_data", "fit_numbers"]


def _raster(trains, n_max: int) -> tuple[np.ndarray, np.ndarray]:
    trains = list(trains)[:n_max]
    times = np.concatenate([np.asarray(t, dtype=np.float64) for t in trains]) if trains else \
        np.zeros(0)
    trials = np.concatenate([np.full(len(t), k) for k, t in enumerate(trains)]) if trains else \
        np.zeros(0, int)
    return times, trials.astype(np.int64)


def _psth(trains, duration: float, width: float, dt: float) -> np.ndarray:
    """Trial-averaged rate (Hz) in bins of *dt*, smoothed by a centred *width* rectangle."""
    n = int(round(duration / dt))
    counts = np.zeros(n)
    for t in trains:
        idx = np.asarray(np.asarray(t) / dt, dtype=np.int64)
        np.add.at(counts, idx[(idx >= 0) & (idx < n)], 1.0)
    k = max(1, int(round(width / dt)))
    rate = np.convolve(counts, np.ones(k) / (k * dt), mode="same")
    return rate / max(len(trains), 1)


def fit_numbers(result: GIFFitResult) -> dict:
    """Scalar results with their unit in the key (for ProtocolResult.numbers and summaries)."""
    p = result.parameters
    numbers = {"C_pF": to_si(p["C"]) * 1e12, "g_L_nS": to_si(p["g_L"]) * 1e9,
               "E_L_mV": to_si(p["E_L"]) * 1e3, "V_reset_mV": to_si(p["V_reset"]) * 1e3,
               "t_ref_ms": to_si(p["t_ref"]) * 1e3, "V_T_star_mV": to_si(p["V_T_star"]) * 1e3,
               "DeltaV_mV": to_si(p["DeltaV"]) * 1e3,
               "tau_m_ms": result.subthreshold.tau_m * 1e3,
               "variance_explained_v": result.variance_explained_v,
               "variance_explained_dvdt": result.variance_explained_dvdt,
               "bits_per_spike": result.threshold.bits_per_spike,
               "train_spikes": int(sum(result.train_spike_counts)),
               "fit_time_s": float(sum(v for k, v in result.timings.items()
                                       if k != "prediction"))}
    if result.electrode is not None:
        numbers["R_e_Mohm"] = result.electrode.resistance * 1e-6
    if result.prediction is not None:
        numbers.update(md_star=result.prediction.md_star,
                       rate_data_Hz=result.prediction.rate_data,
                       rate_model_Hz=result.prediction.rate_model,
                       test_spikes=int(sum(result.test_spike_counts)),
                       n_model_repetitions=result.prediction.n_repetitions)
    return numbers


def fit_panel_data(result: GIFFitResult, snippet: float = 0.6, n_raster: int = 9,
                   psth_width: float = 10e-3) -> tuple[dict, dict]:
    """``(data, units)``: SI arrays for the AEC, subthreshold, kernel and raster panels.

    Parameters
    ----------
    snippet : float
        Length (s) of the training trace shown against the model.
    n_raster : int
        Model repetitions shown in the raster (the PSTH uses all).
    psth_width : float
        Width (s) of the PSTH's rectangular smoothing window.
    """
    dt = result.dt
    data, units = {}, {}
    if result.electrode is not None:
        k = result.electrode
        data.update(aec_time=k.time(), aec_k_opt=k.k_opt,
                    aec_kernel=np.pad(k.kernel, (0, k.k_opt.size - k.kernel.size)),
                    aec_membrane=k.membrane_amplitude * np.exp(-k.time() / k.membrane_tau))
        units.update(aec_time="s", aec_k_opt="ohm/s", aec_kernel="ohm/s", aec_membrane="ohm/s")
    n = min(result.train_voltage.size, int(round(snippet / dt)))
    # start the snippet one second in (past the first transient) when the window allows
    start = min(int(round(1.0 / dt)), result.train_voltage.size - n)
    sl = slice(start, start + n)
    data.update(train_time=(np.arange(n) + start) * dt, train_v=result.train_voltage[sl],
                train_v_model=result.train_model_voltage[sl], train_i=result.train_current[sl])
    units.update(train_time="s", train_v="V", train_v_model="V", train_i="A")
    t_k = np.concatenate(([0.0], np.geomspace(dt, 1.0, 400)))
    data.update(kernel_time=t_k, eta=result.subthreshold.eta(t_k),
                gamma=result.threshold.gamma(t_k), sta_time=result.reset.time,
                sta_v=result.reset.average)
    units.update(kernel_time="s", eta="A", gamma="V", sta_time="s", sta_v="V")
    if result.prediction is not None:
        p = result.prediction
        d_t, d_k = _raster(p.data_trains, len(p.data_trains))
        m_t, m_k = _raster(p.model_trains, n_raster)
        grid = np.arange(int(round(p.duration / dt))) * dt
        data.update(raster_data_times=d_t, raster_data_trials=d_k, raster_model_times=m_t,
                    raster_model_trials=m_k, psth_time=grid[::20],
                    psth_data=_psth(p.data_trains, p.duration, psth_width, dt)[::20],
                    psth_model=_psth(p.model_trains, p.duration, psth_width, dt)[::20])
        units.update(raster_data_times="s", raster_data_trials="1", raster_model_times="s",
                     raster_model_trials="1", psth_time="s", psth_data="Hz", psth_model="Hz")
    return data, units
