"""Batch GIF fits: synthetic cells written as neo files, fitted on the LocalCluster."""
import neo
import numpy as np
import pytest
import quantities as pq

from neurolab_snn.cli import main
from neurolab_snn.fitting.synthetic import synthetic_recording
from neurolab_snn.models import GIF
from neurolab_snn.sweep import fit_gif_batch, read_cells
from neurolab_snn.units import Mohm, pF, second, to_si

TRUE_C = {"cell_a": 150 * pF, "cell_b": 250 * pF}


def _save(path, values, units, rate=1e4):
    block = neo.Block()
    seg = neo.Segment()
    seg.analogsignals.append(neo.AnalogSignal(np.asarray(values)[:, None], units=units,
                                              sampling_rate=rate * pq.Hz, name="ch"))
    block.segments.append(seg)
    neo.io.PickleIO(str(path)).write_block(block)
    return path.name


@pytest.fixture(scope="module")
def cells_csv(tmp_path_factory):
    """Two synthetic cells (different capacitances) and one whose 'training' sweep has no spike."""
    folder = tmp_path_factory.mktemp("cells")
    lines = ["cell,calibration_v,calibration_i,train_v,train_i,test_v,test_i,"
             "train_start,train_stop,test_start,test_stop"]
    for k, (cell, c_m) in enumerate(TRUE_C.items()):
        rec = synthetic_recording(GIF(C=c_m), n_sweeps=2, duration=4 * second,
                                  calibration_duration=2 * second, electrode_resistance=20 * Mohm,
                                  seed=k + 1, backend="numpy")
        cal = [_save(folder / f"{cell}_cal_v.pkl", rec.calibration.v * 1e3, pq.mV),
               _save(folder / f"{cell}_cal_i.pkl", rec.calibration.i * 1e12, pq.pA)]
        reps = [(_save(folder / f"{cell}_rep{j}_v.pkl", s.v * 1e3, pq.mV),
                 _save(folder / f"{cell}_rep{j}_i.pkl", s.i * 1e12, pq.pA))
                for j, s in enumerate(rec.sweeps)]
        v = ";".join(r[0] for r in reps)
        i = ";".join(r[1] for r in reps)
        lines.append(f"{cell},{cal[0]},{cal[1]},{v},{i},{v},{i},0s,3s,3s,4s")
        if k == 0:  # the calibration sweep (no spikes) as the training data of a third cell
            lines.append(f"no_spikes,,,{cal[0]},{cal[1]},{v},{i},0s,1s,3s,4s")
    path = folder / "cells.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.slow
def test_batch_fit_one_row_per_cell(cells_csv, client, tmp_path):
    table = fit_gif_batch(cells_csv, out=tmp_path, backend="numpy", client=client,
                          progress=False, seed=2)
    assert list(table["cell"]) == ["cell_a", "no_spikes", "cell_b"]
    assert list(table["status"]) == ["ok", "failed", "ok"]
    assert "spike" in table["error"].iloc[1]
    ok = table[table["status"] == "ok"]
    # parameter recovery on synthetic ground truth: C within 5 %, Md* of a good fit
    np.testing.assert_allclose(ok["C"], [to_si(TRUE_C["cell_a"]), to_si(TRUE_C["cell_b"])],
                               rtol=0.05)
    # Md* on two 1 s data repetitions is noisy; a rate-matched unrelated model scores ~0
    assert ok["md_star"].between(0.3, 1.0).all()
    assert table.attrs["units"]["C"] == "F" and table.attrs["units"]["md_star"] == "1"


@pytest.fixture
def dummy_csv(tmp_path):
    """A cells file whose recordings exist (as empty files: read_cells only checks them)."""
    for name in ("cal_v", "cal_i", "a_v", "a_i", "b_v", "b_i"):
        (tmp_path / f"{name}.pkl").write_bytes(b"")
    path = tmp_path / "cells.csv"
    path.write_text("cell,calibration_v,calibration_i,train_v,train_i,test_v,test_i,"
                    "train_start,train_stop,test_start,test_stop\n"
                    "cell_a,cal_v.pkl,cal_i.pkl,a_v.pkl,a_i.pkl,a_v.pkl;b_v.pkl,a_i.pkl;b_i.pkl,"
                    "0s,3s,3s,4s\n"
                    "no_spikes,,,cal_v.pkl,cal_i.pkl,a_v.pkl,a_i.pkl,,,3s,4s\n"
                    "cell_b,,,b_v.pkl,b_i.pkl,a_v.pkl;b_v.pkl,a_i.pkl;b_i.pkl,0s,3s,3s,4s\n")
    return path


def test_read_cells_checks_every_file_and_window(dummy_csv, tmp_path):
    cells_csv = dummy_csv
    points = read_cells(cells_csv)
    assert [p["cell"] for p in points] == ["cell_a", "no_spikes", "cell_b"]
    assert float(points[0]["train_stop"] / second) == 3.0
    text = cells_csv.read_text()
    bad = tmp_path / "bad.csv"
    assert points[0]["test_v"] == f"{tmp_path / 'a_v.pkl'};{tmp_path / 'b_v.pkl'}"
    assert "calibration_v" in points[1] and points[1]["calibration_v"] == ""
    assert "train_start" not in points[1]
    bad.write_text(text.replace("cell_b,,,b_v.pkl", "cell_b,,,missing_v.pkl", 1))
    with pytest.raises(FileNotFoundError, match=r"line 4 \(cell 'cell_b'\).*missing_v.pkl"):
        read_cells(bad)
    bad.write_text(text.replace("3s,4s", "3s,4mV", 1))
    with pytest.raises(ValueError, match=r"test_stop='4mV'; expected a time"):
        read_cells(bad)
    bad.write_text(text.replace("no_spikes", "cell_a"))
    with pytest.raises(ValueError, match="repeated"):
        read_cells(bad)
    bad.write_text(text.replace("a_v.pkl;b_v.pkl,a_i.pkl;b_i.pkl", "a_v.pkl;b_v.pkl,a_i.pkl", 1))
    with pytest.raises(ValueError, match=r"test_v lists 2 file\(s\) but test_i 1"):
        read_cells(bad)
    bad.write_text(text.replace(",,,3s,4s", ",0s,,3s,4s", 1))
    with pytest.raises(ValueError, match="train_start and train_stop go together"):
        read_cells(bad)


def test_cli_fit_gif_batch_bad_file_exits_2(tmp_path, capsys):
    assert main(["fit-gif-batch", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o"),
                 "--serial"]) == 2
    err = capsys.readouterr().err.strip()
    assert "none.csv" in err and "does not exist" in err and len(err.splitlines()) == 1
