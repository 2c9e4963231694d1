# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck pytest services browser mojolicious bench bench-scan clean

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

# After browser: both may apt-get install, and dpkg takes one at a time.
mojolicious: | browser
	scripts/mojolicious.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy --strict src

# Two test workers per core: the tests wait on real servers, sockets, time-outs and the
# scanner's timed probes more than they compute (tests/scan/checks on 2 cores: 320 s with
# 2 workers, 189 s with 4, 173 s with 6, each at about the same CPU time).
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))

# The tests start the CLI in hundreds of fresh interpreters: with PYTHONDONTWRITEBYTECODE
# set (it is on some CI machines) each one compiled apiward's 430 modules again: 0.7 s of
# CPU a run (`apiward api add`: 2.9 s without bytecode, 2.1 s with).
pytest: $(VENV)/.installed-test services browser mojolicious
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup --no-loadscope-reorder

# Lint and typecheck run beside pytest: on 2 cores the suite leaves the CPU idle in its
# waits and its tail, which mypy's 30 s of CPU fill. No --output-sync: it would hold back
# pytest's progress until the end (make syncs by command, not by line).
test:
	@$(MAKE) --no-print-directory -j3 lint typecheck pytest

# Every benchmark but the peer comparison; each prints its own figures.
BENCHMARKS := startup spec_load audit_corpus inventory redaction jwt_crack input_checks guard_overhead

bench: $(VENV)/.installed-test
	@for b in $(BENCHMARKS); do echo "== benchmarks/$$b.py"; $(BIN)/python benchmarks/$$b.py || exit 1; done

# apiward's scan against schemathesis and OFFAT (each in its own venv under .bench/), ~10 min.
bench-scan: $(VENV)/.installed
	$(BIN)/python benchmarks/scan_speed.py

clean:
	rm -rf $(VENV) .bench .pytest_cache .mypy_cache .ruff_cache
