"""The bad-input catalogue: each bad input fails clearly and writes nothing.

Every case gives one bad input, on the command line (``neurolab_snn.cli.main``
in-process: exit status 2 and exactly one line on stderr) or to the Python API
(a ``ValueError``/``TypeError``/``KeyError``/``FileNotFoundError``), and checks three things
in the message: the parameter it names, the offending value and what was
expected (three regular expressions per case, in the table below); and that the
output folder stays empty.  Input files (``.ibw`` recordings, a text file named
``.ibw``, a truncated ``.ibw``) are written by the cases into a temporary
folder.

``docs/bad_input.md`` is generated from this table and checked against it
(:func:`test_docs_table_is_current`); regenerate it with::

    PYTHONPATH=. python tests/test_bad_input_catalogue.py docs/bad_input.md
"""
from __future__ import annotations

import contextlib
import io
import re
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from neurolab_snn.cli import main
from neurolab_snn.coding import decoders, latency, rate
from neurolab_snn.fitting import fit_gif
from neurolab_snn.fitting.io import Sweep, read_sweep, sweep_from_arrays
from neurolab_snn.models import HH, LIF, AdaptiveLIF, NeuronModel, get_model
from neurolab_snn.sim import CurrentInput, simulate
from neurolab_snn.training import losses
from neurolab_snn.training.network import Layer, NetworkSpec
from neurolab_snn.training.methods import get_method
from neurolab_snn.training.recipes import train_digits
from neurolab_snn.training.trainer import TrainSettings
from neurolab_snn.units import mV, ms, nA, pA, second

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "bad_input.md"


# ----------------------------------------------------------------------------- input files
def write_ibw(path: Path, values, dt: float, units: str, name: str = "wave") -> Path:
    """A little-endian Igor binary wave, version 5, float32 (the layout of Igor's IgorBin.h).

    Only the fields that igor2/neo read are set: npnts, type, nDim, sfA (the
    sampling interval), dataUnits and the x units ('s').
    """
    data = np.asarray(values, dtype="<f4")
    wave = bytearray(320)                                   # WaveHeader5
    struct.pack_into("<i", wave, 12, data.size)             # npnts
    struct.pack_into("<h", wave, 16, 2)                     # type: NT_FP32
    struct.pack_into("<h", wave, 26, 1)                     # whVersion
    wave[28:28 + len(name)] = name.encode()                 # bname
    struct.pack_into("<4i", wave, 68, data.size, 0, 0, 0)   # nDim
    struct.pack_into("<4d", wave, 84, dt, 1.0, 1.0, 1.0)    # sfA
    wave[148:148 + len(units)] = units.encode()             # dataUnits
    wave[152:153] = b"s"                                    # dimUnits[0]
    head = bytearray(64)                                    # BinHeader5
    struct.pack_into("<hhi", head, 0, 5, 0, len(wave) + data.nbytes)
    header = head + wave
    total = sum(struct.unpack("<192H", bytes(header)))              # checksum: sum 0
    struct.pack_into("<H", header, 2, (-total) & 0xFFFF)
    path.write_bytes(bytes(header) + data.tobytes())
    return path


def passive_sweep(n: int, dt: float = 1e-4, seed: int = 0, spikes_at=()):
    """(v, i) in SI of a passive membrane (tau 20 ms, R 100 MOhm) plus a 20 MOhm electrode,
    driven by coloured noise; ``spikes_at``: samples set to +20 mV."""
    from scipy.signal import lfilter
    rng = np.random.default_rng(seed)
    b = np.exp(-dt / 3e-3)
    i = 1e-9 * lfilter([1 - b], [1, -b], rng.standard_normal(n))
    a = np.exp(-dt / 20e-3)
    v = -0.065 + lfilter([100e6 * (1 - a)], [1, -a], np.concatenate(([0.0], i[:-1]))) + 20e6 * i
    v[list(spikes_at)] = 0.02
    return v, i


