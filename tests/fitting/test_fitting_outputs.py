"""Outputs of a fit: fit.json, the fitted model file, PNG panels; the fit-gif command; protocol."""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from neurolab_snn.fitting import load_fitted_gif
from neurolab_snn.plotting.gif_fit import (add_fit_gif_arguments, fit_gif_command, parse_time,
                                           write_fit_outputs)
from neurolab_snn.units import ms, second

neo = pytest.importorskip("neo")
pq = pytest.importorskip("quantities")

PNG = b"\x89PNG\r\n\x1a\n"


def test_write_fit_outputs(evaluated_fit, tmp_path):
    paths = write_fit_outputs(evaluated_fit, tmp_path / "out")
    names = sorted(p.name for p in paths)
    assert names == ["aec_kernel.png", "fit.json", "fitted_gif.json", "kernels.png",
                     "raster.png", "subthreshold_fit.png"]
    summary = json.loads((tmp_path / "out" / "fit.json").read_text())
    assert summary["md_star"] == pytest.approx(evaluated_fit.md_star, rel=1e-12)
    assert summary["variance_explained_v"] == pytest.approx(evaluated_fit.variance_explained_v)
    assert summary["parameters"]["C"]["unit"] == "F"
    assert summary["parameters"]["V_T_star"]["unit"] == "V"
    assert summary["parameters"]["t_ref"]["value"] == pytest.approx(4e-3)
    for name in names:
        if name.endswith(".png"):
            assert (tmp_path / "out" / name).read_bytes()[:8] == PNG
    model = load_fitted_gif(tmp_path / "out" / "fitted_gif.json")
    assert model.parameters["C"] == evaluated_fit.parameters["C"]
    assert not list((tmp_path / "out").glob(".*"))      # no temporary files left


def test_parse_time():
    assert float(parse_time("12s") / second) == 12.0
    assert float(parse_time("500ms") / ms) == pytest.approx(500.0)
    assert float(parse_time("0.25") / second) == 0.25
    with pytest.raises(ValueError, match="expected a number with a unit"):
        parse_time("twelve")


def _save(path, values, units, rate=1e4, name="ch"):
    block = neo.Block()
    seg = neo.Segment()
    seg.analogsignals.append(neo.AnalogSignal(np.asarray(values)[:, None], units=units,
                                              sampling_rate=rate * pq.Hz, name=name))
    block.segments.append(seg)
    neo.io.PickleIO(str(path)).write_block(block)
    return str(path)


@pytest.fixture(scope="module")
def recording_files(synthetic_l5, tmp_path_factory):
    """The synthetic recording as neo files: V in mV, I in pA, one file per channel."""
    folder = tmp_path_factory.mktemp("recording")
    rec = synthetic_l5
    cal = [_save(folder / "cal_v.pkl", rec.calibration.v * 1e3, pq.mV),
           _save(folder / "cal_i.pkl", rec.calibration.i * 1e12, pq.pA)]
    reps = []
    for k, sweep in enumerate(rec.sweeps[:4]):
        reps += [_save(folder / f"rep{k}_v.pkl", sweep.v * 1e3, pq.mV),
                 _save(folder / f"rep{k}_i.pkl", sweep.i * 1e12, pq.pA)]
    return folder, cal, reps


def _args(*argv):
    return add_fit_gif_arguments(argparse.ArgumentParser()).parse_args(argv)


def test_fit_gif_command_end_to_end(recording_files, tmp_path):
    folder, cal, reps = recording_files
    out = tmp_path / "fit"
    args = _args("--calibration", *cal, "--train", *reps, "--test", *reps,
                 "--train-window", "0s", "8s", "--test-window", "8s", "12s", "--out", str(out),
                 "--seed", "3")
    summary = fit_gif_command(args)
    assert 0.5 < summary["md_star"] <= 1.0
    assert summary["n_model_repetitions"] == 500
    assert {p.name for p in out.iterdir()} >= {"fit.json", "fitted_gif.json", "raster.png"}


def test_fit_gif_command_bad_input_writes_nothing(recording_files, tmp_path):
    folder, cal, reps = recording_files
    out = tmp_path / "never"
    # the calibration sweep replaced by a spiking sweep
    args = _args("--calibration", *reps[:2], "--train", *reps, "--test", *reps, "--out", str(out))
    with pytest.raises(ValueError, match="calibration sweep .* spike"):
        fit_gif_command(args)
    # an odd number of files
    args = _args("--calibration", *cal, "--train", *reps[:3], "--test", *reps, "--out", str(out))
    with pytest.raises(ValueError, match="--train: 3 file"):
        fit_gif_command(args)
    # a channel without units
    bad = _save(folder / "nounits.pkl", np.zeros(1000), pq.dimensionless)
    args = _args("--calibration", bad, cal[1], "--train", *reps, "--test", *reps,
                 "--out", str(out))
    with pytest.raises(ValueError, match="nounits.pkl.*no units"):
        fit_gif_command(args)
    # a voltage file alone (one file must hold both V and I)
    args = _args("--calibration", cal[0], "--train", *reps, "--test", *reps, "--out", str(out))
    with pytest.raises(ValueError, match="cal_v.pkl holds a voltage but no current"):
        fit_gif_command(args)
    assert not out.exists()
    with pytest.raises(SystemExit):
        _args("--calibration", "--train", *reps, "--test", *reps, "--out", str(out))


@pytest.mark.slow
def test_protocol_synthetic_path(monkeypatch, tmp_path, capsys):
    """Without the example recording the protocol says so and fits synthetic data."""
    from neurolab_snn.experiment import run_protocol
    from neurolab_snn.plotting.report import write_protocol_outputs

    monkeypatch.setenv("NEUROLAB_DATA", str(tmp_path / "no-data"))
    result = run_protocol("gif-fit", quick=True, seed=1)
    captured = capsys.readouterr()
    assert "example recording not found" in captured.out + captured.err
    assert result.settings["synthetic"] is True
    assert abs(result.numbers["C_rel_error"]) < 0.05
    assert 0.5 < result.numbers["md_star"] <= 1.0
    paths = write_protocol_outputs(result, tmp_path / "out")
    assert {p.name for p in paths} >= {"gif_fit.json", "gif_fit_raster.png",
                                       "gif_fit_kernels.png"}
