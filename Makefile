# neurolab_snn: the README's two commands and a few helpers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= results
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: figures test venv bench lint-imports clean

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
	$(BIN)/lint-imports --config setup.cfg
	MPLBACKEND=Agg $(BIN)/pytest -q

## Benchmarks (not run by CI): ratios against the named peers, measured in one run.
bench: venv
	$(BIN)/python benchmarks/bench_fi_curve.py

lint-imports: venv
	$(BIN)/lint-imports --config setup.cfg

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
