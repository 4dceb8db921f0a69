"""``fit_gif``: the GIF fitting pipeline of Pozzorini et al. (2015) as separate stages (layer L4).

Stages (each a function of this package, testable on its own):

1. electrode compensation on the calibration sweep (:mod:`.aec`, Badel et al. 2008);
2. spike detection, threshold crossing plus lockout (:mod:`.spikes`);
3. reset from the spike-triggered average (:func:`.subthreshold.fit_reset`);
4. subthreshold regression: C, g_L, E_L, eta (:func:`.subthreshold.fit_subthreshold`);
5. threshold likelihood: V_T*, DeltaV, gamma (:func:`.threshold.fit_threshold`);
6. evaluation: variance explained of V and dV/dt on the training windows, Md*
   and the predicted rate on the test windows (:mod:`.evaluation`);
7. diagnostics: checks that say when the fit is not to be trusted (:mod:`.diagnostics`).

The result holds a ready :func:`neurolab_snn.models.GIF` ``NeuronModel`` whose
Brian2 simulation (exponential Euler, escape noise) is the discrete model the
fit assumed (:mod:`.basis`): the regression is read as the exponential-Euler
map (not forward Euler), the electrode kernel keeps the lag-0 response (the
sampled membrane has none), the threshold likelihood is the exact Bernoulli
likelihood of Brian2's ``rand() < 1 - exp(-lambda*dt)``, kernels start at the
spike sample as Brian2's resets do, and model spike times are shifted by +dt to
the recording's crossing sample.  A test holds the fit's forced-spike voltage
to Brian2's trace at 1e-12.  With ``t_ref='auto'`` (default) the refractory
period is the recorded spike's duration (:func:`.subthreshold.refractory_from_spike_shape`).
:func:`save_fitted_gif` / :func:`load_fitted_gif` store the model as JSON:
parameter values with SI unit strings.

Reference: C. Pozzorini, S. Mensi, O. Hagens, R. Naud, C. Koch, W. Gerstner
(2015) Automated high-throughput characterization of single neurons by means of
simplified spiking models. PLOS Comput Biol 11:e1004275.
"""
from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import console
from ..files import write_json
from ..models.base import NeuronModel
from ..models.gif import GIF
from ..units import Hz, check_quantity, from_si, second, to_si, unit_string, volt
from .aec import ElectrodeKernel, compensate, fit_electrode_kernel
from .basis import FitTrace
from .diagnostics import Diagnostic, diagnose_fit
from .evaluation import Prediction, evaluate_prediction, variance_explained_v
from .io import Sweep
from .settings import GIFFitSettings
from .spikes import detect_spike_indices
from .subthreshold import (ResetFit, SubthresholdFit, fit_reset, fit_subthreshold,
                           refractory_from_spike_shape)
from .threshold import ThresholdFit, fit_threshold, threshold_design

__all__ = ["GIFFitResult", "fit_gif", "save_fitted_gif", "load_fitted_gif", "model_file_data",
           "build_model", "FORMAT"]

#: Identifier of the fitted-model JSON format.
FORMAT = "neurolab_snn.fitted_gif/1"
_REFERENCE = ("GIF fitted with neurolab_snn.fitting after Pozzorini et al. (2015) PLOS Comput Biol "
              "11:e1004275 (AEC: Badel et al. 2008 J Neurophysiol 99:656)")


