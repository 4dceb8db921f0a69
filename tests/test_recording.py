"""Recording: spike-train helpers, unit strings and an atomic save/load round trip."""
import numpy as np
import pytest

from neurolab_snn.files import atomic_path
from neurolab_snn.models import LIF
from neurolab_snn.recording import Recording
from neurolab_snn.sim import simulate
from neurolab_snn.units import mV, ms, nA


def test_round_trip(tmp_path):
    rec = simulate(LIF(), 100 * ms, n=3, I_ext=[0.1, 0.3, 0.6] * nA, record=("v",), seed=7)
    path = rec.save(tmp_path / "rec.npz")
    back = Recording.load(path)
    assert back.seed == 7 and back.backend == "runtime" and back.dt == pytest.approx(1e-4)
    np.testing.assert_array_equal(back.spike_times, rec.spike_times)
    np.testing.assert_array_equal(back.main.traces["v"], rec.main.traces["v"])
    assert back.main.trace_units["v"] == "V"
    assert float(back.trace("v")[0, 0] / mV) == pytest.approx(-70.0)
    trains = back.main.spike_trains()
    assert [len(t) for t in trains] == back.main.spike_counts().tolist()
    assert len(trains[0]) == 0 and len(trains[2]) > len(trains[1]) > 0


def test_unreadable_file(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a recording")
    with pytest.raises(ValueError, match="bad.npz.*unreadable"):
        Recording.load(bad)


def test_missing_trace_and_population():
    rec = simulate(LIF(), 10 * ms, record=("v",))
    with pytest.raises(KeyError, match="trace 'g_e' was not recorded"):
        rec.trace("g_e")
    with pytest.raises(KeyError, match="population 'E'"):
        rec["E"]


def test_atomic_path_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert not target.exists() and list(tmp_path.iterdir()) == []
