"""cpp_standalone f-I sweeps compile once per worker and re-run the binary with run_args."""
import numpy as np
import pytest

from neurolab_snn.experiment import run_protocol
from neurolab_snn.models import LIF
from neurolab_snn.sweep.compiled import runtime_parameters
from neurolab_snn.sweep.jobs import get_job, spike_digest
from neurolab_snn.sweep.worker import WorkerContext
from neurolab_snn.units import mV, ms


def test_runtime_parameters_exclude_those_in_initial_values():
    # LIF starts at v = E_L: E_L is compiled in (run_args apply after the initialisation)
    assert runtime_parameters(LIF(), ["tau_m", "E_L", "R_m", "nope"]) == ["tau_m", "R_m"]


@pytest.mark.standalone
@pytest.mark.slow
def test_compiled_sweep_compiles_once_and_equals_the_protocol(tmp_path):
    context = WorkerContext("test", tmp_path)
    job = get_job("fi-curve")
    try:
        results = [job.function({"model": "LIF", "tau_m": tau * ms, "V_th": -52 * mV,
                                 "backend": "cpp_standalone", "quick": True}, 0, context)
                   for tau in (10, 15, 20)]
        assert context.compilations == 1
        reference = run_protocol("fi-curve", model=LIF(tau_m=20 * ms, V_th=-52 * mV),
                                 backend="cpp_standalone", quick=True)
        # the third point ran the binary compiled for the first, with new values: same spikes
        assert results[2].spikes_sha256 == spike_digest(reference.recording)[0]
        np.testing.assert_array_equal(results[2].arrays["steady_rate"],
                                      reference.data["steady_rate"])
        rates = [r.numbers["max_rate_Hz"] for r in results]
        assert rates[0] > rates[1] > rates[2]
    finally:
        context.close()
    assert not context.standalone_dir.exists()
