"""GPU backends: brian2cuda ('cuda') and brian2genn ('genn') against cpp_standalone.

Three groups of tests:

* clear errors (run everywhere): every missing piece (Python version,
  brian2cuda, nvcc, cuRAND, GPU, GENN_PATH, GeNN version, brian2) gives one line
  that names it and the fix; scoped device/preference/clock changes are undone;
* cuda: compile-only (where nvcc and brian2cuda are present, e.g. the
  Python 3.12 environment of ``make cuda-env``) and a ``gpu``-marked
  consistency test against cpp_standalone (identical spikes for deterministic
  input, the same statistics for Poisson input);
* genn (``genn``-marked; where GENN_PATH and brian2genn are importable, i.e.
  the environment of ``make genn-env``): GeNN's CPU mode gives identical spikes
  to cpp_standalone for an LIF network with STDP and for COBAHH, and rejects
  what brian2genn cannot do with one line.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import brian2
import numpy as np
import pytest
from brian2 import (Network, NeuronGroup, PoissonGroup, SpikeGeneratorGroup, SpikeMonitor,
                    Synapses, defaultclock, prefs)
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice
from brian2.devices.device import get_device

from benchmarks.gpu_networks import COBAHH
from neurolab_snn.built_network import BuiltNetwork
from neurolab_snn.models import LIF
from neurolab_snn.sim import CurrentInput, SinglePopulation, StandaloneSimulation, simulate
from neurolab_snn.sim import cuda as cuda_mod
from neurolab_snn.sim import genn as genn_mod
from neurolab_snn.sim import standalone as standalone_mod
from neurolab_snn.sim.devices import (BackendUnavailable, BackendUnsupported, active_device,
                                      check_backend, single_clock)
from neurolab_snn.units import Hz, mV, ms, nA, nS

CURRENTS = np.linspace(0.1, 1.0, 8) * nA


def _reason(check, **kwargs):
    try:
        check(**kwargs)
    except BackendUnavailable as err:
        return str(err)
    return None


CUDA_COMPILE_SKIP = _reason(cuda_mod.check_cuda, require_gpu=False, compute_capability=9.0)
CUDA_GPU_SKIP = _reason(cuda_mod.check_cuda, require_gpu=True)
GENN_SKIP = _reason(genn_mod.check_genn, use_gpu=False)


def _one_line(err) -> str:
    text = str(err.value)
    assert "\n" not in text and len(text) < 400
    return text


# -- clear errors, everywhere --------------------------------------------------------------
def test_backend_table_and_unknown_backend():
    with pytest.raises(ValueError, match="expected one of .*'cuda'.*'genn'"):
        check_backend("tpu")
    with pytest.raises(BackendUnsupported, match="'genn' is not supported here"):
        check_backend("genn", supported=("runtime", "cpp_standalone"))


def _env(**changes):
    base = dict(nvcc="/opt/cuda/bin/nvcc", cuda_version=(13, 0),
                architectures=(7.5, 8.0, 8.6, 9.0, 10.0, 12.0), curand_include="/inc",
                curand_library="/lib/libcurand.so.10", gpus=(("NVIDIA H100", 9.0),),
                brian2cuda="1.0b1")
    base.update(changes)
    return cuda_mod.CudaEnvironment(**base)


@pytest.mark.parametrize("changes, kwargs, expected", [
    (dict(brian2cuda=None), {}, r"brian2cuda 1\.0b1.*pip install 'neurolab_snn\[cuda\]'"),
    (dict(nvcc=None), {}, r"needs nvcc .*install the CUDA toolkit or set CUDA_PATH"),
    (dict(curand_include=None, curand_library=None), {}, r"cuRAND.*pip install nvidia-curand"),
    (dict(gpus=()), {}, r"needs an NVIDIA GPU to run.*compile_only=True"),
    (dict(gpus=()), dict(require_gpu=False), r"needs the target compute capability"),
    ({}, dict(compute_capability=5.0), r"cannot compile for compute capability 5\.0"),
], ids=["no-brian2cuda", "no-nvcc", "no-curand", "no-gpu", "no-capability", "old-gpu"])
def test_cuda_errors_name_the_missing_piece(monkeypatch, changes, kwargs, expected):
    monkeypatch.setattr(cuda_mod, "MIN_PYTHON", (3, 0))
    monkeypatch.setattr(cuda_mod, "BRIAN2_VERSION", brian2.__version__)
    with pytest.raises(BackendUnavailable) as err:
        cuda_mod.check_cuda(environment=_env(**changes), **kwargs)
    assert len(re.findall(expected, _one_line(err))) == 1


def test_cuda_environment_checks_pass_with_everything_present(monkeypatch):
    monkeypatch.setattr(cuda_mod, "MIN_PYTHON", (3, 0))
    monkeypatch.setattr(cuda_mod, "BRIAN2_VERSION", brian2.__version__)
    env = _env()
    assert cuda_mod.check_cuda(environment=env) is env
    assert cuda_mod.check_cuda(environment=_env(gpus=()), require_gpu=False,
                               compute_capability=9.0) is not None


def test_cuda_error_names_python_and_brian2_versions(monkeypatch):
    monkeypatch.setattr(cuda_mod, "MIN_PYTHON", (99, 0))
    with pytest.raises(BackendUnavailable) as err:
        cuda_mod.check_cuda(environment=_env())
    assert "Python >= 3.12" in _one_line(err) and "make cuda-env" in str(err.value)
    monkeypatch.setattr(cuda_mod, "MIN_PYTHON", (3, 0))
    monkeypatch.setattr(cuda_mod, "BRIAN2_VERSION", "0.0.0")
    with pytest.raises(BackendUnavailable) as err:
        cuda_mod.check_cuda(environment=_env())
    assert f"found {brian2.__version__}: pip install brian2==0.0.0" in _one_line(err)


def _genn_tree(root, version="4.9.0"):
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "genn-buildmodel.sh").write_text("#!/bin/sh\n")
    (root / "version.txt").write_text(version + "\n")
    return str(root)


def test_genn_errors_name_the_missing_piece(monkeypatch, tmp_path):
    monkeypatch.setattr(brian2, "__version__", "2.9.0")
    with pytest.raises(BackendUnavailable) as err:
        genn_mod.check_genn()
    assert "brian2 < 2.6 (this is brian2 2.9.0)" in _one_line(err)
    assert "make genn-env GENN_PATH=" in str(err.value)
    monkeypatch.setattr(brian2, "__version__", "2.5.4")
    monkeypatch.setattr(genn_mod, "_brian2genn_version", lambda: None)
    with pytest.raises(BackendUnavailable) as err:
        genn_mod.check_genn()
    assert "brian2genn 1.7.0, which is not installed" in _one_line(err)
    monkeypatch.setattr(genn_mod, "_brian2genn_version", lambda: "1.7.0")
    monkeypatch.delenv("GENN_PATH", raising=False)
    with pytest.raises(BackendUnavailable) as err:
        genn_mod.check_genn()
    assert "needs GENN_PATH" in _one_line(err) and "git clone --branch 4.9.0" in str(err.value)
    monkeypatch.setenv("GENN_PATH", str(tmp_path / "nowhere"))
    with pytest.raises(BackendUnavailable) as err:
        genn_mod.check_genn()
    assert "has no bin/genn-buildmodel.sh" in _one_line(err)
    monkeypatch.setenv("GENN_PATH", _genn_tree(tmp_path / "genn5", "5.1.0"))
    with pytest.raises(BackendUnavailable) as err:
        genn_mod.check_genn()
    assert "holds GeNN 5.1.0" in _one_line(err) and "needs GeNN 4.8 or 4.9" in str(err.value)
    tree = _genn_tree(tmp_path / "genn49")
    monkeypatch.setenv("GENN_PATH", tree)
    assert genn_mod.check_genn() == tree
    monkeypatch.setattr("neurolab_snn.sim.cuda.detect_gpus", lambda: ())
    monkeypatch.setattr("neurolab_snn.sim.cuda.find_nvcc", lambda: "/usr/bin/nvcc")
    monkeypatch.setattr("neurolab_snn.sim.cuda.cuda_version", lambda nvcc: (13, 0))
    with pytest.raises(BackendUnavailable) as err:
        genn_mod.check_genn(use_gpu=True)
    assert "does not build with CUDA 13.0" in _one_line(err) and "CUDA 12.x" in str(err.value)
    monkeypatch.setattr("neurolab_snn.sim.cuda.cuda_version", lambda nvcc: (12, 4))
    with pytest.raises(BackendUnavailable) as err:
        genn_mod.check_genn(use_gpu=True)
    assert "nvidia-smi lists none: use GeNN's CPU mode (use_gpu=False)" in _one_line(err)


@pytest.mark.skipif(CUDA_GPU_SKIP is None, reason="cuda can run here")
def test_simulate_cuda_fails_in_one_line_before_compiling():
    with pytest.raises(BackendUnavailable) as err:
        simulate(LIF(), 10 * ms, I_ext=1 * nA, backend="cuda")
    assert _one_line(err) == CUDA_GPU_SKIP


@pytest.mark.skipif(GENN_SKIP is None, reason="genn can run here")
def test_simulate_genn_fails_in_one_line_before_compiling():
    with pytest.raises(BackendUnavailable) as err:
        simulate(LIF(), 10 * ms, I_ext=1 * nA, backend="genn")
    assert _one_line(err) == GENN_SKIP


def test_rerun_with_values_needs_run_args(monkeypatch):
    """Brian2 without run_args (2.5.4, the GeNN environment): a clear error, no crash."""
    monkeypatch.setattr(standalone_mod, "RUN_ARGS_SUPPORTED", False)
    sim = object.__new__(StandaloneSimulation)
    with pytest.raises(BackendUnsupported) as err:
        sim._run_binary([("group.I_ext", 1)])
    assert "run_args needs brian2 >= 2.7" in _one_line(err)


def test_patch_makefile_uses_cxx17_and_wheel_curand(tmp_path):
    (tmp_path / "makefile").write_text(
        "NVCC = @/usr/local/bin/nvcc -ccbin $(CXX)\n"
        "NVCCFLAGS = -I. -std=c++11 -arch=sm_90 -w -Xcompiler \"-O3 -std=c++11\"\n"
        "LFLAGS = -lcurand -I. -arch=sm_90 \n")
    lib = tmp_path / "wheel" / "lib"
    lib.mkdir(parents=True)
    (lib / "libcurand.so.10").write_bytes(b"")
    text = cuda_mod.patch_makefile(str(tmp_path), "/wheel/include", str(lib / "libcurand.so.10"))
    assert "c++11" not in text and text.count("-std=c++17") == 2
    assert "NVCCFLAGS = -I. -I/wheel/include -std=c++17" in text
    assert f"-L{tmp_path}/curand_link -Xlinker -rpath,{lib}" in text
    assert os.readlink(tmp_path / "curand_link" / "libcurand.so") == str(lib / "libcurand.so.10")
    assert cuda_mod._std_flag(["-O3", "-std=c++11", "-w"]) == ["-O3", "-w", "-std=c++17"]


class _PrefChangingDevice(CPPStandaloneDevice):
    def activate(self, *args, **kwargs):
        prefs["codegen.loop_invariant_optimisations"] = False
        super().activate(*args, **kwargs)


def test_scoped_device_clock_and_prefs_are_restored():
    """What brian2genn changes on activation and the one-clock shim are undone on exit."""
    before_device, before_dt = get_device(), defaultclock.dt
    before = prefs["codegen.loop_invariant_optimisations"]
    with active_device(_PrefChangingDevice()):
        assert prefs["codegen.loop_invariant_optimisations"] is False
    assert prefs["codegen.loop_invariant_optimisations"] == before
    assert get_device() is before_device
    init = brian2.core.base.BrianObject.__init__
    with single_clock(0.05 * ms):
        group = NeuronGroup(1, "v : 1", dt=0.05 * ms)
        other = NeuronGroup(1, "v : 1", dt=0.2 * ms)
        assert group.clock.name == "defaultclock" and other.clock.name != "defaultclock"
        assert float(defaultclock.dt) == pytest.approx(5e-5)
    assert brian2.core.base.BrianObject.__init__ is init
    assert defaultclock.dt == before_dt


# -- cuda -----------------------------------------------------------------------------------
@pytest.mark.standalone
@pytest.mark.slow
@pytest.mark.skipif(CUDA_COMPILE_SKIP is not None, reason=f"cuda compile-only: "
                                                           f"{CUDA_COMPILE_SKIP}")
@pytest.mark.parametrize("factory", [
    SinglePopulation(LIF(), n=len(CURRENTS), I_ext=CURRENTS, record=("v",)),
    COBAHH(scale=0.05, synapses_per_neuron=20)], ids=["LIF", "COBAHH"])
def test_cuda_generates_and_compiles_without_gpu(factory, tmp_path):
    """nvcc (CUDA 13: -std=c++17), cuRAND from the wheel, compute capability 9.0 given."""
    sim = cuda_mod.CudaSimulation(factory, 50 * ms, compile_only=True, compute_capability=9.0,
                                  directory=str(tmp_path / "cuda"))
    assert sim.compilations == 1 and sim.timings["compile_s"] > 0
    assert os.access(tmp_path / "cuda" / "main", os.X_OK)
    makefile = (tmp_path / "cuda" / "makefile").read_text()
    assert "-arch=sm_90" in makefile and "-std=c++11" not in makefile
    with pytest.raises(BackendUnavailable, match="compile_only=True"):
        sim.run()


@dataclass(frozen=True)
class _PoissonDrive:
    """LIF neurons driven by Poisson inputs (random: compare statistics, not spikes)."""

    n_in: int = 400
    n: int = 200

    def build_network(self, dt):
        source = PoissonGroup(self.n_in, rates=20 * Hz, dt=dt, name="poisson")
        group = LIF().build_group(self.n, name="lif", dt=dt)
        syn = Synapses(source, group, on_pre="v_post += 1.5*mV", dt=dt, name="drive")
        syn.connect(j="k for k in sample(N_post, p=0.25)")
        mons = {"poisson": SpikeMonitor(source, name="poisson_spikes"),
                "lif": SpikeMonitor(group, name="lif_spikes")}
        return BuiltNetwork(Network(source, group, syn, *mons.values()),
                            {"poisson": (mons["poisson"], self.n_in),
                             "lif": (mons["lif"], self.n)}, {})


def _time_ordered(rec) -> np.ndarray:
    """(time step, neuron) pairs of every spike, sorted by time, then neuron index."""
    steps = np.round(rec.spike_times / 1e-4).astype(np.int64)
    order = np.lexsort((rec.spike_indices, steps))
    return np.stack([steps[order], rec.spike_indices[order]])


@pytest.mark.gpu
@pytest.mark.standalone
@pytest.mark.slow
@pytest.mark.skipif(CUDA_GPU_SKIP is not None, reason=f"cuda on a GPU: {CUDA_GPU_SKIP}")
def test_cuda_matches_cpp_standalone():
    """Deterministic input: identical spikes; Poisson input: the same rates (5 sigma)."""
    exact = {"devices.cuda_standalone.cuda_backend.extra_compile_args_nvcc":
             ["-w", "--fmad=false", "-prec-div=true", "-prec-sqrt=true"]}
    for factory in (SinglePopulation(LIF(), n=len(CURRENTS), I_ext=CURRENTS, record=()),
                    COBAHH(scale=0.1, init="host", synapses_per_neuron=80)):
        with StandaloneSimulation(factory, 300 * ms) as sim:
            ref = sim.run()
        with cuda_mod.CudaSimulation(factory, 300 * ms, prefs=exact) as sim:
            got = sim.run()
        assert ref.spike_times.size > 20 and got.backend == "cuda"
        # the GPU records the spikes of one time step in no fixed order: compare (t, i) sorted
        np.testing.assert_array_equal(_time_ordered(got), _time_ordered(ref))
    with StandaloneSimulation(_PoissonDrive(), 1000 * ms, seed=1) as sim:
        ref = sim.run()
    with cuda_mod.CudaSimulation(_PoissonDrive(), 1000 * ms, seed=1) as sim:
        got = sim.run()
    for pop in ("poisson", "lif"):
        a = got.populations[pop].spike_counts().astype(float)
        b = ref.populations[pop].spike_counts().astype(float)
        assert b.mean() > 1
        sigma = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) < 5 * sigma, pop


# -- genn -------------------------------------------------------------------------------------
_STDP = dict(tau_plus=20 * ms, tau_minus=20 * ms, A_plus=0.01, A_minus=0.0105, w_max=1.0,
             J=3 * mV)


@dataclass(frozen=True)
class _LIFSTDP:
    """Regular input trains -> pair-STDP synapses (Song et al. 2000) -> LIF neurons."""

    n_in: int = 40
    n: int = 10
    rate: float = 20.0

    def inputs(self, duration: float):
        period = 1.0 / self.rate
        k = np.arange(int(duration / period))
        idx = np.repeat(np.arange(self.n_in), k.size)
        phase = np.arange(self.n_in) * period / self.n_in
        times = np.round((np.repeat(phase, k.size) + np.tile(k * period, self.n_in)) / 1e-4)
        return idx, times * 1e-4

    def build_network(self, dt):
        idx, times = self.inputs(1.0)
        source = SpikeGeneratorGroup(self.n_in, idx, times * brian2.second, dt=dt, name="input")
        group = LIF().build_group(self.n, name="lif", dt=dt)
        group.I_ext = np.linspace(0.1, 0.18, self.n) * nA
        syn = Synapses(source, group, """w_syn : 1
            dApre/dt = -Apre/tau_plus : 1 (event-driven)
            dApost/dt = -Apost/tau_minus : 1 (event-driven)""",
                       on_pre="v_post += w_syn*J\nApre += 1\n"
                              "w_syn = clip(w_syn - A_minus*Apost, 0, w_max)",
                       on_post="Apost += 1\nw_syn = clip(w_syn + A_plus*Apre, 0, w_max)",
                       namespace=dict(_STDP), dt=dt, name="stdp")
        syn.connect(i=np.repeat(np.arange(self.n_in), self.n), j=np.tile(np.arange(self.n),
                                                                            self.n_in))
        syn.w_syn = np.random.default_rng(3).uniform(0.3, 0.7, self.n_in * self.n)
        mon = SpikeMonitor(group, name="lif_spikes")
        return BuiltNetwork(Network(source, group, syn, mon), {"lif": (mon, self.n)}, {},
                            {"stdp": syn, "group": group})


@dataclass(frozen=True)
class _HeterogeneousDelays:
    def build_network(self, dt):
        source = SpikeGeneratorGroup(2, [0, 1], [1, 2] * ms, dt=dt, name="input")
        group = LIF().build_group(2, name="lif", dt=dt)
        syn = Synapses(source, group, on_pre="v_post += 1*mV", dt=dt, name="delayed")
        syn.connect(j="i")
        syn.delay = [1, 2] * ms
        mon = SpikeMonitor(group, name="lif_spikes")
        return BuiltNetwork(Network(source, group, syn, mon), {"lif": (mon, 2)}, {})


def _genn_and_reference(factory, duration):
    with StandaloneSimulation(factory, duration, prefs=genn_mod.GENN_REFERENCE_PREFS) as sim:
        ref, ref_built = sim.run(), sim.built
        ref_w = np.array(ref_built.handles["stdp"].w_syn[:]) if "stdp" in ref_built.handles \
            else None
    sim = genn_mod.GeNNSimulation(factory, duration, use_gpu=False)
    got = sim.run()
    got_w = np.array(sim.built.handles["stdp"].w_syn[:]) if ref_w is not None else None
    return sim, ref, got, ref_w, got_w


@pytest.mark.genn
@pytest.mark.standalone
@pytest.mark.slow
@pytest.mark.skipif(GENN_SKIP is not None, reason=f"genn: {GENN_SKIP}")
def test_genn_cpu_lif_stdp_identical_to_cpp_standalone():
    sim, ref, got, ref_w, got_w = _genn_and_reference(_LIFSTDP(), 1000 * ms)
    with sim:
        assert ref.spike_times.size > 50 and got.backend == "genn" and got.seed is None
        np.testing.assert_array_equal(got.spike_indices, ref.spike_indices)
        np.testing.assert_array_equal(got.spike_times, ref.spike_times)
        # the event-driven traces are evaluated with GeNN's own t: equal to rounding
        np.testing.assert_allclose(got_w, ref_w, rtol=1e-12, atol=0)
        assert np.abs(got_w - np.random.default_rng(3).uniform(0.3, 0.7, got_w.size)).max() \
            > 0.05
        with pytest.raises(BackendUnsupported) as err:
            sim.run({"group.I_ext": np.zeros(10) * nA})
        assert "cannot re-run a compiled network with new values" in _one_line(err)


@pytest.mark.genn
@pytest.mark.standalone
@pytest.mark.slow
@pytest.mark.skipif(GENN_SKIP is not None, reason=f"genn: {GENN_SKIP}")
def test_genn_cpu_cobahh_identical_to_cpp_standalone():
    factory = COBAHH(scale=0.1, init="host", w_e=6 * nS, w_i=67 * nS, synapses_per_neuron=80)
    sim, ref, got, _, _ = _genn_and_reference(factory, 300 * ms)
    with sim:
        assert ref.spike_times.size > 1000
        np.testing.assert_array_equal(got.spike_indices, ref.spike_indices)
        np.testing.assert_array_equal(got.spike_times, ref.spike_times)


@pytest.mark.genn
@pytest.mark.standalone
@pytest.mark.slow
@pytest.mark.skipif(GENN_SKIP is not None, reason=f"genn: {GENN_SKIP}")
def test_genn_simulate_with_time_varying_input_matches_cpp_standalone():
    """simulate(backend='genn'): a TimedArray current via run_regularly (renamed for GeNN)."""
    ramp = np.linspace(0, 1, 2000)[:, None] * np.array([0.6, 0.8, 1.0, 1.2])[None, :] * nA
    current = CurrentInput(ramp, 0.1 * ms)
    got = simulate(LIF(), 200 * ms, n=4, I_ext=current, record=("v",), backend="genn")
    ref = simulate(LIF(), 200 * ms, n=4, I_ext=current, record=("v",),
                   backend="cpp_standalone")
    assert ref.spike_times.size > 20 and got.seed is None
    np.testing.assert_array_equal(got.spike_indices, ref.spike_indices)
    np.testing.assert_array_equal(got.spike_times, ref.spike_times)
    np.testing.assert_allclose(got.main.traces["v"], ref.main.traces["v"], rtol=1e-12,
                               atol=1e-15)


@pytest.mark.genn
@pytest.mark.skipif(GENN_SKIP is not None, reason=f"genn: {GENN_SKIP}")
def test_genn_rejects_heterogeneous_delays_in_one_line():
    with pytest.raises(BackendUnsupported) as err:
        genn_mod.GeNNSimulation(_HeterogeneousDelays(), 10 * ms, use_gpu=False)
    assert "heterogeneous delays are not supported" in _one_line(err)
    assert "Use backend 'cpp_standalone' or 'cuda'" in str(err.value)
