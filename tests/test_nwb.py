"""NWB export: Recording.to_nwb and protocol results, read back with pynwb and as sweeps."""
from __future__ import annotations

import json

import numpy as np
import pytest

from neurolab_snn.models import AdaptiveLIF, LIF
from neurolab_snn.sim import CurrentInput, simulate
from neurolab_snn.units import amp, ms, nA

pynwb = pytest.importorskip("pynwb")


@pytest.fixture(scope="module")
def stepped():
    """Three AdaptiveLIF neurons (numpy backend), one current step each, v and theta recorded."""
    dt = 0.1 * ms
    n_steps = 600
    current = np.zeros((n_steps, 3))
    current[100:500] = [0.0, 0.3e-9, 0.5e-9]
    rec = simulate(AdaptiveLIF(), n_steps * dt, n=3, I_ext=CurrentInput(current * amp, dt),
                   record=("v", "theta"), dt=dt, backend="numpy", seed=5)
    return rec, current


def test_recording_round_trip(stepped, tmp_path):
    rec, current = stepped
    model = AdaptiveLIF()
    from neurolab_snn.nwb import model_metadata
    path = rec.to_nwb(tmp_path / "rec.nwb", stimulus=current * amp,
                      metadata={"model": model_metadata(model)})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec.nwb"]     # no temporary left
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        f = io.read()
        units = f.units.to_dataframe()
        trains = rec.main.spike_trains()
        assert list(units["neuron_index"]) == [0, 1, 2]
        assert set(units["population"]) == {"neurons"}
        for k in range(3):
            np.testing.assert_array_equal(np.asarray(units["spike_times"].iloc[k]), trains[k])
            v = f.acquisition[f"neurons_{k}_V"]
            i = f.stimulus[f"neurons_{k}_I"]
            assert v.unit == "volts" and i.unit == "amperes" and int(v.sweep_number) == k
            np.testing.assert_array_equal(v.data[:], rec.main.traces["v"][k])
            np.testing.assert_array_equal(i.data[:], current[:, k])
            assert v.rate == pytest.approx(1e4, rel=1e-12)
        theta = f.acquisition["neurons_theta"]
        assert theta.unit == "V"
        np.testing.assert_array_equal(theta.data[:], rec.main.traces["theta"].T)
        meta = json.loads(f.notes)
    assert meta["seed"] == 5 and meta["backend"] == "numpy" and meta["dt_s"] == pytest.approx(1e-4)
    assert meta["model"]["equations"] == model.equations.strip()
    assert meta["model"]["parameters"]["tau_m"]["unit"] == "s"
    assert sum(len(t) for t in trains) > 5


def test_nwb_file_reads_back_as_sweeps(stepped, tmp_path):
    from neurolab_snn.fitting.io import read_sweeps

    rec, current = stepped
    path = rec.to_nwb(tmp_path / "rec.nwb", stimulus=current * amp)
    sweeps = read_sweeps(path)
    assert [s.source for s in sweeps] == [f"rec.nwb sweep {k}" for k in range(3)]
    for k, s in enumerate(sweeps):
        np.testing.assert_array_equal(s.v, rec.main.traces["v"][k])
        np.testing.assert_array_equal(s.i, current[:, k])
        assert s.dt == pytest.approx(1e-4, rel=1e-12)


def test_to_nwb_bad_input(stepped, tmp_path):
    rec, current = stepped
    with pytest.raises(ValueError, match=r"stimulus has shape \(10,\); expected \(600,\)"):
        rec.to_nwb(tmp_path / "bad.nwb", stimulus=np.zeros(10) * amp)
    with pytest.raises(TypeError, match="parameter 'stimulus'"):
        rec.to_nwb(tmp_path / "bad.nwb", stimulus=current)
    assert not list(tmp_path.iterdir())


def test_protocol_result_to_nwb(tmp_path):
    from neurolab_snn.experiment import run_protocol
    from neurolab_snn.experiment.nwb_export import protocol_to_nwb
    from neurolab_snn.experiment.result import ProtocolResult
    from neurolab_snn.fitting.io import read_sweeps

    model = LIF()
    res = run_protocol("step-response", model=model, amplitudes=[0.1, 0.3] * nA,
                       backend="numpy", quick=True, seed=2)
    path = protocol_to_nwb(res, tmp_path / "step.nwb", model=model)
    sweeps = read_sweeps(path)
    for k, s in enumerate(sweeps):
        np.testing.assert_array_equal(s.v, res.data["v"][k])
        np.testing.assert_array_equal(s.i, res.data["current"][k])
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        meta = json.loads(io.read().notes)
    assert meta["protocol"] == "step-response" and meta["settings"]["seed"] == 2
    assert meta["numbers"]["spike_counts"] == res.numbers["spike_counts"]
    assert meta["model"]["threshold"] == "v > V_th"
    with pytest.raises(ValueError, match="holds no Recording"):
        protocol_to_nwb(ProtocolResult("x", {"a": 1}), tmp_path / "x.nwb")


def test_cli_protocol_run_nwb(tmp_path, capsys):
    from neurolab_snn.cli import main
    from neurolab_snn.fitting.io import read_sweeps

    assert main(["protocol", "run", "step-response", "--model", "LIF", "--backend", "numpy",
                 "--quick", "--nwb", "--out", str(tmp_path)]) == 0
    assert f"wrote {tmp_path / 'step_response.nwb'}" in capsys.readouterr().out
    data = json.loads((tmp_path / "step_response.json").read_text())
    sweeps = read_sweeps(tmp_path / "step_response.nwb")
    assert len(sweeps) == len(data["data"]["amplitudes"])
    np.testing.assert_array_equal(sweeps[-1].v, data["data"]["v"][-1])
    with pynwb.NWBHDF5IO(str(tmp_path / "step_response.nwb"), "r") as io:
        meta = json.loads(io.read().notes)
    assert meta["model"]["name"] == "LIF" and meta["backend"] == "numpy"