@dataclass(frozen=True)
class GIFFitResult:
    """Everything a GIF fit produced.

    Attributes
    ----------
    model : NeuronModel
        The fitted GIF (Brian2 equations, escape noise), ready for simulate() and circuits.
    parameters : dict of str to Quantity
        C, g_L, E_L, V_reset, t_ref, V_T_star, DeltaV, lambda_0.
    eta_taus, eta_amplitudes, gamma_taus, gamma_amplitudes : tuple of Quantity
        Kernels: eta(t) = sum_k a_k exp(-t/tau_k), gamma likewise (t from the spike sample).
    electrode : ElectrodeKernel or None
        AEC result (None when no calibration sweep was given).
    reset, subthreshold, threshold : stage results
    variance_explained_v, variance_explained_dvdt : float
        On the training windows.
    prediction : Prediction or None
        Md*, rates and spike trains on the test windows (None without test sweeps).
    train_spike_counts, test_spike_counts : tuple of int
        Spikes per training / test window.
    train_model_voltage : ndarray
        Model voltage (forced spikes) of the first training window, with ``train_voltage``
        and ``train_current`` (SI) for plots.
    timings : dict of str to float
        Wall time (s) of each stage.
    settings : GIFFitSettings
    seed : int
    sources : dict
        Names of the calibration, training and test sweeps.
    diagnostics : tuple of Diagnostic
        The checks of :func:`.diagnostics.diagnose_fit`, each with its number and threshold.
    """

    model: NeuronModel
    parameters: dict
    eta_taus: tuple
    eta_amplitudes: tuple
    gamma_taus: tuple
    gamma_amplitudes: tuple
    electrode: ElectrodeKernel | None
    reset: ResetFit
    subthreshold: SubthresholdFit
    threshold: ThresholdFit
    variance_explained_v: float
    variance_explained_dvdt: float
    prediction: Prediction | None
    train_spike_counts: tuple
    test_spike_counts: tuple
    train_voltage: np.ndarray
    train_model_voltage: np.ndarray
    train_current: np.ndarray
    dt: float
    timings: dict
    settings: GIFFitSettings
    seed: int
    sources: dict = field(default_factory=dict)
    diagnostics: tuple = ()

    @property
    def md_star(self) -> float | None:
        return None if self.prediction is None else self.prediction.md_star

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        """The diagnostics that tripped."""
        return tuple(d for d in self.diagnostics if d.tripped)

    def summary(self) -> dict:
        """JSON-ready summary: parameters and kernels with units, scores, counts, timings."""
        def q(value):
            return {"value": float(to_si(value)), "unit": unit_string(value)}
        out = {
            "model": "GIF",
            "parameters": {k: q(v) for k, v in self.parameters.items()},
            "eta": {"taus": [float(to_si(t)) for t in self.eta_taus], "taus_unit": "s",
                    "amplitudes": [float(to_si(a)) for a in self.eta_amplitudes],
                    "amplitudes_unit": "A"},
            "gamma": {"taus": [float(to_si(t)) for t in self.gamma_taus], "taus_unit": "s",
                      "amplitudes": [float(to_si(a)) for a in self.gamma_amplitudes],
                      "amplitudes_unit": "V"},
            "md_star": self.md_star,
            "md_delta": q(self.settings.md_delta),
            "variance_explained_v": self.variance_explained_v,
            "variance_explained_dvdt": self.variance_explained_dvdt,
            "bits_per_spike": self.threshold.bits_per_spike,
            "train_spike_counts": list(self.train_spike_counts),
            "test_spike_counts": list(self.test_spike_counts),
            "electrode_resistance": (None if self.electrode is None
                                     else {"value": self.electrode.resistance, "unit": "ohm"}),
            "timings_s": dict(self.timings),
            "seed": self.seed,
            "sources": dict(self.sources),
            "diagnostics": [d.as_dict() for d in self.diagnostics],
        }
        if self.prediction is not None:
            p = self.prediction
            out.update(rate_data={"value": p.rate_data, "unit": "Hz"},
                       rate_model={"value": p.rate_model, "unit": "Hz"},
                       n_model_repetitions=p.n_repetitions,
                       test_duration={"value": p.duration, "unit": "s"})
        return out


