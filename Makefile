# The two README commands: `make demo` (the main job) and `make test` (every test).
# Each creates .venv and installs the project with what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test test-fast check bench soak clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

# The demo needs only the package and its progress bar, not the dev tools.
$(VENV)/.demo-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[progress]"
	touch $@

demo: $(VENV)/.demo-installed
	$(VENV)/bin/codegen-client demo

test: $(VENV)/.installed
	PYTHON=$(PY) scripts/test

# The quick loop: no slow, Redis/Celery or CLI subprocess tests, no coverage.
test-fast: $(VENV)/.installed
	PYTHON=$(PY) scripts/test-fast

check: $(VENV)/.installed
	PYTHON=$(PY) scripts/check

bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) -m benchmarks.run

soak: $(VENV)/.installed
	$(PY) -m benchmarks.soak
	$(PY) -m benchmarks.soak_shared

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .coverage
