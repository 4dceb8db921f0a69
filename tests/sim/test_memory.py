"""The recording-memory guard: estimate 2 x neurons x steps x variables x 8 bytes, refuse early."""
import numpy as np
import pytest

from neurolab_snn.models import LIF
from neurolab_snn.sim import simulate
from neurolab_snn.sim.memory import (RecordingTooLarge, available_memory_bytes,
                                     check_recording_memory, format_bytes, n_steps,
                                     recording_memory_bytes)
from neurolab_snn.units import ms, second


def test_estimate_is_the_float64_count_of_monitor_and_copy():
    assert recording_memory_bytes(1000, 20_000, 3) == 2 * 1000 * 20_000 * 3 * 8
    assert recording_memory_bytes(0, 10, 1) == 0
    assert n_steps(1 * second, 0.1 * ms) == 10_000
    assert format_bytes(1.6e14) == "160 TB" and format_bytes(512) == "512 B"


def test_available_memory_is_read_from_the_system():
    avail = available_memory_bytes()
    assert avail is not None and avail > 0
    with open("/proc/meminfo") as handle:
        total_kb = next(int(ln.split()[1]) for ln in handle if ln.startswith("MemTotal:"))
    assert avail <= total_kb * 1024


def test_refused_exactly_when_the_estimate_exceeds_the_available_memory():
    need = recording_memory_bytes(10, 100, 2)                     # 32 000 bytes
    assert check_recording_memory([("pop", 10, ("v", "w"))], 100, available=need) == need
    with pytest.raises(RecordingTooLarge, match=r"needs about 32 kB \(pop: 10 neurons x 100 "
                                                r"steps x 2 variable\(s\) \['v', 'w'\].*but "
                                                r"32 kB of memory is available"):
        check_recording_memory([("pop", 10, ("v", "w"))], 100, available=need - 1)
    assert issubclass(RecordingTooLarge, ValueError) and issubclass(RecordingTooLarge, MemoryError)


def test_simulate_counts_only_the_recorded_neurons_and_variables():
    # 10**6 neurons x 10**7 steps of v: 160 TB, refused before anything is built
    with pytest.raises(RecordingTooLarge, match="160 TB"):
        simulate(LIF(), 1000 * second, n=10 ** 6, backend="numpy")
    rec = simulate(LIF(), 5 * ms, n=4, record_indices=[0, 3], backend="numpy")
    assert rec.trace("v").shape == (2, 50)
    assert np.all(np.isfinite(np.asarray(rec.trace("v"))))
