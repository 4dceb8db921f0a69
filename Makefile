# neurolab_snn: the README's two commands and a few helpers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= results
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: figures test test-slow venv bench lint-imports clean

$(BIN)/neurolab: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/pip install $(PIP_FLAGS) -e ".[test,data]"
	touch $(BIN)/neurolab

venv: $(BIN)/neurolab

## Main job: every protocol script and figure panel -> $(OUT)/ (PNG + JSON), summary table.
figures: venv
	MPLBACKEND=Agg $(BIN)/neurolab figures --out $(OUT)

## Test suite (includes the import-layer contract).
test: venv
	$(BIN)/lint-imports --no-cache setup.cfg
	MPLBACKEND=Agg $(BIN)/pytest -q -m "not slow"

## Long accuracy-target tests (minutes each; not part of CI).
test-slow: venv
	MPLBACKEND=Agg $(BIN)/pytest -q -m slow

## Benchmarks (not run by CI): ratios against the named peers, measured in one run.
bench: venv
	for b in $$(ls benchmarks/bench_*.py | grep -v gpu_scaling); do \
		echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint-imports: venv
	$(BIN)/lint-imports --no-cache setup.cfg

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache

## GPU backends (docs/backends.md): brian2genn and brian2cuda cannot share one environment.
PYTHON311 ?= python3.11
PYTHON312 ?= python3.12
GENN_VENV ?= .venv-genn
CUDA_VENV ?= .venv-cuda
GENN_PINS := "brian2==2.5.4" "numpy==1.26.*" "cython<3.1" "setuptools<81" "brian2genn==1.7.0"

.PHONY: genn-env genn-test cuda-env cuda-test bench-gpu

## GeNN environment: Python 3.11, brian2 2.5.4, numpy 1.26, brian2genn 1.7.0; needs GENN_PATH.
## The package is installed with --no-deps: its own pins (brian2 >= 2.9) would replace brian2 2.5.4.
genn-env:
	@test -n "$(GENN_PATH)" || { echo "genn-env: set GENN_PATH to a GeNN 4.8/4.9 source tree (git clone --branch 4.9.0 https://github.com/genn-team/genn)"; exit 2; }
	@test -f "$(GENN_PATH)/bin/genn-buildmodel.sh" || { echo "genn-env: GENN_PATH=$(GENN_PATH) has no bin/genn-buildmodel.sh; point it at a GeNN 4.8/4.9 source tree"; exit 2; }
	$(PYTHON311) -m venv $(GENN_VENV)
	$(GENN_VENV)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(GENN_VENV)/bin/pip install $(PIP_FLAGS) $(GENN_PINS) scipy sympy matplotlib tqdm pytest
	$(GENN_VENV)/bin/pip install $(PIP_FLAGS) --no-deps -e .
	GENN_PATH="$(GENN_PATH)" $(GENN_VENV)/bin/python -c "from neurolab_snn.sim.genn import check_genn; print('genn backend ready, GeNN at', check_genn())"

## GeNN tests (CPU mode without a GPU): identical spikes to cpp_standalone.
genn-test:
	@test -x $(GENN_VENV)/bin/pytest || { echo "genn-test: run 'make genn-env GENN_PATH=...' first"; exit 2; }
	GENN_PATH="$(GENN_PATH)" MPLBACKEND=Agg $(GENN_VENV)/bin/pytest -q -rs tests/sim/test_gpu_backends.py

## CUDA environment: Python >= 3.12, brian2 2.10.1, brian2cuda 1.0b1, nvidia-curand (.[cuda]).
cuda-env:
	$(PYTHON312) -m venv $(CUDA_VENV)
	$(CUDA_VENV)/bin/pip install $(PIP_FLAGS) --upgrade pip
	$(CUDA_VENV)/bin/pip install $(PIP_FLAGS) -e ".[cuda,test]"
	$(CUDA_VENV)/bin/python -c "from neurolab_snn.sim.cuda import cuda_environment; print(cuda_environment())"

## CUDA tests: compile-only where nvcc is present, the GPU consistency test where a GPU is.
cuda-test:
	@test -x $(CUDA_VENV)/bin/pytest || { echo "cuda-test: run 'make cuda-env' first"; exit 2; }
	MPLBACKEND=Agg $(CUDA_VENV)/bin/pytest -q -rs tests/sim/test_gpu_backends.py

## Scaling benchmark (never run by CI): every backend whose environment exists, then the table.
bench-gpu: venv
	$(BIN)/python benchmarks/bench_gpu_scaling.py $(BENCH_ARGS)
	@if [ -x $(GENN_VENV)/bin/python ]; then GENN_PATH="$(GENN_PATH)" $(GENN_VENV)/bin/python benchmarks/bench_gpu_scaling.py --backends genn $(BENCH_ARGS); fi
	@if [ -x $(CUDA_VENV)/bin/python ]; then $(CUDA_VENV)/bin/python benchmarks/bench_gpu_scaling.py --backends cuda $(BENCH_ARGS); fi
