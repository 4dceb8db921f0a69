"""The ``cuda`` backend: brian2cuda's ``cuda_standalone`` device (layer L3).

brian2cuda 1.0b1 generates a CUDA project from the same Brian2 network that
cpp_standalone compiles, builds it with ``nvcc`` and runs it on an NVIDIA GPU
(Alevi et al. 2022, Front Neuroinform 16:883700).  It lives in its own
environment, ``pip install neurolab_snn[cuda]`` on Python >= 3.12 with
brian2 == 2.10.1 (see ``docs/backends.md``).

Three things make it work with a current toolkit, and without a GPU for
code generation and compilation:

* cuRAND: the headers and ``libcurand.so.10`` come from the PyPI wheel
  ``nvidia-curand`` where the CUDA toolkit has none; the wheel ships no
  unversioned ``libcurand.so``, so the build links through a symlink in the
  project folder and records the wheel's folder as run path.
* CUDA 13 needs C++17: brian2cuda's makefile asks nvcc for ``-std=c++11``
  and Brian2 asks the host compiler for the same; both become ``-std=c++17``.
* GPU detection is off (it needs ``nvidia-smi`` and ``deviceQuery``): the GPU
  id and compute capability are preferences, taken from ``nvidia-smi`` where a
  GPU is present, or given explicitly (e.g. 9.0 for an H100) to compile only.
* brian2cuda's synapse code refers to ``defaultclock`` by name: objects built
  with the simulation ``dt`` use ``defaultclock``
  (:func:`~neurolab_snn.sim.devices.single_clock`), and arrays left behind
  by groups that no longer exist are dropped before generation.

:func:`check_cuda` raises :class:`~neurolab_snn.sim.devices.BackendUnavailable`
with one line naming what is missing (Python version, brian2cuda, nvcc,
cuRAND, GPU) and what to do, before any compiler runs.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

from .devices import BackendUnavailable, single_clock
from .standalone import StandaloneSimulation

#: What the cuda backend pins (setup.cfg extra ``cuda``).
BRIAN2CUDA_VERSION = "1.0b1"
BRIAN2_VERSION = "2.10.1"
MIN_PYTHON = (3, 12)
#: C++ standard for nvcc and the host compiler (CUDA 13 needs C++17).
CXX_STANDARD = "c++17"

_ENV_HINT = ("make cuda-env (Python >= 3.12 venv .venv-cuda with `pip install -e .[cuda]`), "
             "then use .venv-cuda/bin/python")


@dataclass(frozen=True)
class CudaEnvironment:
    """What this machine offers the cuda backend (found by :func:`cuda_environment`).

    Attributes
    ----------
    nvcc : str or None
        Path of the nvcc compiler.
    cuda_version : tuple of int or None
        (major, minor) release of nvcc.
    architectures : tuple of float
        Compute capabilities nvcc can compile for (``nvcc --list-gpu-arch``).
    curand_include, curand_library : str or None
        Folder with ``curand.h`` and the cuRAND shared library file.
    gpus : tuple of (str, float)
        Name and compute capability of each NVIDIA GPU ``nvidia-smi`` lists.
    brian2cuda : str or None
        Installed brian2cuda version (None: not importable).
    """

    nvcc: str | None
    cuda_version: tuple[int, int] | None
    architectures: tuple[float, ...]
    curand_include: str | None
    curand_library: str | None
    gpus: tuple[tuple[str, float], ...]
    brian2cuda: str | None


def find_nvcc() -> str | None:
    """Path of nvcc: ``$CUDA_PATH/bin/nvcc``, then ``PATH``, then ``/usr/local/cuda/bin``."""
    candidates = []
    if os.environ.get("CUDA_PATH"):
        candidates.append(os.path.join(os.environ["CUDA_PATH"], "bin", "nvcc"))
    on_path = shutil.which("nvcc")
    if on_path:
        candidates.append(on_path)
    candidates.append("/usr/local/cuda/bin/nvcc")
    return next((c for c in candidates if os.path.isfile(c) and os.access(c, os.X_OK)), None)


def _output(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                              check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def cuda_version(nvcc: str | None) -> tuple[int, int] | None:
    """(major, minor) release of *nvcc* (None if it does not run)."""
    if nvcc is None:
        return None
    match = re.search(r"release (\d+)\.(\d+)", _output(nvcc, "--version"))
    return (int(match.group(1)), int(match.group(2))) if match else None


def _nvcc_facts(nvcc: str | None) -> tuple[tuple[int, int] | None, tuple[float, ...]]:
    if nvcc is None:
        return None, ()
    version = cuda_version(nvcc)
    archs = sorted({int(m) / 10 for m in re.findall(r"compute_(\d+)",
                                                    _output(nvcc, "--list-gpu-arch"))})
    return version, tuple(archs)


def detect_gpus() -> tuple[tuple[str, float], ...]:
    """Name and compute capability of each NVIDIA GPU, from ``nvidia-smi`` (empty if none)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return ()
    gpus = []
    for line in _output(smi, "--query-gpu=name,compute_cap", "--format=csv,noheader") \
            .splitlines():
        name, _, cap = line.rpartition(",")
        try:
            gpus.append((name.strip(), float(cap)))
        except ValueError:
            continue
    return tuple(gpus)