def pair(inp: Path, stem: str, n: int = 6000, *, v=None, i=None, dt=1e-4, i_dt=None,
         i_n=None, spikes_at=(), v_units="V"):
    """Write ``stem_V.ibw`` and ``stem_I.ibw``; return their paths as strings."""
    v0, i0 = passive_sweep(n, dt, spikes_at=spikes_at)
    v = v0 if v is None else v
    i = i0 if i is None else i
    if i_n is not None:
        i = passive_sweep(i_n, dt)[1]
    vp = write_ibw(inp / f"{stem}_V.ibw", v, dt, v_units, "Vm")
    ip = write_ibw(inp / f"{stem}_I.ibw", i, dt if i_dt is None else i_dt, "A", "Iinj")
    return str(vp), str(ip)


def fit_gif_argv(inp: Path, out: Path, *, calibration=None, train=None, extra=()):
    """``neurolab fit-gif`` arguments with good defaults for the parts not given."""
    calibration = calibration or pair(inp, "cal")
    train = train or pair(inp, "train")
    test = [*pair(inp, "test1"), *pair(inp, "test2")]
    return ["fit-gif", "--calibration", *calibration, "--train", *train, "--test", *test,
            *extra, "--out", str(out)]


# ----------------------------------------------------------------------------- API helpers
def _user_model(**kw):
    spec = dict(name="LI", equations="dv/dt = (E_L - v)/tau : volt\n", threshold="v > V_th",
                reset="v = E_L", parameters={"E_L": -70 * mV, "tau": 10 * ms, "V_th": -50 * mV})
    return NeuronModel(**{**spec, **kw})


def _simulate(**kw):
    args = dict(target=LIF(), duration=20 * ms, backend="numpy")
    args.update(kw)
    return simulate(args.pop("target"), args.pop("duration"), **args)


def _sweep(n=2000, dt=1e-4, spikes_at=(), nan=None, gaps=()):
    v, i = passive_sweep(n, dt, spikes_at=spikes_at)
    if nan is not None:
        v[nan[0]:nan[1]] = np.nan
    return Sweep(v=v, i=i, dt=dt, source="rec", gaps=gaps)


def _fit(calibration=None, train=None, **kw):
    train = [_sweep(spikes_at=range(200, 2000, 300))] if train is None else train
    return fit_gif(calibration, train, evaluate=False, **kw)


def _text_ibw(inp: Path) -> Path:
    path = inp / "export.ibw"
    path.write_text("time,Vm\n0.0,-65.1\n0.0001,-65.0\n")
    return path