def _window(sweep: Sweep, window, role: str) -> tuple[int, int]:
    start, stop = (None, None) if window is None else window
    k0 = 0 if start is None else int(round(to_si(check_quantity(f"{role}_window[0]", start, second,
                                                                 nonnegative=True)) / sweep.dt))
    k1 = sweep.n_samples if stop is None else int(round(
        to_si(check_quantity(f"{role}_window[1]", stop, second, positive=True)) / sweep.dt))
    if not 0 <= k0 < k1 <= sweep.n_samples:
        raise ValueError(f"{role}_window={window!r} for sweep {sweep.source!r} "
                         f"({sweep.duration:g} s): expected 0 <= start < stop <= "
                         f"{sweep.duration:g} s")
    return k0, k1


def _prepare(sweeps, window, role, kernel, settings, dt) -> list[FitTrace]:
    det = settings.spike_detection
    traces = []
    for sweep in sweeps:
        if not isinstance(sweep, Sweep):
            raise TypeError(f"{role} sweep {sweep!r}: expected a Sweep (read_sweep or "
                            "sweep_from_arrays)")
        if not np.isclose(sweep.dt, dt, rtol=1e-9):
            raise ValueError(f"{role} sweep {sweep.source!r} is sampled at "
                             f"{sweep.sampling_rate:.6g} Hz but the first sweep at {1 / dt:.6g} "
                             "Hz; expected one sampling rate for all sweeps")
        k0, k1 = _window(sweep, window, role)
        # the window and the history before it (kernels) must be clean
        sweep.check_usable(role, 0.0, k1 * sweep.dt)
        settings.check_dt(sweep.dt, sweep.source)
        if kernel is not None:
            sweep = compensate(sweep, kernel)
        spikes = detect_spike_indices(sweep.v, dt, to_si(det.threshold), to_si(det.lockout))
        # samples after the window play no part: keep [0, stop) only
        traces.append(FitTrace(v=sweep.v[:k1], i=sweep.i[:k1], dt=dt, spikes=spikes[spikes < k1],
                               start=k0, stop=k1, source=sweep.source))
    return traces