def _cuda_roots(nvcc: str | None) -> list[str]:
    roots = [os.environ.get("CUDA_PATH", ""), "/usr/local/cuda"]
    if nvcc:
        roots.append(os.path.dirname(os.path.dirname(os.path.realpath(nvcc))))
    return [r for r in roots if r and os.path.isdir(r)]


def find_curand(nvcc: str | None = None) -> tuple[str | None, str | None]:
    """Folder of ``curand.h`` and path of the cuRAND library: the toolkit's, else the wheel's.

    The wheel ``nvidia-curand`` installs ``nvidia/cu13/{include,lib}`` (CUDA 13)
    or ``nvidia/curand/{include,lib}`` (``nvidia-curand-cu12``) in site-packages.
    """
    places = [(os.path.join(root, "include"), os.path.join(root, sub))
              for root in _cuda_roots(nvcc) for sub in ("lib64", "lib")]
    for path in sys.path:
        for sub in ("cu13", "cu12", "curand"):
            base = os.path.join(path, "nvidia", sub)
            places.append((os.path.join(base, "include"), os.path.join(base, "lib")))
    for include, libdir in places:
        libs = sorted(glob.glob(os.path.join(libdir, "libcurand.so*")))
        if os.path.isfile(os.path.join(include, "curand.h")) and libs:
            return include, libs[0]
    return None, None


def _brian2cuda_version() -> str | None:
    try:
        import brian2cuda
    except ImportError:
        return None
    return getattr(brian2cuda, "__version__", "unknown")


def cuda_environment() -> CudaEnvironment:
    """Look for nvcc, cuRAND, NVIDIA GPUs and brian2cuda (no compiler is run beyond nvcc -V)."""
    nvcc = find_nvcc()
    version, archs = _nvcc_facts(nvcc)
    include, library = find_curand(nvcc)
    brian2cuda = _brian2cuda_version() if sys.version_info >= MIN_PYTHON else None
    return CudaEnvironment(nvcc, version, archs, include, library, detect_gpus(), brian2cuda)


