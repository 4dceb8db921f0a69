"""Step protocols from files and from models: the glue between readers, sim and analysis (L4).

:func:`analyze_step_files` reads a current-step protocol - one sweep per current
level, from any file neo reads (an episodic Axon ``.abf``, Igor ``.ibw`` V I
pairs, NIX) or an NWB file of ``CurrentClampSeries``/``CurrentClampStimulusSeries``
pairs - with :func:`.episodes.read_file_list`, and hands the sweeps to
:func:`neurolab_snn.analysis.steps.analyze_steps`.  :func:`analyze_model_steps`
runs a library model (or any ``NeuronModel``) through the same protocol - same
levels, onset, offset, length and sampling - so that a cell and a model are
compared feature by feature and trace by trace.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..analysis.steps import StepProtocolAnalysis, analyze_recording_steps, analyze_steps
from ..models import NeuronModel
from ..recording import Recording
from ..sim import CurrentInput, simulate
from ..units import Quantity, amp, second, to_si, volt
from .episodes import read_file_list
from .io import Sweep

__all__ = ["analyze_step_sweeps", "analyze_step_files", "analyze_model_steps"]


def analyze_step_sweeps(sweeps: Sequence[Sweep], *, source: str | None = None,
                        **options) -> StepProtocolAnalysis:
    """:func:`~neurolab_snn.analysis.steps.analyze_steps` on :class:`.io.Sweep` objects.

    Raises a ``ValueError`` naming the sweep for different sampling rates, gaps
    or NaN samples; *options* go to ``analyze_steps``.
    """
    sweeps = list(sweeps)
    if not sweeps:
        raise ValueError("step protocol: no sweeps; expected one sweep per current level")
    for s in sweeps:
        if not np.isclose(s.dt, sweeps[0].dt, rtol=1e-9):
            raise ValueError(f"step protocol: {s.source} is sampled at {s.sampling_rate:.6g} Hz "
                             f"but {sweeps[0].source} at {sweeps[0].sampling_rate:.6g} Hz; "
                             "expected one sampling rate")
        s.check_usable("step-protocol")
    source = source or (sweeps[0].source if len(sweeps) == 1
                        else f"{sweeps[0].source} ... {sweeps[-1].source}")
    return analyze_steps([s.v * volt for s in sweeps], [s.i * amp for s in sweeps],
                         sweeps[0].dt * second, names=[s.source for s in sweeps], source=source,
                         **options)


def analyze_step_files(paths: Sequence, *, sweeps: Sequence[int] | None = None,
                       **options) -> tuple[StepProtocolAnalysis, list[str]]:
    """Analyse the step protocol in *paths* (files holding V and I, or V I pairs).

    Every sweep (neo Segment, NWB sweep number) is one current level.  Returns
    the analysis and the log of what was read (one line per file).
    """
    read, log = read_file_list(paths, "step protocol", sweeps)
    names = sorted({str(p) for p in paths})
    return analyze_step_sweeps(read, source=", ".join(names), **options), log


def _has_waveform(model: NeuronModel) -> bool:
    """A model without a reset (HH) spikes with a waveform; integrate-and-fire models reset."""
    return not model.reset


def analyze_model_steps(model: NeuronModel, like: StepProtocolAnalysis, *,
                        dt: Quantity | None = None, backend: str = "runtime", seed: int = 0,
                        ) -> tuple[StepProtocolAnalysis, Recording, np.ndarray]:
    """Run *model* through the protocol of *like* (a cell's analysis) and analyse it the same way.

    One neuron per level, all in one simulation: each gets the holding current and
    the step of one sweep of *like*, over the same onset, offset and sweep length.
    Spikes of a model without a waveform (integrate-and-fire resets) are the
    recorded spike times and its spike-shape features are not measured; a model
    that produces action potentials (HH) is analysed from its voltage like a cell.

    Parameters
    ----------
    model : NeuronModel
    like : StepProtocolAnalysis
        The protocol to repeat (levels, timing, sampling interval).
    dt : Quantity, optional
        Integration step; default: the sampling interval of *like*.

    Returns
    -------
    analysis, recording, current
        The model's analysis, its Recording, and the injected current (A) of shape
        (n_steps, n_levels).
    """
    if not isinstance(model, NeuronModel):
        raise TypeError(f"model={model!r}: expected a NeuronModel")
    step = like.dt if dt is None else to_si(dt)
    n = like.traces["t"].size
    current = np.zeros((int(round(n * like.dt / step)), len(like.sweeps)))
    t_sim = np.arange(current.shape[0]) * step
    for k, s in enumerate(like.sweeps):
        current[:, k] = s.holding_current + s.amplitude * ((t_sim >= s.onset - 1e-12)
                                                           & (t_sim < s.offset - 1e-12))
    duration = current.shape[0] * step * second
    rec = simulate(model, duration, n=current.shape[1],
                   I_ext=CurrentInput(current * amp, step * second), record=("v",),
                   dt=step * second, backend=backend, seed=seed)
    analysis = analyze_recording_steps(
        rec, current * amp, spikes="detected" if _has_waveform(model) else "recorded",
        names=[f"{model.name} {s.amplitude * 1e12:.4g} pA" for s in like.sweeps],
        source=f"model {model.name}")
    return analysis, rec, current