def fit_gif(calibration: Sweep | None, train: Sequence[Sweep], test: Sequence[Sweep] = (), *,
            train_window: tuple | None = None, test_window: tuple | None = None,
            settings: GIFFitSettings = GIFFitSettings(), seed: int = 0, evaluate: bool = True,
            backend: str = "runtime", progress: bool = False) -> GIFFitResult:
    """Fit a GIF to current-clamp recordings (Pozzorini et al. 2015).

    Parameters
    ----------
    calibration : Sweep or None
        Subthreshold sweep for electrode compensation; None if the voltages are
        already compensated (e.g. synthetic data).
    train : sequence of Sweep
        Training sweeps (>= 1), fitted on ``train_window``.
    test : sequence of Sweep
        Test repetitions of one frozen current (>= 2 for Md*), compared on ``test_window``.
    train_window, test_window : (Quantity, Quantity), optional
        [start, stop) from each sweep's first sample; None: the whole sweep.
        Spikes before the training window still enter the kernels; the model
        starts the test window at rest, without spike history.
    settings : GIFFitSettings
    seed : int
        Seed of the Brian2 simulation of the model repetitions.
    evaluate : bool
        Simulate the test repetitions and compute Md* (needs ``test``).
    backend : str
        Brian2 backend of that simulation.
    progress : bool
        Show a tqdm progress bar over the stages.

    Raises
    ------
    ValueError
        Bad input, each named: NaN or gaps, spikes in the calibration sweep, no
        spikes in the training windows, different sampling rates, ...
    """
    if int(seed) != seed:
        raise ValueError(f"seed={seed!r}: expected an integer")
    train, test = list(train), list(test)
    if not train:
        raise ValueError("train: no sweeps; expected at least one training sweep")
    if evaluate and test and len(test) < 2:
        names = ", ".join(getattr(s, "source", repr(s)) for s in test)
        raise ValueError(f"test: {len(test)} sweep(s) ({names}); expected at least 2 "
                         "repetitions for Md* (several files, or an episodic file with one "
                         "repetition per episode)")
    # Everything up to the spike count checks the input; the progress bar starts after it,
    # so that bad input gives its one-line error and no half-drawn bar.
    bar = None
    timings, t0 = {}, time.perf_counter()

    def lap(name):
        nonlocal t0
        now = time.perf_counter()
        timings[name] = now - t0
        t0 = now
        console.logger.info("fit-gif: %s done (%.1f s)", name, timings[name])
        if bar is not None:
            bar.set_postfix_str(name)
            bar.update(1)

    dt = train[0].dt
    kernel = None
    if calibration is not None:
        if not np.isclose(calibration.dt, dt, rtol=1e-9):
            raise ValueError(f"calibration sweep {calibration.source!r} is sampled at "
                             f"{calibration.sampling_rate:.6g} Hz but the training sweeps at "
                             f"{1 / dt:.6g} Hz; expected one sampling rate")
        kernel = fit_electrode_kernel(calibration, settings.aec)
    lap("aec")
    traces = _prepare(train, train_window, "train", kernel, settings, dt)
    tests = _prepare(test, test_window, "test", kernel, settings, dt) if test else []
    counts = tuple(int(tr.window_spikes.size) for tr in traces)
    if sum(counts) == 0:
        names = ", ".join(tr.source for tr in traces)
        raise ValueError(f"train: no spikes in the training data ({names}, window "
                         f"{train_window!r}) at threshold {settings.spike_detection.threshold!r}; "
                         "expected training sweeps in which the neuron fires")
    if settings.t_ref == "auto":
        t_ref = refractory_from_spike_shape(traces,
                                            shortest=float(to_si(settings.spike_detection.lockout)))
        settings = dataclasses.replace(settings, t_ref=max(1, round(t_ref / dt)) * dt * second)
    if evaluate and tests:
        lengths = {tr.stop - tr.start for tr in tests}
        if len(lengths) != 1:
            raise ValueError(f"test_window: the test windows have different lengths "
                             f"{sorted(lengths)} samples; expected repetitions of one frozen "
                             "current (windows of one length)")
    bar = console.progress(total=6 if (evaluate and test) else 5, initial=1, desc="fit-gif",
                           enabled=progress, leave=False)
    lap("spikes")
    reset = fit_reset(traces, settings)
    sub = fit_subthreshold(traces, settings)
    lap("subthreshold")
    design = threshold_design(traces, sub, reset.V_reset, settings)
    thr = fit_threshold(traces, sub, reset.V_reset, settings, design=design)
    lap("threshold")
    n_ref = settings.n_ref(dt)
    v_models = design[2]
    var_v = variance_explained_v(traces, v_models, n_ref)
    eta_taus, eta_amps = sub.eta_kernel()
    gamma_taus, gamma_amps = thr.gamma_kernel()
    parameters = {**sub.parameters(), "V_reset": reset.V_reset * volt,
                  "t_ref": n_ref * dt * second, **thr.parameters(),
                  "lambda_0": float(to_si(settings.lambda_0)) * Hz}
    model = build_model(parameters, eta_taus, eta_amps, gamma_taus, gamma_amps)
    lap("evaluation-train")
    prediction, test_counts = None, ()
    if tests:
        test_counts = tuple(int(tr.window_spikes.size) for tr in tests)
    if evaluate and tests:
        current = np.mean([tr.i[tr.start:tr.stop] for tr in tests], axis=0)
        data_trains = [(tr.window_spikes - tr.start) * dt for tr in tests]
        prediction = evaluate_prediction(model, data_trains, current, dt,
                                         settings.n_repetitions, to_si(settings.md_delta),
                                         int(seed), backend)
        lap("prediction")
    diagnostics = diagnose_fit(
        V_T_star=thr.V_T_star, E_L=sub.E_L, DeltaV=thr.DeltaV,
        bits_per_spike=thr.bits_per_spike, traces=traces,
        kernel=None if kernel is None else kernel.kernel,
        rate_model=None if prediction is None else prediction.rate_model,
        rate_data=None if prediction is None else prediction.rate_data)
    bar.close()
    first = traces[0]
    return GIFFitResult(
        model=model, parameters=parameters, eta_taus=eta_taus, eta_amplitudes=eta_amps,
        gamma_taus=gamma_taus, gamma_amplitudes=gamma_amps, electrode=kernel, reset=reset,
        subthreshold=sub, threshold=thr, variance_explained_v=float(var_v),
        variance_explained_dvdt=sub.variance_explained_dvdt, prediction=prediction,
        train_spike_counts=counts, test_spike_counts=test_counts,
        train_voltage=first.v[first.start:first.stop],
        train_model_voltage=v_models[0][first.start:first.stop],
        train_current=first.i[first.start:first.stop], dt=dt, timings=timings,
        settings=settings, seed=int(seed),
        sources={"calibration": None if calibration is None else calibration.source,
                 "train": [tr.source for tr in traces], "test": [tr.source for tr in tests]},
        diagnostics=diagnostics)