def check_cuda(*, require_gpu: bool = True, compute_capability: float | None = None,
               environment: CudaEnvironment | None = None) -> CudaEnvironment:
    """Return the :class:`CudaEnvironment` if the cuda backend can work, else raise one line.

    Parameters
    ----------
    require_gpu : bool
        Running needs a GPU; generating and compiling (``False``) does not.
    compute_capability : float, optional
        Target architecture, e.g. 9.0 (H100); default: that of the first GPU.
    environment : CudaEnvironment, optional
        What to check (default: :func:`cuda_environment` of this machine).

    Raises
    ------
    BackendUnavailable
        Python < 3.12, no brian2cuda, wrong brian2, no nvcc, no cuRAND, no GPU
        (when required), or a compute capability nvcc cannot target.
    """
    if sys.version_info < MIN_PYTHON:
        raise BackendUnavailable(
            f"backend 'cuda' needs Python >= 3.12 (brian2cuda {BRIAN2CUDA_VERSION} pins brian2 "
            f"== {BRIAN2_VERSION}); this is Python {sys.version_info.major}."
            f"{sys.version_info.minor}: {_ENV_HINT}")
    env = cuda_environment() if environment is None else environment
    if env.brian2cuda is None:
        raise BackendUnavailable(f"backend 'cuda' needs brian2cuda {BRIAN2CUDA_VERSION}, which "
                                 "is not installed: pip install 'neurolab_snn[cuda]'")
    import brian2
    if brian2.__version__ != BRIAN2_VERSION:
        raise BackendUnavailable(f"backend 'cuda' needs brian2 == {BRIAN2_VERSION} (brian2cuda "
                                 f"{env.brian2cuda}), found {brian2.__version__}: pip install "
                                 f"brian2=={BRIAN2_VERSION}")
    if env.nvcc is None:
        raise BackendUnavailable("backend 'cuda' needs nvcc (the CUDA toolkit), found neither "
                                 "on PATH nor in $CUDA_PATH/bin: install the CUDA toolkit or "
                                 "set CUDA_PATH")
    if env.curand_include is None:
        raise BackendUnavailable("backend 'cuda' needs the cuRAND headers and library, found "
                                 "neither in the CUDA toolkit nor in site-packages: pip install "
                                 "nvidia-curand (CUDA 13) or nvidia-curand-cu12 (CUDA 12)")
    if require_gpu and not env.gpus:
        raise BackendUnavailable(
            "backend 'cuda' needs an NVIDIA GPU to run and nvidia-smi lists none: run on a "
            "GPU machine, or only generate and compile with CudaSimulation(..., "
            "compile_only=True, compute_capability=9.0)")
    target = compute_capability if compute_capability is not None else \
        (env.gpus[0][1] if env.gpus else None)
    if target is None:
        raise BackendUnavailable("backend 'cuda' without a GPU needs the target compute "
                                 "capability: pass compute_capability (e.g. 9.0 for an H100, "
                                 "8.0 for an A100)")
    if env.architectures and round(float(target), 1) not in env.architectures:
        raise BackendUnavailable(
            f"nvcc {'.'.join(map(str, env.cuda_version or ()))} cannot compile for compute "
            f"capability {target}; it supports {list(env.architectures)}: pick one of those "
            "or install a CUDA toolkit that supports this GPU")
    return env


def _std_flag(args) -> list[str]:
    """Brian2's host-compiler flags with the C++ standard set to :data:`CXX_STANDARD`."""
    return [a for a in args if not a.startswith("-std=")] + [f"-std={CXX_STANDARD}"]


def cuda_prefs(compute_capability: float, gpu_id: int = 0) -> dict:
    """Brian2 preferences (dotted names) for a cuda_standalone build without GPU detection."""
    from brian2 import prefs
    return {
        "devices.cuda_standalone.cuda_backend.detect_gpus": False,
        "devices.cuda_standalone.cuda_backend.gpu_id": int(gpu_id),
        "devices.cuda_standalone.cuda_backend.compute_capability": float(compute_capability),
        "codegen.cpp.extra_compile_args_gcc": _std_flag(
            prefs["codegen.cpp.extra_compile_args_gcc"]),
    }


def patch_makefile(directory: str, curand_include: str, curand_library: str) -> str:
    """Make brian2cuda's makefile in *directory* use C++17 and the cuRAND found here.

    Returns the new makefile text.  The cuRAND library is linked through a
    ``libcurand.so`` symlink in ``<directory>/curand_link`` (the wheel ships
    only ``libcurand.so.10``); its own folder becomes the binary's run path.
    """
    path = os.path.join(directory, "makefile")
    with open(path) as f:
        text = f.read()
    text = re.sub(r"-std=c\+\+\d+", f"-std={CXX_STANDARD}", text)
    link_dir = os.path.join(os.path.abspath(directory), "curand_link")
    os.makedirs(link_dir, exist_ok=True)
    link = os.path.join(link_dir, "libcurand.so")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.realpath(curand_library), link)
    lib_dir = os.path.dirname(os.path.realpath(curand_library))
    text = re.sub(r"^(NVCCFLAGS = -I\.)", rf"\1 -I{curand_include}", text, count=1, flags=re.M)
    text = re.sub(r"^(LFLAGS = -lcurand)",
                  rf"\1 -L{link_dir} -Xlinker -rpath,{lib_dir}", text, count=1, flags=re.M)
    with open(path, "w") as f:
        f.write(text)
    return text


