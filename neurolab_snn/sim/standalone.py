"""C++ standalone runs: compile once, re-run with new values (layer L3).

Brian2's cpp_standalone device generates a C++ project, compiles it, and runs
the binary.  Since Brian2 2.7 the binary accepts ``run_args``: new values for
group variables and TimedArrays, applied at start-up without recompiling.
:class:`StandaloneSimulation` keeps one compiled project per network and
counts its compilations, so callers (f-I sweeps, training batches) can show
that one binary serves every run.

The GPU backends reuse this class: :class:`~neurolab_snn.sim.cuda.CudaSimulation`
(brian2cuda's ``cuda_standalone`` device derives from the C++ one) and
:class:`~neurolab_snn.sim.genn.GeNNSimulation` override the hooks
``_new_device``, ``_prefs``, ``_seed``, ``_generate``, ``_compile`` and
``_run_binary``.

On older Brian2 (the brian2 2.5.4 of the GeNN environment) the binary takes no
``run_args``: :data:`RUN_ARGS_SUPPORTED` is False, runs without new values
still work, and runs with new values raise a one-line error.
"""
from __future__ import annotations

import contextlib
import inspect
import shutil
import tempfile
import time
import weakref
from collections.abc import Mapping

import brian2
from brian2 import seed as brian2_seed
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

from ..console import logger
from ..recording import Recording
from ..units import Quantity, check_quantity, ms, second, to_si
from .devices import BackendUnsupported, active_device, scoped_prefs
from .memory import check_built_recording


def _run_args_supported() -> bool:
    """True where ``CPPStandaloneDevice.run`` takes ``run_args`` as a mapping (Brian2 >= 2.7)."""
    params = inspect.signature(CPPStandaloneDevice.run).parameters
    directory = params.get("directory")
    return ("run_args" in params and directory is not None
            and directory.default is not inspect.Parameter.empty)


#: Whether this Brian2 can re-run a compiled binary with new values (``run_args``).
RUN_ARGS_SUPPORTED = _run_args_supported()


class StandaloneSimulation:
    """One network, compiled once with cpp_standalone, run any number of times.

    Parameters
    ----------
    factory : object with ``build_network(dt)``
        What to build (e.g. :class:`~neurolab_snn.sim.network.SinglePopulation`).
    duration : Quantity
        Simulated time per run.
    dt : Quantity
        Integration time step.
    seed : int
        Seed of the random number generator compiled into the binary.
    directory : str, optional
        Project folder (default: a new temporary folder, removed by :meth:`close`).
    prefs : mapping of str to object, optional
        Brian2 preferences (dotted names) set while the project is generated
        and compiled, e.g. ``{'core.network.default_schedule': [...]}``.

    Attributes
    ----------
    compilations : int
        How many times the C++ project was compiled (1 after construction).
    runs : int
        How many times the binary was run.
    timings : dict of str to float
        Wall times in s: ``generate_s`` (network construction and code
        generation), ``compile_s`` (the compiler), and after each run
        ``run_s`` (the binary, start to exit) and ``network_s`` (the simulation
        loop alone, as the binary reports it).
    """

    backend = "cpp_standalone"

    def __init__(self, factory, duration: Quantity, *, dt: Quantity = 0.1 * ms, seed: int = 0,
                 directory: str | None = None, prefs: Mapping[str, object] | None = None):
        check_quantity("duration", duration, second, positive=True)
        check_quantity("dt", dt, second, positive=True)
        self._own_dir = directory is None
        self.directory = tempfile.mkdtemp(prefix=f"neurolab_{self.backend}_") \
            if directory is None else directory
        # removed by close(), or when this object is collected or the interpreter exits
        # (an interrupted job whose caller never reached close())
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.directory,
                                         ignore_errors=True) if self._own_dir else None
        self.duration, self.dt, self.seed = duration, dt, seed
        self.extra_prefs = dict(prefs or {})
        self.compilations = self.runs = 0
        self.timings: dict[str, float] = {}
        self.device = self._new_device()
        try:
            with self._scope():
                start = time.perf_counter()
                self._seed(seed)
                self.built = self._build_network(factory, dt)
                check_built_recording(self.built, duration, dt)
                self.built.network.run(duration, namespace={})
                self._generate()
                generated = time.perf_counter()
                logger.info("compiling %s project in %s ...", self.backend, self.directory)
                self._compile()
                self.timings.update(generate_s=generated - start,
                                    compile_s=time.perf_counter() - generated)
        except BaseException:
            self.close()
            raise
        self.compilations += 1

    # -- hooks for the GPU backends ---------------------------------------
    def _new_device(self):
        return CPPStandaloneDevice()

    def _prefs(self) -> dict:
        """Preferences (dotted names) for code generation and compilation."""
        return dict(self.extra_prefs)

    def _scope(self):
        stack = contextlib.ExitStack()
        stack.enter_context(active_device(self.device))
        stack.enter_context(scoped_prefs(self._prefs()))
        return stack

    def _seed(self, seed: int) -> None:
        brian2_seed(seed)

    def _build_network(self, factory, dt):
        return factory.build_network(dt)

    def _generate(self) -> None:
        self.device.build(directory=self.directory, compile=False, run=False,
                          with_output=False)

    def _compile(self) -> None:
        from brian2.codegen.cpp_prefs import get_compiler_and_args
        compiler = get_compiler_and_args()[0]
        self.device.compile_source(self.directory, compiler, False, False)

    def _run_binary(self, run_args: list) -> None:
        """Run the binary; *run_args* is a list of (VariableView or TimedArray, value)."""
        if RUN_ARGS_SUPPORTED:
            self.device.run(run_args=dict(run_args), with_output=False)
        elif run_args:
            raise BackendUnsupported(
                f"brian2 {brian2.__version__} cannot re-run a compiled {self.backend} network "
                "with new values (run_args needs brian2 >= 2.7); build a new simulation "
                "with the new values instead")
        else:
            self.device.run(self.directory, False, [])

    # -- public API --------------------------------------------------------
    def run(self, values: Mapping[str, object] | None = None) -> Recording:
        """Run the compiled binary, with new values for named handles, and read the results.

        *values* maps a handle (``'stimulus'`` for a TimedArray input) or
        ``'<handle>.<variable>'`` (e.g. ``'group.I_ext'``) to new values.
        """
        run_args = []  # (VariableView or TimedArray, value): VariableView is unhashable before 2.7
        for key, value in (values or {}).items():
            handle_name, _, var = key.partition(".")
            if handle_name not in self.built.handles:
                raise KeyError(f"run value {key!r}: no handle {handle_name!r}; expected one of "
                               f"{sorted(self.built.handles)}")
            handle = self.built.handles[handle_name]
            run_args.append((getattr(handle, var) if var else handle, value))
        start = time.perf_counter()
        self._run_binary(run_args)
        self.timings["run_s"] = time.perf_counter() - start
        network_time = getattr(self.device, "_last_run_time", None)
        if network_time is not None:
            self.timings["network_s"] = float(network_time)
        self.runs += 1
        return self.built.recording(to_si(self.dt), to_si(self.duration), self.seed,
                                    self.backend)

    def close(self) -> None:
        """Delete the project folder if this object created it."""
        if self._cleanup is not None:
            self._cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
