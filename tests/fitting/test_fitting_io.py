"""Reading recordings: channels chosen by units, sampling rate, gaps, NaN segments."""
from __future__ import annotations

import numpy as np
import pytest

from neurolab_snn.fitting.io import Sweep, nan_segments, read_sweep, sweep_from_arrays
from neurolab_snn.units import mV, ms, pA, second

neo = pytest.importorskip("neo")
pq = pytest.importorskip("quantities")

from neurolab_snn.files import data_path  # noqa: E402

EXAMPLE = data_path() / "pozzorini2015_L5pyr"
needs_example = pytest.mark.skipif(
    not EXAMPLE.is_dir(),
    reason=f"example recording not found at {EXAMPLE} (set NEUROLAB_DATA or add "
           "pozzorini2015_L5pyr under ../shared/data)")



def _write(path, signals, segments=1, gap=0.0):
    """A neo pickle file with the given (values, units, rate, name) analog signals."""
    block = neo.Block()
    for k in range(segments):
        seg = neo.Segment()
        for values, units, rate, name in signals:
            t0 = k * (len(values) / rate + gap)
            seg.analogsignals.append(neo.AnalogSignal(np.asarray(values)[:, None], units=units,
                                                      sampling_rate=rate * pq.Hz,
                                                      t_start=t0 * pq.s, name=name))
        block.segments.append(seg)
    neo.io.PickleIO(str(path)).write_block(block)
    return path


def test_sweep_from_arrays_units_and_rate():
    sweep = sweep_from_arrays(np.full(100, -65.0) * mV, np.zeros(100) * pA, 0.1 * ms)
    assert sweep.sampling_rate == pytest.approx(10_000.0, rel=1e-12)
    assert sweep.v[0] == pytest.approx(-0.065, rel=1e-12)
    assert sweep.duration == pytest.approx(0.01, rel=1e-12)
    with pytest.raises(TypeError, match="parameter 'i'"):
        sweep_from_arrays(np.zeros(10) * mV, np.zeros(10) * mV, 0.1 * ms)
    with pytest.raises(TypeError, match="parameter 'v'"):
        sweep_from_arrays(np.zeros(10), np.zeros(10) * pA, 0.1 * ms)


def test_nan_segments_are_found_and_refused():
    v = np.full(1000, -0.065)
    v[100:150] = np.nan
    v[900] = np.nan
    assert nan_segments(v, 1e-4) == [(pytest.approx(0.01), pytest.approx(0.015)),
                                    (pytest.approx(0.09), pytest.approx(0.0901))]
    sweep = Sweep(v=v, i=np.zeros(1000), dt=1e-4, source="rec.abf")
    assert len(sweep.nan_segments) == 2
    with pytest.raises(ValueError, match=r"train sweep 'rec.abf': NaN samples in 2 segment"):
        sweep.check_usable("train")
    # a window without NaN is usable
    sweep.window(0.02, 0.08).check_usable("train")
    with pytest.raises(ValueError, match="window"):
        sweep.window(0.05, 0.2)


def test_read_sweep_chooses_channels_by_units_not_names(tmp_path):
    rate = 10_000.0
    v = -65 + np.sin(np.arange(2000) / 50.0)        # mV
    i = 100 + 10 * np.cos(np.arange(2000) / 30.0)  # pA
    # misleading names: the voltage is called "I_cmd", the current "Vm"
    path = _write(tmp_path / "mixed.pkl", [(i, pq.pA, rate, "Vm"), (v, pq.mV, rate, "I_cmd")])
    sweep = read_sweep(path)
    np.testing.assert_allclose(sweep.v, v * 1e-3, rtol=1e-6)
    np.testing.assert_allclose(sweep.i, i * 1e-12, rtol=1e-6)
    assert sweep.dt == pytest.approx(1e-4, rel=1e-12)
    assert "10000 Hz" in sweep.describe() and "gaps: none" in sweep.describe()


def test_read_sweep_missing_units_names_the_file(tmp_path):
    path = _write(tmp_path / "nounits.pkl", [(np.zeros(100), pq.dimensionless, 1e4, "ch0"),
                                             (np.zeros(100), pq.pA, 1e4, "ch1")])
    with pytest.raises(ValueError, match=r"nounits.pkl.*no units.*expected a channel with "
                                         r"voltage units"):
        read_sweep(path)


def test_read_sweep_different_rates(tmp_path):
    vp = _write(tmp_path / "v.pkl", [(np.zeros(200), pq.mV, 1e4, "v")])
    ip = _write(tmp_path / "i.pkl", [(np.zeros(400), pq.pA, 2e4, "i")])
    with pytest.raises(ValueError, match=r"different sampling rates for V \(10000 Hz.*I "
                                         r"\(20000 Hz"):
        read_sweep(vp, ip)


def test_read_sweep_reports_gaps(tmp_path):
    path = _write(tmp_path / "gappy.pkl", [(np.full(100, -65.0), pq.mV, 1e4, "v"),
                                           (np.zeros(100), pq.pA, 1e4, "i")],
                  segments=2, gap=0.005)
    with pytest.raises(ValueError, match=r"gappy.pkl' holds 2 sweeps .*segment=<k>"):
        read_sweep(path)                     # two segments are two sweeps unless joined
    sweep = read_sweep(path, join=True)
    assert sweep.gaps == ((pytest.approx(0.01), pytest.approx(0.015)),)
    assert sweep.n_samples == 250  # 50 NaN samples fill the gap
    with pytest.raises(ValueError, match="gap"):
        sweep.check_usable("test")
    assert read_sweep(path, segment=1).gaps == ()


def test_read_sweep_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.ibw"):
        read_sweep(tmp_path / "nothere.ibw")


@pytest.mark.data
@needs_example
def test_read_example_ibw():
    sweep = read_sweep(EXAMPLE / "Cell3_Ger1Test_ch2_1009.ibw",
                       EXAMPLE / "Cell3_Ger1Test_ch3_1009.ibw")
    assert sweep.n_samples == 200_000
    assert sweep.sampling_rate == pytest.approx(10_000.0, rel=1e-9)
    assert sweep.gaps == () and sweep.nan_segments == ()
    # volts and amperes: a membrane potential around -60 mV and currents of ~0.1 nA
    assert -0.08 < np.median(sweep.v) < -0.03
    assert 1e-11 < np.std(sweep.i) < 1e-9
    assert float(sweep.duration) == pytest.approx(20.0)
    assert sweep.window(12.0, 20.0).n_samples == 80_000
    assert (12 * second) / second == 12