def drop_orphaned_arrays(device) -> int:
    """Forget the device's arrays whose owner no longer exists; return how many.

    A group built under the device and then dropped (a user's scratch group;
    a :class:`~neurolab_snn.models.base.NeuronModel` checks its units on the
    runtime device and leaves none) leaves its arrays behind; brian2cuda fails on
    them with a ReferenceError.
    """
    dropped = 0
    for table in (device.arrays, device.dynamic_arrays, device.dynamic_arrays_2d):
        for var in list(table):
            try:
                var.owner.name
            except ReferenceError:
                del table[var]
                dropped += 1
    return dropped


class CudaSimulation(StandaloneSimulation):
    """One network, generated and compiled once with brian2cuda, run on the GPU.

    Parameters
    ----------
    factory, duration, dt, seed, directory, prefs
        As for :class:`~neurolab_snn.sim.standalone.StandaloneSimulation`.
    compute_capability : float, optional
        Target GPU architecture (default: that of the GPU ``gpu_id``); needed
        where no GPU is present.
    gpu_id : int
        Which GPU runs the binary.
    compile_only : bool
        Generate and compile, never run (no GPU needed); :meth:`run` raises.

    Attributes
    ----------
    environment : CudaEnvironment
        What :func:`check_cuda` found.
    """

    backend = "cuda"

    def __init__(self, factory, duration, *, compute_capability: float | None = None,
                 gpu_id: int = 0, compile_only: bool = False, **kwargs):
        self.environment = check_cuda(require_gpu=not compile_only,
                                      compute_capability=compute_capability)
        gpus = self.environment.gpus
        if gpus and not 0 <= gpu_id < len(gpus):
            raise ValueError(f"gpu_id={gpu_id}: expected 0..{len(gpus) - 1} "
                             f"({len(gpus)} GPU(s) found)")
        self.compute_capability = float(compute_capability if compute_capability is not None
                                         else gpus[gpu_id][1])
        self.gpu_id, self.compile_only = int(gpu_id), bool(compile_only)
        super().__init__(factory, duration, **kwargs)

    def _new_device(self):
        from brian2cuda.device import CUDAStandaloneDevice
        return CUDAStandaloneDevice()

    def _prefs(self) -> dict:
        return {**cuda_prefs(self.compute_capability, self.gpu_id), **self.extra_prefs}

    def _scope(self):
        stack = super()._scope()
        stack.enter_context(single_clock(self.dt))
        return stack

    def _generate(self) -> None:
        from brian2cuda.utils.gputools import reset_gpu_selection
        reset_gpu_selection()  # brian2cuda caches the GPU choice process-wide
        drop_orphaned_arrays(self.device)
        super()._generate()
        patch_makefile(self.directory, self.environment.curand_include,
                       self.environment.curand_library)

    def _compile(self) -> None:
        try:
            super()._compile()
        except RuntimeError as err:
            version = ".".join(map(str, self.environment.cuda_version or ()))
            raise RuntimeError(
                f"nvcc {version} could not compile the generated CUDA project for compute "
                f"capability {self.compute_capability} ({' '.join(str(err).split())[:160]}); "
                "pass directory=... to keep the project and run make there for the compiler "
                "output") from None

    def _run_binary(self, run_args: list) -> None:
        if self.compile_only:
            raise BackendUnavailable("this CudaSimulation was built with compile_only=True; "
                                     "build it without compile_only on a machine with an "
                                     "NVIDIA GPU to run it")
        super()._run_binary(run_args)
