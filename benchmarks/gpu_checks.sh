#!/usr/bin/env bash
# GPU checks of the cuda backend, in one go, on a machine with an NVIDIA GPU (docs/backends.md).
#
#   PYTHON=.venv-cuda/bin/python benchmarks/gpu_checks.sh [OUT_DIR] [SECONDS]
#
# Two streams run side by side and each stops by itself well inside SECONDS (default 540):
#  * the gpu-marked tests (cuda vs cpp_standalone: identical spikes for deterministic input,
#    the same statistics for Poisson input; a network trained on the CPU gives the same
#    predictions on the GPU) -> OUT_DIR/pytest_gpu.log;
#  * the scaling benchmark, largest size first (COBAHH at 1,024,000 neurons is the goal:
#    <= 4 s per biological second on an H100), then smaller sizes, the mushroom body and a
#    cpp_standalone (1 thread) baseline on the same machine -> OUT_DIR/bench_gpu_scaling.{json,md,png}.
# Each benchmark size is its own process with its own time limit, so one slow size cannot
# starve the rest; rows are appended to the JSON as they finish.
set -u
OUT=${1:-results/benchmarks/gpu_checks}
BUDGET=${2:-540}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
START=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - START) )); }

{ nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv
  nvcc --version | tail -2; nproc; "$PY" -c "import brian2, brian2cuda, numpy; \
print('brian2', brian2.__version__, 'brian2cuda', brian2cuda.__version__, 'numpy', numpy.__version__)"
  "$PY" -c "from neurolab_snn.sim.cuda import cuda_environment; print(cuda_environment())"
} > "$OUT/environment.txt" 2>&1
cat "$OUT/environment.txt"

# stream 1: the gpu-marked tests, in the background
timeout $(( BUDGET - 30 )) "$PY" -m pytest -q -p no:cacheprovider -m gpu -rA -s \
    tests/sim/test_gpu_backends.py tests/training/test_backend_inference.py \
    > "$OUT/pytest_gpu.log" 2>&1 &
TESTS=$!

# stream 2: the scaling benchmark, one process per size
bench() {  # bench SECONDS ARGS...
    local limit=$1; shift
    local budget; budget=$(( $(left) - 25 ))
    (( limit > budget )) && limit=$budget
    if (( limit < 30 )); then echo "[skip] no time left for: $*"; return; fi
    timeout "$limit" "$PY" benchmarks/bench_gpu_scaling.py --out "$OUT" "$@" \
        || echo "[stop] after ${limit} s or an error: $*"
}
bench 300 --backends cuda --networks cobahh --scales 256
bench 120 --backends cuda --networks cobahh --scales 16
bench 100 --backends cpp_standalone --networks cobahh --scales 1
bench 100 --backends cuda --networks cobahh --scales 1
bench 150 --backends cuda --networks mbody --scales 400
bench 100 --backends cuda --networks mbody --scales 16

wait $TESTS
echo "pytest exit status: $?"
tail -n 25 "$OUT/pytest_gpu.log"
"$PY" benchmarks/bench_gpu_scaling.py --out "$OUT" --report | tail -n 20
echo "total: $(( $(date +%s) - START )) s"