def build_model(parameters: dict, eta_taus, eta_amplitudes, gamma_taus, gamma_amplitudes
                ) -> NeuronModel:
    """The GIF NeuronModel (escape noise) of fitted parameters and kernels."""
    model = GIF("pozzorini2015_l5pyr", escape=True, eta_taus=eta_taus,
                eta_amplitudes=eta_amplitudes, gamma_taus=gamma_taus,
                gamma_amplitudes=gamma_amplitudes, **parameters)
    return dataclasses.replace(model, reference=_REFERENCE,
                               options={**model.options, "preset": "fitted", "fitted": True})


def model_file_data(result: GIFFitResult) -> dict:
    """The JSON content of the fitted-model file (see :func:`save_fitted_gif`)."""
    def q(value):
        return {"value": float(to_si(value)), "unit": unit_string(value)}
    return {"format": FORMAT, "model": "GIF", "escape": True, "reference": _REFERENCE,
            "parameters": {k: q(v) for k, v in result.parameters.items()},
            "eta_taus": [q(t) for t in result.eta_taus],
            "eta_amplitudes": [q(a) for a in result.eta_amplitudes],
            "gamma_taus": [q(t) for t in result.gamma_taus],
            "gamma_amplitudes": [q(a) for a in result.gamma_amplitudes],
            "fit": {"md_star": result.md_star,
                    "variance_explained_v": result.variance_explained_v,
                    "warnings": [d.name for d in result.warnings],
                    "seed": result.seed, "sources": result.sources}}


def save_fitted_gif(result: GIFFitResult, path) -> Path:
    """Write the fitted model as JSON (atomically): parameters and kernels with SI units.

    The file is read back by :func:`load_fitted_gif`; its ``fit`` entry repeats
    the fit's scores for reference.
    """
    return write_json(path, model_file_data(result))


def load_fitted_gif(path) -> NeuronModel:
    """The GIF NeuronModel stored by :func:`save_fitted_gif`.

    Raises a ``ValueError`` naming the file for a wrong format or a missing entry.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"fitted model file {str(path)!r} is unreadable: {err}") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"fitted model file {str(path)!r}: format "
                         f"{data.get('format') if isinstance(data, dict) else None!r}; "
                         f"expected {FORMAT!r} (written by save_fitted_gif)")

    def q(entry, name):
        try:
            return from_si(entry["value"], entry["unit"])
        except (KeyError, TypeError) as err:
            raise ValueError(f"fitted model file {str(path)!r}: entry {name!r} is {entry!r}; "
                             "expected {'value': number, 'unit': str}") from err
    try:
        params = {k: q(v, k) for k, v in data["parameters"].items()}
        kernels = {key: tuple(q(e, f"{key}[{j}]") for j, e in enumerate(data[key]))
                   for key in ("eta_taus", "eta_amplitudes", "gamma_taus", "gamma_amplitudes")}
    except KeyError as err:
        raise ValueError(f"fitted model file {str(path)!r}: missing entry {err}") from err
    return build_model(params, **kernels)
