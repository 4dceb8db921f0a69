"""Backends: runtime vs cpp_standalone, one compilation for many runs, scoped devices, seeds."""
import subprocess
import sys

import numpy as np
import pytest
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
from brian2.devices.device import get_device, runtime_device

from neurolab_snn.models import GIF, HH, LIF
from neurolab_snn.sim import SinglePopulation, StandaloneSimulation, scoped_prefs, simulate
from neurolab_snn.sim.standalone import RUN_ARGS_SUPPORTED
from neurolab_snn.units import ms, nA

CURRENTS = np.linspace(0.1, 1.0, 8) * nA


@pytest.mark.standalone
@pytest.mark.parametrize("model", [LIF(), HH(variant="traub_miles")], ids=["LIF", "HH"])
def test_runtime_and_standalone_give_identical_spikes(model):
    """Deterministic input: the same spike trains (indices and times) on both backends."""
    a = simulate(model, 300 * ms, n=len(CURRENTS), I_ext=CURRENTS, record=(), seed=0)
    b = simulate(model, 300 * ms, n=len(CURRENTS), I_ext=CURRENTS, record=(), seed=0,
                 backend="cpp_standalone")
    assert a.spike_times.size > 20
    np.testing.assert_array_equal(a.spike_indices, b.spike_indices)
    np.testing.assert_array_equal(a.spike_times, b.spike_times)


class _ModelMadeWhileBuilding:
    """A factory that makes its model inside build_network (under the standalone device)."""

    def build_network(self, dt):
        import gc
        model = LIF().with_parameters(tau_m=15 * ms)   # a new NeuronModel: checks its units
        gc.collect()                                    # the check's group is gone for sure
        return SinglePopulation(model, n=len(CURRENTS), I_ext=CURRENTS,
                                record=()).build_network(dt)


@pytest.mark.standalone
def test_model_made_during_a_standalone_build_leaves_nothing_in_the_project():
    """The unit check of a NeuronModel runs on the runtime device, whatever device is active."""
    with StandaloneSimulation(_ModelMadeWhileBuilding(), 100 * ms) as sim:
        got = sim.run()
        names = {var.owner.name for var in sim.device.arrays}
    ref = simulate(LIF().with_parameters(tau_m=15 * ms), 100 * ms, n=len(CURRENTS),
                   I_ext=CURRENTS, record=())
    assert not any(name.startswith("neurongroup") for name in names)
    np.testing.assert_array_equal(got.spike_times, ref.spike_times)
    assert ref.spike_times.size > 10


@pytest.mark.standalone
@pytest.mark.skipif(not RUN_ARGS_SUPPORTED, reason="brian2 < 2.7 has no run_args (GeNN env)")
def test_one_compilation_serves_every_rerun(monkeypatch):
    """run_args: three runs with new currents, one compilation (counted at the compiler call)."""
    calls = []
    original = CPPStandaloneDevice.compile_source
    monkeypatch.setattr(CPPStandaloneDevice, "compile_source",
                        lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    with StandaloneSimulation(SinglePopulation(LIF(), n=len(CURRENTS), I_ext=CURRENTS,
                                               record=()), 200 * ms) as sim:
        counts = [sim.run({"group.I_ext": CURRENTS * scale}).main.spike_counts()
                  for scale in (1.0, 1.5, 2.0)]
        assert sim.compilations == 1 and sim.runs == 3
    assert len(calls) == 1
    assert np.all(counts[1] >= counts[0]) and np.all(counts[2] >= counts[1])
    assert counts[2].sum() > counts[0].sum()
    # the re-run with new currents equals a runtime run with those currents
    ref = simulate(LIF(), 200 * ms, n=len(CURRENTS), I_ext=CURRENTS * 2.0, record=())
    np.testing.assert_array_equal(counts[2], ref.main.spike_counts())


_RUNTIME_ONLY = """
import numpy as np
from neurolab_snn.models import LIF
from neurolab_snn.sim import simulate
from neurolab_snn.units import ms, nA
r = simulate(LIF(), 200*ms, n=8, I_ext=np.linspace(0.1, 1.0, 8)*nA, record=("v",))
print(repr(float(r.main.traces["v"].sum())), r.spike_times.size)
"""


@pytest.mark.standalone
def test_standalone_then_runtime_equals_separate_processes():
    """Device state is scoped: runtime after cpp_standalone matches a fresh process."""
    simulate(LIF(), 50 * ms, n=2, I_ext=[0.5, 1] * nA, backend="cpp_standalone")
    assert get_device() is runtime_device
    r = simulate(LIF(), 200 * ms, n=8, I_ext=CURRENTS, record=("v",))
    out = subprocess.run([sys.executable, "-c", _RUNTIME_ONLY], capture_output=True, text=True,
                         check=True).stdout.split()
    assert float(out[0]) == float(r.main.traces["v"].sum())
    assert int(out[1]) == r.spike_times.size


def test_scoped_prefs_restore():
    from brian2 import prefs
    before = prefs["codegen.target"]
    with scoped_prefs(codegen__target="numpy"):
        assert prefs["codegen.target"] == "numpy"
    assert prefs["codegen.target"] == before


@pytest.mark.parametrize("backend", ["runtime", pytest.param("cpp_standalone",
                                                             marks=pytest.mark.standalone)])
def test_same_seed_same_spikes(backend):
    """GIF escape noise: equal seeds give equal spikes, different seeds different spikes."""
    model = GIF()
    run = lambda seed: simulate(model, 500 * ms, n=20, I_ext=0.3 * nA, record=(), seed=seed,
                                backend=backend)
    a, b, c = run(5), run(5), run(6)
    assert a.spike_times.size > 20
    np.testing.assert_array_equal(a.spike_times, b.spike_times)
    np.testing.assert_array_equal(a.spike_indices, b.spike_indices)
    assert a.spike_times.size != c.spike_times.size or not np.array_equal(a.spike_times,
                                                                          c.spike_times)


def test_numpy_backend_matches_runtime():
    """Forced numpy code generation gives the same LIF spikes as Cython."""
    a = simulate(LIF(), 200 * ms, n=len(CURRENTS), I_ext=CURRENTS, record=())
    b = simulate(LIF(), 200 * ms, n=len(CURRENTS), I_ext=CURRENTS, record=(), backend="numpy")
    np.testing.assert_array_equal(a.spike_times, b.spike_times)
    assert b.backend == "numpy"


def test_variable_parameters_are_per_neuron():
    """tau_m as a per-neuron variable: each neuron matches a homogeneous run with its value."""
    taus = np.array([5.0, 10.0, 20.0]) * ms
    rec = simulate(LIF(), 200 * ms, n=3, I_ext=0.5 * nA, record=(),
                   variable_parameters={"tau_m": taus})
    for k, tau in enumerate(taus):
        single = simulate(LIF(tau_m=tau), 200 * ms, I_ext=0.5 * nA, record=())
        np.testing.assert_array_equal(rec.main.spike_trains()[k], single.spike_times)
