"""C++ standalone runs: compile once, re-run with new values (layer L3).

Brian2's cpp_standalone device generates a C++ project, compiles it, and runs
the binary.  Since Brian2 2.7 the binary accepts ``run_args``: new values for
group variables and TimedArrays, applied at start-up without recompiling.
:class:`StandaloneSimulation` keeps one compiled project per network and
counts its compilations, so callers (f-I sweeps, training batches) can show
that one binary serves every run.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping

from brian2 import seed as brian2_seed
from brian2.devices.cpp_standalone.device import CPPStandaloneDevice

from ..recording import Recording
from ..units import Quantity, check_quantity, ms, second, to_si
from .devices import active_device


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

    Attributes
    ----------
    compilations : int
        How many times the C++ project was compiled (1 after construction).
    runs : int
        How many times the binary was run.
    """

    def __init__(self, factory, duration: Quantity, *, dt: Quantity = 0.1 * ms, seed: int = 0,
                 directory: str | None = None):
        check_quantity("duration", duration, second, positive=True)
        check_quantity("dt", dt, second, positive=True)
        self._own_dir = directory is None
        self.directory = tempfile.mkdtemp(prefix="neurolab_standalone_") if directory is None \
            else directory
        self.duration, self.dt, self.seed = duration, dt, seed
        self.device = CPPStandaloneDevice()
        self.compilations = self.runs = 0
        with active_device(self.device):
            brian2_seed(seed)
            self.built = factory.build_network(dt)
            self.built.network.run(duration, namespace={})
            self.device.build(directory=self.directory, compile=True, run=False,
                              with_output=False)
        self.compilations += 1

    def run(self, values: Mapping[str, object] | None = None) -> Recording:
        """Run the compiled binary, with new values for named handles, and read the results.

        *values* maps a handle (``'stimulus'`` for a TimedArray input) or
        ``'<handle>.<variable>'`` (e.g. ``'group.I_ext'``) to new values.
        """
        run_args = {}
        for key, value in (values or {}).items():
            handle_name, _, var = key.partition(".")
            if handle_name not in self.built.handles:
                raise KeyError(f"run value {key!r}: no handle {handle_name!r}; expected one of "
                               f"{sorted(self.built.handles)}")
            handle = self.built.handles[handle_name]
            run_args[getattr(handle, var) if var else handle] = value
        self.device.run(run_args=run_args, with_output=False)
        self.runs += 1
        return self.built.recording(to_si(self.dt), to_si(self.duration), self.seed,
                                    "cpp_standalone")

    def close(self) -> None:
        """Delete the project folder if this object created it."""
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
