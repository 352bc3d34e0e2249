# The two commands of the README: `make run` and `make test`. Both prepare what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test test-fast system-run system-test venv migrate check-deploy clean bench

# Every package at the version and with the hashes of the lockfile (requirements/README.md).
$(STAMP): pyproject.toml requirements/test.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/test.lock
	touch $(STAMP)

venv: $(STAMP)

system-run:
	@PYTHON=$(PYTHON) scripts/ensure_system_packages.sh run

system-test:
	@PYTHON=$(PYTHON) scripts/ensure_system_packages.sh test

run: system-run venv
	$(PY) scripts/rundev.py

# In parallel: each pytest-xdist worker has its own database, Redis databases and files
# (tests/worker_isolation.py); tests sharing one costly session fixture are marked for one worker.
# Twice the cores: many tests wait on workers, servers and browsers they start, and a core one
# worker leaves idle while it waits is used by another.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
test: system-test venv
	$(PY) scripts/testenv.py -- $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The Django-free and unit tests: no browser, no live server, no database (see tests/conftest.py).
# One worker a core: these do not wait, and each worker sets up its own test database.
FAST_WORKERS ?= auto
test-fast: system-test venv
	$(PY) scripts/testenv.py -- $(PY) -m pytest -n $(FAST_WORKERS) --dist loadgroup -m "not browser and not slow and not database" $(PYTEST_ARGS)

bench: venv
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var staticfiles