def _truncated_ibw(inp: Path) -> Path:
    full = Path(pair(inp, "full")[0]).read_bytes()
    path = inp / "cut.ibw"
    path.write_bytes(full[:len(full) // 3])
    return path


# ----------------------------------------------------------------------------- the table
@dataclass(frozen=True)
class Case:
    """One bad input: where it is given, what is expected of the message.

    ``run(inp, out)`` returns the CLI arguments (``where='cli'``) or makes the
    API call (``where='api'``); ``error`` is the exception type of an API case.
    """

    id: str
    where: str
    given: str
    name: str
    value: str
    expected: str
    run: Callable[[Path, Path], object]
    error: type = ValueError


CASES = [
    # --- unknown names (CLI) ---------------------------------------------------------------
    Case("cli-unknown-protocol", "cli", "`protocol run` of a protocol that does not exist",
         r"protocol", r"'no-such'", r"expected one of \[.*'fi-curve'",
         lambda inp, out: ["protocol", "run", "no-such", "--quick", "--out", str(out)]),
    Case("cli-unknown-model", "cli", "`--model Foo`", r"model", r"'Foo'",
         r"expected one of \[.*'LIF'",
         lambda inp, out: ["protocol", "run", "fi-curve", "--model", "Foo", "--quick",
                           "--out", str(out)]),
    Case("cli-unknown-preset", "cli", "`--model LIF --preset nope`", r"preset", r"'nope'",
         r"expected one of \[.*'gerstner2014'",
         lambda inp, out: ["protocol", "run", "fi-curve", "--model", "LIF", "--preset", "nope",
                           "--quick", "--out", str(out)]),
    Case("cli-unknown-backend", "cli", "`--backend gpu`", r"--backend", r"'gpu'",
         r"choose from .*'runtime'",
         lambda inp, out: ["protocol", "run", "fi-curve", "--backend", "gpu", "--out",
                           str(out)]),
    Case("cli-seed-not-integer", "cli", "`--seed x`", r"--seed", r"'x'", r"int",
         lambda inp, out: ["protocol", "run", "fi-curve", "--seed", "x", "--out", str(out)]),
    Case("cli-train-unknown-model", "cli", "`train digits --model HH` (not trainable)",
         r"--model", r"'HH'", r"choose from 'LIF', 'AdaptiveLIF', 'GIF'",
         lambda inp, out: ["train", "digits", "--model", "HH", "--out", str(out)]),
    Case("cli-train-zero-epochs", "cli", "`train digits --epochs 0`", r"epochs", r"=0\b",
         r"expected an integer >= 1",
         lambda inp, out: ["train", "digits", "--epochs", "0", "--backend", "numpy",
                           "--out", str(out)]),
    Case("cli-train-negative-epochs", "cli", "`train dms --epochs -2`", r"epochs", r"=-2\b",
         r"expected an integer >= 1",
         lambda inp, out: ["train", "dms", "--epochs", "-2", "--backend", "numpy",
                           "--out", str(out)]),
    # --- recordings (CLI fit-gif) ----------------------------------------------------------
    Case("cli-missing-file", "cli", "`fit-gif` with a calibration file that does not exist",
         r"recording file", r"nothere\.ibw", r"does not exist; expected an existing file",
         lambda inp, out: fit_gif_argv(inp, out, calibration=[str(inp / "nothere.ibw"),
                                                             pair(inp, "cal")[1]])),
    Case("cli-text-named-ibw", "cli", "`fit-gif` with a CSV text file named `.ibw`",
         r"recording file .*export\.ibw", r"starts with the text 'time,Vm'",
         r"expected an \.ibw written by Igor Pro",
         lambda inp, out: fit_gif_argv(inp, out, train=[str(_text_ibw(inp)),
                                                       pair(inp, "train")[1]])),
    Case("cli-truncated-ibw", "cli", "`fit-gif` with an `.ibw` cut to a third of its length",
         r"recording file .*cut\.ibw", r"is truncated: 8128 bytes.* declares 24384",
         r"expected a complete file",
         lambda inp, out: fit_gif_argv(inp, out, train=[str(_truncated_ibw(inp)),
                                                       pair(inp, "train")[1]])),
    Case("cli-swapped-channels", "cli", "`fit-gif` with the I file given as V and V as I",
         r"--calibration: .*cal_I\.ibw", r"cal_I\.ibw holds a current but no voltage channel "
         r"\(are the V and I files swapped\?\)", r"expected the voltage file first",
         lambda inp, out: fit_gif_argv(inp, out, calibration=pair(inp, "cal")[::-1])),
    Case("cli-no-units", "cli", "`fit-gif` with a voltage `.ibw` without data units",
         r"recording file .*cal_V\.ibw", r"channel\(s\) \['Vm'\] have no units",
         r"expected a channel with voltage units",
         lambda inp, out: fit_gif_argv(inp, out, calibration=pair(inp, "cal", v_units=""))),
    Case("cli-v-i-lengths", "cli", "`fit-gif` with V of 6000 samples and I of 5000",
         r"V \(file .*\) .* I \(file ", r"has 6000 samples but I .* has 5000",
         r"expected the same length",
         lambda inp, out: fit_gif_argv(inp, out, train=pair(inp, "train", i_n=5000))),
    Case("cli-v-i-rates", "cli", "`fit-gif` with V sampled at 10 kHz and I at 20 kHz",
         r"sampling rates for V .* and I", r"V \(10000 Hz.*I \(20000 Hz",
         r"expected V and I sampled at the same rate",
         lambda inp, out: fit_gif_argv(inp, out, train=pair(inp, "train", i_dt=0.5e-4))),
    Case("cli-odd-file-list", "cli", "`fit-gif --train` with one file instead of V I pairs",
         r"--train", r"1 file\(s\) \[.*train_V\.ibw'\]", r"expected V I pairs or files holding both",
         lambda inp, out: fit_gif_argv(inp, out, train=[pair(inp, "train")[0]])),
    Case("cli-calibration-spikes", "cli", "`fit-gif` with spikes in the calibration sweep",
         r"calibration sweep", r"3 spike\(s\) .*t = 0\.1, 0\.2, 0\.3 s",
         r"expected a subthreshold sweep",
         lambda inp, out: fit_gif_argv(inp, out, calibration=pair(
             inp, "cal", spikes_at=(1000, 2000, 3000)))),
    Case("cli-window-too-long", "cli", "`--train-window 0s 12s` on a 0.6 s recording",
         r"train_window", r"12\. \* second.*\(0\.6 s\)", r"expected 0 <= start < stop <= 0\.6 s",
         lambda inp, out: fit_gif_argv(inp, out, extra=["--train-window", "0s", "12s"])),
    Case("cli-window-bad-time", "cli", "`--train-window 0s 12parsec`", r"time", r"'12parsec'",
         r"expected a number with a unit",
         lambda inp, out: fit_gif_argv(inp, out, extra=["--train-window", "0s", "12parsec"])),
    Case("cli-recording-nan", "cli", "`fit-gif` with 50 NaN samples in a training recording",
         r"train sweep", r"NaN samples in 1 segment\(s\) \(0\.005 s", r"expected finite samples",
         lambda inp, out: fit_gif_argv(inp, out, train=pair(
             inp, "train", v=np.where(np.arange(6000) // 50 == 60, np.nan,
                                      passive_sweep(6000)[0])))),
    Case("cli-no-training-spikes", "cli", "`fit-gif` with subthreshold training sweeps",
         r"train", r"no spikes in the training data", r"expected training sweeps in which",
         lambda inp, out: fit_gif_argv(inp, out)),
    # --- models: units, names, equations, time constants -----------------------------------
    Case("api-missing-units", "api", "`LIF(tau_m=10)`", r"'tau_m'", r"got 10 without units",
         r"expected a quantity with dimension s", lambda inp, out: LIF(tau_m=10),
         TypeError),
    Case("api-wrong-units", "api", "`LIF(tau_m=10*mV)`", r"'tau_m'", r"10\. \* mvolt",
         r"expected dimension s", lambda inp, out: LIF(tau_m=10 * mV),
         TypeError),
    Case("api-zero-tau", "api", "`LIF(tau_m=0*ms)`", r"'tau_m'", r"=0\. \* second",
         r"expected a positive time constant", lambda inp, out: LIF(tau_m=0 * ms)),
    Case("api-negative-tau", "api", "`AdaptiveLIF(tau_a=-5*ms)`", r"'tau_a'", r"-5\. \* msecond",
         r"expected a positive time constant",
         lambda inp, out: AdaptiveLIF(tau_a=-5 * ms)),
    Case("api-negative-t-ref", "api", "`LIF(t_ref=-1*ms)`", r"'t_ref'", r"-1\. \* msecond",
         r"expected >= 0 ms", lambda inp, out: LIF(t_ref=-1 * ms)),
    Case("api-unknown-model", "api", "`get_model('Izhikevich')`", r"model", r"'Izhikevich'",
         r"expected one of \['AdaptiveLIF', 'GIF', 'HH', 'LIF'\]",
         lambda inp, out: get_model("Izhikevich")),
    Case("api-unknown-preset", "api", "`LIF('gerstner2015')`", r"preset", r"'gerstner2015'",
         r"expected one of \[.*'gerstner2014'\]", lambda inp, out: LIF(preset="gerstner2015")),
    Case("api-unknown-option", "api", "`HH(variant='hh1953')`", r"variant", r"'hh1953'",
         r"expected one of \['hh1952', 'traub_miles'\]",
         lambda inp, out: HH(variant="hh1953")),
    Case("api-unknown-method", "api", "`NeuronModel(..., method='rk45')`", r"method",
         r"'rk45'", r"expected one of \[.*'exact'.*'rk4'",
         lambda inp, out: _user_model(method="rk45")),
    Case("api-malformed-equations", "api", "equations `dv/dt = (E_L - v/tau : volt`",
         r"model 'LI'", r"malformed equations: '\(' was never closed",
         r"malformed equations", lambda inp, out: _user_model(
             equations="dv/dt = (E_L - v/tau : volt\n")),
    Case("api-inconsistent-units", "api", "equations `dv/dt = E_L - v : volt` (no 1/tau)",
         r"variable 'v'", r"'E_L - v'", r"does not have the expected unit",
         lambda inp, out: _user_model(equations="dv/dt = E_L - v : volt\n",
                                      parameters={"E_L": -70 * mV,
                                                  "V_th": -50 * mV}),
         TypeError),
    Case("api-missing-parameter", "api", "equations use `tau` but no value is given",
         r"model 'LI'", r"use \['tau'\]", r"expected entries in parameters",
         lambda inp, out: _user_model(parameters={"E_L": -70 * mV,
                                                  "V_th": -50 * mV})),
    # --- simulation ------------------------------------------------------------------------
    Case("api-unknown-backend", "api", "`simulate(..., backend='gpu')`", r"backend", r"'gpu'",
         r"expected one of \[.*'runtime'", lambda inp, out: _simulate(backend="gpu")),
    Case("api-duration-no-units", "api", "`simulate(model, 0.5)`", r"'duration'",
         r"got 0\.5 without units", r"expected a quantity with dimension s",
         lambda inp, out: _simulate(duration=0.5), TypeError),
    Case("api-dt-above-tau", "api", "`simulate(LIF(tau_m=0.5*ms), dt=1*ms)`", r"dt",
         r"1\. \* msecond",
         r"expected dt < tau_m", lambda inp, out: _simulate(
             target=LIF(tau_m=0.5 * ms), dt=1 * ms)),
    Case("api-zero-dt", "api", "`simulate(..., dt=0*ms)`", r"'dt'", r"0\. \* second",
         r"expected a value > 0", lambda inp, out: _simulate(dt=0 * ms)),
    Case("api-nan-current", "api", "`simulate(..., I_ext=nan*nA)`", r"'I_ext'", r"nan \* amp",
         r"expected finite values \(no NaN/inf\)",
         lambda inp, out: _simulate(I_ext=np.nan * nA)),
    Case("api-inf-current", "api", "`simulate(..., n=2, I_ext=[1, inf]*nA)`", r"'I_ext'",
         r"got inf A at index \(1,\)", r"expected finite values", lambda inp, out: _simulate(
             n=2, I_ext=np.array([1.0, np.inf]) * nA)),
    Case("api-nan-current-input", "api", "`CurrentInput([0, nan]*nA, 1*ms)`",
         r"'CurrentInput.values'", r"got nan A at index \(1,\)", r"expected finite values",
         lambda inp, out: CurrentInput(np.array([0.0, np.nan]) * nA, 1 * ms)),
    Case("api-unknown-record", "api", "`simulate(..., record=('w',))` on a LIF", r"record",
         r"'w'", r"has no variable 'w'", lambda inp, out: _simulate(record=("w",))),
    Case("api-recording-too-large", "api",
         "`simulate(LIF(), 1000*second, n=10**6)` recording v every 0.1 ms",
         r"record", r"about 160 TB \(neurons: 1000000 neurons x 10000000 steps x 1 variable",
         r"of memory is available; expected a recording that fits",
         lambda inp, out: _simulate(duration=1000 * second, n=10 ** 6)),
    # --- coding and losses -----------------------------------------------------------------
    Case("api-intensity-above-range", "api", "`rate([[0.2, 1.5]], 10)`", r"'data'",
         r"got 1\.5 at index \(0, 1\)", r"outside data_range=\(0\.0, 1\.0\); expected",
         lambda inp, out: rate(np.array([[0.2, 1.5]]), 10, rng=0)),
    Case("api-intensity-below-range", "api", "`latency([[-0.5]], 10, ...)`", r"'data'",
         r"got -0\.5 at index \(0, 0\)", r"expected intensities in that range",
         lambda inp, out: latency(np.array([[-0.5]]), 10, dt=1 * ms,
                  tau=5 * ms)),
    Case("api-decoder-no-steps", "api", "`firing_rate(np.zeros((0, 5)), 1*ms)` (no time steps)",
         r"'spikes'", r"empty array of shape \(0, 5\)",
         r"expected at least one time step and one neuron",
         lambda inp, out: decoders.firing_rate(np.zeros((0, 5)), 1 * ms)),
    Case("api-decoder-no-neurons", "api", "`argmax_count(np.zeros((3, 10, 0)))`", r"'spikes'",
         r"empty array of shape \(3, 10, 0\)", r"expected at least one time step and one neuron",
         lambda inp, out: decoders.argmax_count(np.zeros((3, 10, 0)))),
    Case("api-decoder-empty-latency", "api", "`first_spike_times(np.zeros((0, 4)), 1*ms)`",
         r"'spikes'", r"shape \(0, 4\)", r"expected at least one time step",
         lambda inp, out: decoders.first_spike_times(np.zeros((0, 4)),
                                   1 * ms)),
    Case("api-loss-empty-batch", "api", "`CECount()` on spikes of shape (0, 20, 10)",
         r"'spikes'", r"empty array of shape \(0, 20, 10\)",
         r"expected at least one entry on every axis \(batch, time, neuron\)",
         lambda inp, out: losses.CECount().value_and_grad(np.zeros((0, 20, 10)),
                                                         np.zeros(0, int))),
    Case("api-loss-empty-train", "api", "`VanRossum()` on spike trains with no time steps",
         r"'spikes'", r"shape \(2, 0, 3\)", r"expected at least one entry on every axis",
         lambda inp, out: losses.VanRossum().value_and_grad(np.zeros((2, 0, 3)),
                                                           np.zeros((2, 0, 3)))),
    Case("api-loss-silent-output", "api",
         "`CETemporal` on the first-spike times of an output that never spiked (inf)",
         r"'times'", r"got inf at index \(0, 0\)",
         r"expected finite values \(set a finite no_spike time in first_spike_times\)",
         lambda inp, out: losses.CETemporal(time_scale=10 * ms).value_and_grad(
             decoders.first_spike_times(np.zeros((2, 10, 3)), 1 * ms), np.array([0, 1]))),
    # --- recordings (API) ------------------------------------------------------------------
    Case("api-missing-file", "api", "`read_sweep('nothere.abf')`", r"recording file",
         r"nothere\.abf", r"expected an existing file",
         lambda inp, out: read_sweep(inp / "nothere.abf"), FileNotFoundError),
    Case("api-text-named-ibw", "api", "`read_sweep` of a CSV text file named `.ibw`",
         r"recording file .*export\.ibw", r"version field 0x7469, starts with the text 'time,Vm'",
         r"expected an \.ibw written by Igor Pro", lambda inp, out: read_sweep(_text_ibw(inp))),
    Case("api-truncated-ibw", "api", "`read_sweep` of an `.ibw` cut to a third",
         r"recording file .*cut\.ibw", r"truncated: 8128 bytes", r"expected a complete file",
         lambda inp, out: read_sweep(_truncated_ibw(inp))),
    Case("api-swapped-units", "api", "`sweep_from_arrays(i, v, dt)` (V and I swapped)",
         r"'v'", r"array of shape \(10,\) \(0 to 0 A\) with dimension A",
         r"expected dimension V",
         lambda inp, out: sweep_from_arrays(np.zeros(10) * pA, np.zeros(10) * mV,
                            0.1 * ms), TypeError),
    Case("api-v-i-lengths", "api", "`sweep_from_arrays` with 100 V and 90 I samples",
         r"voltage v .* current i", r"100 samples but current i has 90",
         r"expected the same number of samples",
         lambda inp, out: sweep_from_arrays(np.zeros(100) * mV, np.zeros(90) * pA,
                            0.1 * ms)),
    Case("api-sweep-rates", "api", "`fit_gif` with sweeps at 10 kHz and 20 kHz", r"train sweep",
         r"20000 Hz but the first sweep at 10000 Hz", r"expected one sampling rate",
         lambda inp, out: _fit(train=[_sweep(spikes_at=[500]), _sweep(dt=0.5e-4)])),
    Case("api-recording-gap", "api", "`fit_gif` on a sweep with a gap at 0.05-0.06 s",
         r"train sweep 'rec'", r"1 gap\(s\) .*\[0\.05, 0\.06\) s",
         r"expected one continuous recording",
         lambda inp, out: _fit(train=[_sweep(nan=(500, 600), gaps=((0.05, 0.06),))])),
    Case("api-recording-nan", "api", "`fit_gif` on a sweep with NaN at 0.1-0.11 s",
         r"train sweep 'rec'", r"NaN samples in 1 segment\(s\) .*\[0\.1, 0\.11\) s",
         r"expected finite samples", lambda inp, out: _fit(train=[_sweep(nan=(1000, 1100))])),
    Case("api-calibration-spikes", "api", "`fit_gif` with a calibration sweep that spikes",
         r"calibration sweep 'rec'", r"2 spike\(s\) .*t = 0\.05, 0\.15 s",
         r"expected a subthreshold sweep",
         lambda inp, out: _fit(calibration=_sweep(n=6000, spikes_at=(500, 1500)))),
    Case("api-window-too-long", "api", "`fit_gif(..., train_window=(0*s, 5*s))` on 0.2 s",
         r"train_window", r"5\. \* second.*\(0\.2 s\)", r"expected 0 <= start < stop <= 0\.2 s",
         lambda inp, out: _fit(train_window=(0 * second,
                                             5 * second))),
    Case("api-no-training-spikes", "api", "`fit_gif` on subthreshold training sweeps",
         r"train", r"no spikes in the training data \(rec, window None\)",
         r"expected training sweeps in which the neuron fires",
         lambda inp, out: _fit(train=[_sweep()])),
    # --- training --------------------------------------------------------------------------
    Case("api-zero-epochs", "api", "`TrainSettings(epochs=0)`", r"epochs", r"=0\b",
         r"expected an integer >= 1",
         lambda inp, out: TrainSettings(epochs=0)),
    Case("api-negative-batch", "api", "`TrainSettings(batch_size=-4)`", r"batch_size", r"=-4\b",
         r"expected an integer >= 1",
         lambda inp, out: TrainSettings(batch_size=-4)),
    Case("api-train-digits-batch", "api", "`train_digits(batch_size=0, out_dir=OUT)`",
         r"batch_size", r"=0\b", r"expected an integer >= 1",
         lambda inp, out: train_digits(batch_size=0, backend="numpy", out_dir=out)),
    Case("api-unknown-training-method", "api", "`get_method('eprop')`", r"method",
         r"'eprop'", r"expected one of \[.*'bptt'", lambda inp, out: get_method("eprop"),
         KeyError),
    Case("api-train-dt-above-tau", "api", "`NetworkSpec` with dt = 1 ms and tau_m = 0.5 ms",
         r"dt", r"1\. \* msecond .* tau_m=0\.5 \* msecond", r"expected dt < tau_m",
         lambda inp, out: NetworkSpec(2, (Layer("hid", LIF(tau_m=0.5 * ms,
                                             t_ref=0 * ms), 3),))),
    Case("api-train-unknown-parameter", "api", "`Layer(..., trainable=('tau_x',))`",
         r"trainable parameter", r"'tau_x'", r"expected one of \[.*'tau_m'",
         lambda inp, out: Layer("hid", LIF(t_ref=0 * ms), 3, trainable=("tau_x",))),
]


# ----------------------------------------------------------------------------- running a case
def run_case(case: Case, inp: Path, out: Path) -> tuple[object, str]:
    """Run *case*; return (exit status or exception, message)."""
    if case.where == "cli":
        argv = case.run(inp, out)
        err, std = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
            try:
                status = main(argv)
            except SystemExit as exc:     # argparse usage errors
                status = exc.code
        text = err.getvalue()
        return (status, text), text.rstrip("\n")
    with pytest.raises(Exception) as info:
        case.run(inp, out)
    return info.value, str(info.value)


def _written(out: Path) -> list[str]:
    return [] if not out.exists() else sorted(str(p.relative_to(out)) for p in out.rglob("*"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    outcome, message = run_case(case, inp, out)
    if case.where == "cli":
        status, text = outcome
        assert status == 2
        assert text.count("\n") == 1 and text.endswith("\n") and "\r" not in text, text
        assert re.match(r"neurolab( [a-z-]+)*: error: ", text), text
    else:
        assert isinstance(outcome, case.error), repr(outcome)
    assert re.search(case.name, message), (case.name, message)
    assert re.search(case.value, message), (case.value, message)
    assert re.search(case.expected, message), (case.expected, message)
    assert _written(out) == []


def test_catalogue_covers_the_issue():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    assert sum(c.where == "cli" for c in CASES) >= 15


# ----------------------------------------------------------------------------- the docs table
def _normalise(message: str, inp: Path, out: Path) -> str:
    text = message.replace(str(inp), "IN").replace(str(out), "OUT")
    text = re.sub(r"but [\d.]+ [kMGTP]?B of memory is available",
                  "but <MemAvailable> of memory is available", text)
    return text


def catalogue_table() -> str:
    """The Markdown table of docs/bad_input.md: every case with the message it gives now."""
    rows = ["| case | where | given | result | message |", "|---|---|---|---|---|"]
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            inp, out = Path(tmp) / "in", Path(tmp) / "out"
            inp.mkdir()
            outcome, message = run_case(case, inp, out)
        result = (f"exit {outcome[0]}" if case.where == "cli" else type(outcome).__name__)
        text = _normalise(message, inp, out).replace("|", "\\|")
        rows.append(f"| {case.id} | {case.where.upper()} | {case.given.replace('|', '/')} | "
                    f"{result} | `{text}` |")
    return "\n".join(rows) + "\n"


_BEGIN, _END = "<!-- catalogue: begin -->\n", "<!-- catalogue: end -->\n"


def test_docs_table_is_current():
    text = DOC.read_text()
    table = text.split(_BEGIN, 1)[1].split(_END, 1)[0]
    assert table == catalogue_table(), ("docs/bad_input.md is out of date; regenerate it: "
                                         "PYTHONPATH=. python tests/test_bad_input_catalogue.py")


def write_docs(path: Path = DOC) -> None:
    """Replace the generated table between the markers of *path*."""
    text = path.read_text()
    head, rest = text.split(_BEGIN, 1)
    tail = rest.split(_END, 1)[1]
    path.write_text(head + _BEGIN + catalogue_table() + _END + tail)


if __name__ == "__main__":      # PYTHONPATH=. python tests/test_bad_input_catalogue.py [doc]
    write_docs(Path(sys.argv[1]) if len(sys.argv) > 1 else DOC)
