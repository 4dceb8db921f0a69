"""``simulate``: run a model or network on a backend and return a Recording (layer L3)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from brian2 import seed as brian2_seed
from brian2.devices.device import get_device, runtime_device

from ..models.base import NeuronModel
from ..recording import Recording
from ..units import Quantity, check_quantity, ms, second, to_si
from .devices import active_device, check_backend, scoped_prefs
from .memory import check_built_recording, check_recording_memory, n_steps
from .network import CurrentInput, SinglePopulation
from .standalone import StandaloneSimulation


def simulate(target, duration: Quantity, *, n: int = 1,
             I_ext: Quantity | CurrentInput | None = None, record: Sequence[str] = ("v",),
             record_indices: Sequence[int] | None = None, dt: Quantity = 0.1 * ms,
             backend: str = "runtime", seed: int = 0,
             variable_parameters: Mapping[str, Quantity] | None = None) -> Recording:
    """Simulate *target* for *duration* and return its :class:`~neurolab_snn.recording.Recording`.

    Parameters
    ----------
    target : NeuronModel or network factory
        A model (then *n*, *I_ext*, *record*, *record_indices* and
        *variable_parameters* describe one population of it), or any object with
        ``build_network(dt)`` such as a circuit.
    duration, dt : Quantity
        Simulated time and integration step (dt must be below every time constant).
    backend : {'runtime', 'numpy', 'cpp_standalone', 'cuda', 'genn'}
        ``'cuda'`` (brian2cuda, needs an NVIDIA GPU) and ``'genn'`` (brian2genn;
        GPU where one is found, else GeNN's single-threaded CPU mode) each need
        their own environment; see ``docs/backends.md``.
    seed : int
        Seed of Brian2's random number generators; the same seed gives the same
        spikes on the same backend.  Not applied by ``'genn'`` (brian2genn
        cannot set a seed; its Recording's seed is None).

    Notes
    -----
    Builds an explicit ``Network`` (never Brian2's magic network) and scopes
    every device or preference change to this call.
    """
    check_backend(backend)
    check_quantity("duration", duration, second, positive=True)
    check_quantity("dt", dt, second, positive=True)
    if int(seed) != seed:
        raise ValueError(f"seed={seed!r}: expected an integer")
    if isinstance(target, NeuronModel):
        target.check_dt(dt)
        factory = SinglePopulation(target, n=n, I_ext=I_ext, record=tuple(record),
                                   record_indices=record_indices,
                                   variable_parameters=dict(variable_parameters or {}))
        n_rec = factory.n if record_indices is None else len(record_indices)
        check_recording_memory([(factory.name, n_rec, factory.record)], n_steps(duration, dt))
    elif hasattr(target, "build_network"):
        factory = target
    else:
        raise TypeError(f"target={target!r}: expected a NeuronModel or an object with "
                        "build_network(dt)")
    if backend in _COMPILED:
        with _COMPILED[backend]()(factory, duration, dt=dt, seed=int(seed)) as sim:
            return sim.run()
    return _run_runtime(factory, duration, dt, int(seed), backend)


def _cuda_simulation():
    from .cuda import CudaSimulation
    return CudaSimulation


def _genn_simulation():
    from .genn import GeNNSimulation
    return GeNNSimulation


#: Backends that compile a project once and run its binary (GPU modules load lazily).
_COMPILED = {"cpp_standalone": lambda: StandaloneSimulation, "cuda": _cuda_simulation,
             "genn": _genn_simulation}


def _run_runtime(factory, duration, dt, seed, backend) -> Recording:
    target = "numpy" if backend == "numpy" else "auto"
    device = get_device() if get_device() is runtime_device else runtime_device
    with active_device(device), scoped_prefs(codegen__target=target):
        brian2_seed(seed)
        built = factory.build_network(dt)
        check_built_recording(built, duration, dt)
        built.network.run(duration, namespace={})
        return built.recording(to_si(dt), to_si(duration), seed, backend)
