"""Sweeps on a LocalCluster (2 worker processes, 1 thread each) against serial runs.

Points are cheap f-I curves on Brian2's numpy backend (quick mode: 12 levels,
250 ms), a point that raises (tau_m below dt), a GIF with escape noise (its
spikes depend on the seed), and two tiny jobs defined here: one whose worker
dies, one that compiles Cython code on both workers at the same time.
"""
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cloudpickle
import numpy as np
import pandas as pd
import pytest

from neurolab_snn.sweep import Job, PointResult, comparable, read_table, sweep
from neurolab_snn.units import ms

ROOT = Path(__file__).resolve().parents[2]
FIXED = {"backend": "numpy", "quick": True}
GRID = [{"model": "LIF", "tau_m": 20 * ms, **FIXED}, {"model": "LIF", "tau_m": 0.05 * ms, **FIXED},
        {"model": "GIF", **FIXED}]
SEEDS = (0, 1)

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the jobs below, on the workers


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("brian_cache")


@pytest.fixture(scope="module")
def reference(tmp_path_factory, cache):
    """The grid run serially, in this process."""
    out = tmp_path_factory.mktemp("serial")
    return sweep("fi-curve", GRID, seeds=SEEDS, out=out, client="serial", progress=False,
                 cache_dir=cache)


def test_cluster_table_equals_serial(reference, client, cache, tmp_path):
    table = sweep("fi-curve", GRID, seeds=SEEDS, out=tmp_path, client=client, progress=False,
                  cache_dir=cache)
    pd.testing.assert_frame_equal(comparable(table), comparable(reference))
    assert len(table) == 6
    # the failed point is a row with its message; the others finished
    failed = table[table["status"] == "failed"]
    assert list(failed["point"]) == [1, 1]
    assert failed["error"].str.contains(r"ValueError: dt=.* is not smaller than the time "
                                        r"constant tau_m").all()
    ok = table[table["status"] == "ok"]
    assert len(ok) == 4 and ok["spikes_sha256"].str.len().eq(64).all()
    lif = ok[ok["model"] == "LIF"]
    gif = ok[ok["model"] == "GIF"]
    # LIF is deterministic: both seeds give the same spikes; GIF's escape noise does not
    assert lif.groupby("point")["spikes_sha256"].nunique().eq(1).all()
    assert gif["spikes_sha256"].nunique() == 2
    # the LIF rheobase is the first of the levels k/11 nA above (V_th - E_L)/R_m = 0.2 nA
    np.testing.assert_allclose(lif["rheobase_nA"], 3 / 11, rtol=1e-12)
    assert table.attrs["units"]["tau_m"] == "s"
    assert read_table(tmp_path).attrs["units"]["steady_rate"] == "Hz"


_KILLED_RUN = """
import sys, time
from neurolab_snn.sweep import Job, get_job, sweep
sys.path.insert(0, {tests!r})
from test_sweep_cluster import GRID, SEEDS
job = get_job("fi-curve")

def slow(point, seed, context):
    time.sleep(0.3)
    return job.function(point, seed, context)

sweep(Job(job.name, slow, job.parameters), GRID, seeds=SEEDS, out={out!r}, client="serial",
      progress=False, cache_dir={cache!r})
"""


def test_killed_sweep_resumes_to_the_same_table(reference, client, cache, tmp_path):
    out = tmp_path / "killed"
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(_KILLED_RUN.format(
        tests=str(Path(__file__).parent), out=str(out), cache=str(cache))))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if len(list((out / "points").glob("*.json"))) >= 2:
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    finished = len(list((out / "points").glob("*.json")))
    assert 2 <= finished < 6 and not (out / "table.parquet").exists()
    import json
    ok_before = sum(json.loads(p.read_text())["status"] == "ok"
                    for p in (out / "points").glob("*.json"))
    table = sweep("fi-curve", GRID, seeds=SEEDS, out=out, client=client, progress=False,
                  cache_dir=cache)
    pd.testing.assert_frame_equal(comparable(table), comparable(reference))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run_now"] == 6 - ok_before
    assert manifest["n_ok"] == 4 and manifest["n_failed"] == 2
    assert manifest["versions"]["brian2"] and len(manifest["points"]) == 6
    # a second rerun runs only the two failed points again
    sweep("fi-curve", GRID, seeds=SEEDS, out=out, client="serial", progress=False,
          cache_dir=cache)
    assert json.loads((out / "manifest.json").read_text())["run_now"] == 2


def _exit_on_one(point, seed, context):
    if point["x"] == 1:
        os._exit(3)
    return PointResult({"x_squared": point["x"] ** 2})


def test_dead_worker_is_a_failed_row(client, cache, tmp_path):
    job = Job("exit-on-one", _exit_on_one, lambda point: {"x": int})
    table = sweep(job, {"x": [0, 1, 2]}, out=tmp_path, client=client, progress=False,
                  cache_dir=cache)
    assert list(table["status"]) == ["ok", "failed", "ok"]
    assert list(table["x_squared"].iloc[[0, 2]]) == [0, 4]
    assert "KilledWorker" in table["error"].iloc[1]
    client.wait_for_workers(2, timeout=60)


def _decay(point, seed, context):
    """dv/dt = -v/tau compiled with Cython (one code object), from v = 1 for 10 ms."""
    from brian2 import Network, NeuronGroup, prefs
    from neurolab_snn.sim.devices import scoped_prefs

    with scoped_prefs(codegen__target="cython"):
        group = NeuronGroup(1, "dv/dt = -v/tau : 1", method="exact",
                            namespace={"tau": point["tau"]}, dt=0.1 * ms)
        group.v = 1
        net = Network(group)
        net.run(10 * ms, namespace={})
    cache_dir = prefs["codegen.runtime.cython.cache_dir"]
    compiled = sorted(p.name for p in Path(cache_dir).glob("*.so"))
    return PointResult({"v_end": float(group.v[0]), "cache_dir": cache_dir,
                        "n_modules": len(compiled), "module": compiled[0] if compiled else ""})


def test_two_workers_compile_into_their_own_caches(client, tmp_path):
    from brian2 import prefs

    before = prefs["codegen.runtime.cython.cache_dir"]
    job = Job("decay", _decay, lambda point: {"tau": ms})
    table = sweep(job, {"tau": [10 * ms, 20 * ms]}, out=tmp_path / "out", client=client,
                  progress=False, cache_dir=tmp_path / "cache")
    assert list(table["status"]) == ["ok", "ok"], list(table["error"])
    np.testing.assert_allclose(table["v_end"], np.exp(-np.array([1.0, 0.5])), rtol=1e-12)
    # each worker compiled the same module into its own folder, under the sweep's cache root
    assert table["worker"].nunique() == 2
    assert table["cache_dir"].nunique() == 2
    assert all(Path(d).parent.parent == tmp_path / "cache" for d in table["cache_dir"])
    assert table["module"].nunique() == 1 and table["n_modules"].ge(1).all()
    assert prefs["codegen.runtime.cython.cache_dir"] == before
