"""The ``genn`` backend: brian2genn with a GeNN 4.8/4.9 source tree (layer L3).

brian2genn 1.7.0 turns a Brian2 network into a GeNN model (Stimberg, Goodman &
Nowotny 2020, Sci Rep 10:410; Yavuz, Turner & Nowotny 2016, Sci Rep 6:18854),
which GeNN compiles for an NVIDIA GPU or, with ``use_gpu=False``, for one CPU
thread (GeNN's single-threaded CPU backend: no GPU needed).

Environment.  brian2genn pins brian2 < 2.6 and numpy < 2, so it lives in its
own environment: Python 3.11, brian2 2.5.4, numpy 1.26, cython < 3.1,
setuptools < 81, brian2genn 1.7.0, plus a GeNN 4.8/4.9 source tree at
``GENN_PATH`` (``make genn-env GENN_PATH=...``; ``docs/backends.md``).

What brian2genn does not support (it raises, and this module turns that into
one :class:`~neurolab_snn.sim.devices.BackendUnsupported` line): heterogeneous
synaptic delays, more than one ``run`` per compiled network (so no re-runs with
new values), several clocks, linked variables, multicompartment neurons,
setting a random seed, and a few kinds of summed variables and monitors.
Three things are bridged here:

* clocks: the package's factories give every object ``dt`` explicitly, which
  makes one clock per object; while a GeNN network is built, objects asked
  for the simulation ``dt`` get Brian2's ``defaultclock`` (set to that ``dt``
  and restored afterwards) instead;
* seeds: not applied (brian2genn cannot set one); the Recording's seed is None;
* run_regularly operations get a name brian2genn recognises (it silently
  drops operations whose name lacks ``_run_regularly``).

brian2genn also changes the schedule to ``start, synapses, groups, thresholds,
resets, end`` and switches off loop-invariant optimisations; a cpp_standalone
run with :data:`GENN_REFERENCE_PREFS` uses the same and so gives the same
spikes for deterministic input.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess

from .devices import BackendUnavailable, BackendUnsupported, single_clock
from .standalone import StandaloneSimulation

BRIAN2GENN_VERSION = "1.7.0"
BRIAN2_VERSION = "2.5.4"
#: GeNN releases brian2genn 1.7.0 works with (GeNN 5 dropped genn-buildmodel).
GENN_VERSIONS = ((4, 8), (4, 9))
#: First CUDA release GeNN 4.9's CUDA backend does not build with (optimiser.cc calls
#: cuCtxCreate with the pre-13 signature; checked with nvcc 13.0).
MAX_CUDA_EXCLUSIVE = (13, 0)
#: brian2genn's schedule (set when its device is activated).
GENN_SCHEDULE = ("start", "synapses", "groups", "thresholds", "resets", "end")
#: Preferences that make a cpp_standalone run step like a brian2genn run.
GENN_REFERENCE_PREFS = {"core.network.default_schedule": list(GENN_SCHEDULE),
                        "codegen.loop_invariant_optimisations": False}

_ENV_HINT = ("it needs its own environment (Python 3.11, brian2 2.5.4, numpy 1.26): "
             "make genn-env GENN_PATH=/path/to/genn, then use .venv-genn/bin/python")
_GET_GENN = ("git clone --branch 4.9.0 https://github.com/genn-team/genn and "
             "export GENN_PATH=$PWD/genn")


def genn_version(genn_path: str) -> tuple[int, ...] | None:
    """The version in ``<genn_path>/version.txt`` as a tuple of ints (None if unreadable)."""
    try:
        with open(os.path.join(genn_path, "version.txt")) as f:
            text = f.read()
    except OSError:
        return None
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def _brian2genn_version() -> str | None:
    try:
        import brian2genn
    except ImportError:
        return None
    return getattr(brian2genn, "__version__", "unknown")


def check_genn(*, use_gpu: bool = False, genn_path: str | None = None) -> str:
    """Return the GeNN source folder if the genn backend can work here, else raise one line.

    Parameters
    ----------
    use_gpu : bool
        Also require nvcc and an NVIDIA GPU (the CPU-only mode needs neither).
    genn_path : str, optional
        GeNN source tree (default: the ``GENN_PATH`` environment variable).

    Raises
    ------
    BackendUnavailable
        No brian2genn, a brian2 brian2genn cannot use, no or a wrong
        ``GENN_PATH``, no ``make``, or (with *use_gpu*) no nvcc or no GPU.
    """
    import brian2
    if not brian2.__version__.startswith("2.5."):
        raise BackendUnavailable(f"backend 'genn' needs brian2genn {BRIAN2GENN_VERSION}, which "
                                 f"needs brian2 < 2.6 (this is brian2 {brian2.__version__}); "
                                 + _ENV_HINT)
    if _brian2genn_version() is None:
        raise BackendUnavailable(f"backend 'genn' needs brian2genn {BRIAN2GENN_VERSION}, which "
                                 "is not installed: " + _ENV_HINT)
    path = genn_path if genn_path is not None else os.environ.get("GENN_PATH")
    if not path:
        raise BackendUnavailable("backend 'genn' needs GENN_PATH, the folder of a GeNN 4.8/4.9 "
                                 f"source tree, and it is not set: {_GET_GENN}")
    path = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(os.path.join(path, "bin", "genn-buildmodel.sh")):
        raise BackendUnavailable(f"GENN_PATH={path} has no bin/genn-buildmodel.sh: point it at "
                                 f"a GeNN 4.8/4.9 source tree ({_GET_GENN})")
    version = genn_version(path)
    if version is None or tuple(version[:2]) not in GENN_VERSIONS:
        found = ".".join(map(str, version)) if version else "unknown"
        raise BackendUnavailable(f"GENN_PATH={path} holds GeNN {found}; brian2genn "
                                 f"{BRIAN2GENN_VERSION} needs GeNN 4.8 or 4.9: {_GET_GENN}")
    if shutil.which("make") is None:
        raise BackendUnavailable("backend 'genn' needs make to build GeNN models; none is on "
                                 "PATH: install make (e.g. apt-get install make)")
    if use_gpu:
        from .cuda import cuda_version, detect_gpus, find_nvcc
        if find_nvcc() is None:
            raise BackendUnavailable("backend 'genn' on the GPU needs nvcc (the CUDA toolkit), "
                                     "found neither on PATH nor in $CUDA_PATH/bin: install it, "
                                     "or use GeNN's CPU mode (use_gpu=False)")
        version = cuda_version(os.path.join(_cuda_path(), "bin", "nvcc"))
        if version is not None and version >= MAX_CUDA_EXCLUSIVE:
            raise BackendUnavailable(
                f"GeNN 4.x's CUDA backend does not build with CUDA {version[0]}.{version[1]} "
                "(CUDA 13 changed cuCtxCreate): set CUDA_PATH to a CUDA 12.x toolkit, or use "
                "GeNN's CPU mode (use_gpu=False) or backend 'cuda'")
        if not detect_gpus():
            raise BackendUnavailable("backend 'genn' on the GPU needs an NVIDIA GPU and "
                                     "nvidia-smi lists none: use GeNN's CPU mode "
                                     "(use_gpu=False) or a GPU machine")
    return path


def _cuda_path() -> str:
    from .cuda import find_nvcc
    if os.environ.get("CUDA_PATH"):
        return os.environ["CUDA_PATH"]
    nvcc = find_nvcc()
    for root in ("/usr/local/cuda", os.path.dirname(os.path.dirname(os.path.realpath(nvcc)))):
        if os.path.isfile(os.path.join(root, "bin", "nvcc")):
            return root
    return "/usr/local/cuda"


def name_run_regularly(network) -> list[str]:
    """Rename run_regularly operations so that brian2genn recognises them; return the names.

    brian2genn finds run_regularly operations by a name containing
    ``_run_regularly`` and silently drops any other; Brian2 lets users name
    them freely (the package's current input is ``<population>_current_input``).
    Must run before the network is run (code objects take the name then).
    """
    from brian2.groups.group import CodeRunner
    renamed = []
    for obj in network.objects:
        if type(obj) is CodeRunner and getattr(obj, "template", None) == "stateupdate" \
                and "_run_regularly" not in obj.name:
            obj._name = f"{obj.name}_run_regularly"
            renamed.append(obj.name)
    return renamed


_EXPREL = """
SUPPORT_CODE_FUNC double _exprel(double x)
{
    if (fabs(x) < 1e-16)
        return 1.0;
    if (x > 717)
        return INFINITY;
    return expm1(x)/x;
}
"""
_CLIP = """
SUPPORT_CODE_FUNC double _clip(const double value, const double a_min, const double a_max)
{
    if (value < a_min)
        return a_min;
    if (value > a_max)
        return a_max;
    return value;
}
"""


def register_genn_functions() -> None:
    """Give brian2genn's GeNN code generator what Brian2's C++ generator has.

    brian2genn 1.7.0 has no ``exprel`` (used by the package's HH models),
    ``expm1`` or ``log1p``, and its ``clip`` rounds to single precision; the
    implementations registered here are those of Brian2's C++ generator, so a
    GeNN network computes what the cpp_standalone one does.  Idempotent.
    """
    from brian2.core.functions import DEFAULT_FUNCTIONS
    from brian2genn.genn_generator import GeNNCodeGenerator
    for name in ("expm1", "log1p"):
        DEFAULT_FUNCTIONS[name].implementations.add_implementation(
            GeNNCodeGenerator, code=None, name=name)
    DEFAULT_FUNCTIONS["exprel"].implementations.add_implementation(
        GeNNCodeGenerator, code=_EXPREL, name="_exprel")
    DEFAULT_FUNCTIONS["clip"].implementations.add_implementation(
        GeNNCodeGenerator, code=_CLIP, name="_clip")


@contextlib.contextmanager
def genn_errors():
    """Turn brian2genn's NotImplementedError into a one-line BackendUnsupported."""
    try:
        yield
    except NotImplementedError as err:
        first = " ".join(str(err).split()) or type(err).__name__
        raise BackendUnsupported(f"backend 'genn' (brian2genn {BRIAN2GENN_VERSION}) does not "
                                 f"support this network: {first} Use backend "
                                 "'cpp_standalone' or 'cuda' for it.") from err


class GeNNSimulation(StandaloneSimulation):
    """One network, compiled once by brian2genn + GeNN, run on the GPU or one CPU thread.

    Parameters
    ----------
    factory, duration, dt, directory, prefs
        As for :class:`~neurolab_snn.sim.standalone.StandaloneSimulation`.
    seed : int
        Accepted for a uniform interface and not applied: brian2genn cannot
        set a seed (the Recording's seed is None).
    use_gpu : bool, optional
        GPU (True) or GeNN's single-threaded CPU backend (False); default:
        the GPU where nvidia-smi lists one.
    genn_path : str, optional
        GeNN 4.8/4.9 source tree (default: ``GENN_PATH``).

    Attributes
    ----------
    log : str
        What brian2genn printed while building and running.

    Notes
    -----
    A compiled GeNN network runs once per set of values: :meth:`run` with
    new values raises (brian2genn has no ``run_args``); calling it again
    without values re-runs the binary.
    """

    backend = "genn"

    def __init__(self, factory, duration, *, use_gpu: bool | None = None,
                 genn_path: str | None = None, **kwargs):
        if use_gpu is None:
            from .cuda import detect_gpus, find_nvcc
            use_gpu = bool(detect_gpus()) and find_nvcc() is not None
        self.use_gpu = bool(use_gpu)
        self.genn_path = check_genn(use_gpu=self.use_gpu, genn_path=genn_path)
        register_genn_functions()
        self._log = io.StringIO()
        super().__init__(factory, duration, **kwargs)
        self.seed = None

    @property
    def log(self) -> str:
        return self._log.getvalue()

    def _new_device(self):
        from brian2genn.device import GeNNDevice
        return GeNNDevice()

    def _prefs(self) -> dict:
        prefs = {"devices.genn.path": self.genn_path}
        if self.use_gpu:
            prefs["devices.genn.cuda_backend.cuda_path"] = _cuda_path()
        return {**prefs, **self.extra_prefs}

    def _scope(self):
        stack = super()._scope()
        stack.enter_context(single_clock(self.dt))
        stack.enter_context(genn_errors())
        stack.enter_context(contextlib.redirect_stdout(self._log))
        return stack

    def _seed(self, seed: int) -> None:
        """brian2genn raises on ``seed()``: nothing to do."""

    def _build_network(self, factory, dt):
        built = factory.build_network(dt)
        name_run_regularly(built.network)
        return built

    def _generate(self) -> None:
        # brian2genn expects build() from inside run() (build_on_run=True) and
        # otherwise rejects every code object, even those queued before the run;
        # keep its check for code after the run, then clear its flag.
        queue = [func for func, _ in self.device.main_queue]
        if "run_network" in queue and "run_code_object" in \
                queue[queue.index("run_network") + 1:]:
            raise BackendUnsupported("backend 'genn' cannot execute code after the run "
                                     "(e.g. setting variables): build a new network instead")
        self.device.run_statement_used = False
        self.device.build(directory=self.directory, compile=False, run=False,
                          use_GPU=self.use_gpu, with_output=False)

    def _compile(self) -> None:
        try:
            self.device.compile_source(False, self.directory, self.use_gpu)
        except (subprocess.CalledProcessError, RuntimeError) as err:
            where = "GPU" if self.use_gpu else "CPU"
            raise RuntimeError(
                f"GeNN ({where} mode, GENN_PATH={self.genn_path}) could not compile the "
                f"generated model ({type(err).__name__}: {' '.join(str(err).split())[:160]}); "
                "pass directory=... to keep the project and run its genn-buildmodel.sh/make "
                "commands there for the compiler output") from None

    def _run_binary(self, run_args: list) -> None:
        if run_args:
            raise BackendUnsupported(f"backend 'genn' (brian2genn {BRIAN2GENN_VERSION}) cannot "
                                     "re-run a compiled network with new values (no run_args, "
                                     "one run per network): build a new GeNNSimulation with "
                                     "the new values")
        with contextlib.redirect_stdout(self._log), genn_errors():
            try:
                self.device.run(self.directory, self.use_gpu, False)
            except subprocess.CalledProcessError as err:
                raise RuntimeError(f"the GeNN binary in {self.directory} failed with exit "
                                   f"code {err.returncode}") from None
