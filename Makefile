# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck pytest pytest-native native services browser bench bench-scan clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("apiward needs Python >= 3.11, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps reinstall only when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/apiward demo run

services:
	scripts/services.sh

browser:
	scripts/browser.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks hatch_build.py
	$(BIN)/ruff format --check src tests benchmarks hatch_build.py

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy --strict src

pytest: $(VENV)/.installed-test services browser
	$(BIN)/python -m pytest -n auto --dist loadgroup --no-loadscope-reorder

# The guard's request path compiled with mypyc (hatch_build.py) into a wheel, unpacked
# in build/native: PYTHONPATH=build/native runs apiward with the compiled guard. The
# wheel holds every module, so any change under src/ builds it again.
NATIVE_SOURCES := $(shell find src/apiward -type f -not -path '*/__pycache__/*') hatch_build.py pyproject.toml

build/native/.built: $(VENV)/.installed-test $(NATIVE_SOURCES)
	rm -rf build/native dist/native
	HATCH_BUILD_HOOK_ENABLE_CUSTOM=1 $(BIN)/python -m pip wheel --quiet --no-build-isolation \
		--no-deps -w dist/native .
	$(BIN)/python -m pip install --quiet --no-deps --target build/native dist/native/apiward-*.whl
	touch $@

native: build/native/.built

# The guard's tests again, against the compiled guard.
pytest-native: build/native/.built services
	PYTHONPATH=build/native APIWARD_EXPECT_NATIVE=1 $(BIN)/python -m pytest -n auto --dist loadgroup \
		--no-loadscope-reorder tests/guard tests/cli/test_guard.py tests/build

test: lint typecheck pytest pytest-native

# Every benchmark but the peer comparison; each prints its own figures.
BENCHMARKS := startup spec_load audit_corpus inventory redaction jwt_crack input_checks guard_overhead

bench: $(VENV)/.installed-test
	@for b in $(BENCHMARKS); do echo "== benchmarks/$$b.py"; $(BIN)/python benchmarks/$$b.py || exit 1; done

# apiward's scan against schemathesis and OFFAT (each in its own venv under .bench/), ~10 min.
bench-scan: $(VENV)/.installed
	$(BIN)/python benchmarks/scan_speed.py

clean:
	rm -rf $(VENV) .bench .pytest_cache .mypy_cache .ruff_cache build dist
