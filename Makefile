# Steward — `make run` to try it, `make test` to check it.
SHELL := /bin/sh
PYTHON := $(shell bin/find-python)
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# The Redis of the shared-cache tests; the application's own cache stays in memory during tests.
STEWARD_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PG_URL STEWARD_TEST_REDIS_URL
# Every test runs under make: a missing service or tool fails the run instead of skipping tests.
export STEWARD_REQUIRE_ALL := 1

.PHONY: install run test test-sqlite test-postgres services browser synapse lint bandit audit bench demo messages clean

$(VENV)/.installed: pyproject.toml uv.lock
	@test -n "$(PYTHON)" || { bin/find-python; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# A venv made by uv has no pip: bootstrap it only when uv itself is missing or another version.
	$(UV) --version 2>/dev/null | grep -qE "^uv $(UV_VERSION)( |$$)" || { $(PY) -m pip --version >/dev/null 2>&1 || \
	  $(PY) -m ensurepip --default-pip; $(PY) -m pip install --quiet "uv==$(UV_VERSION)"; }
	$(UV) sync --frozen --inexact --python $(PY)
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	bin/run

demo: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo

# Debian's Chromium drives the browser tests (no browser download from elsewhere); Noto fonts
# make screenshots of the Arabic, Hindi and Chinese/Japanese pages readable.
browser:
	@{ command -v chromium && fc-list :lang=ja | grep -q .; } >/dev/null 2>&1 || { apt-get update && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-core fonts-noto-cjk; }

# The Matrix homeserver (Synapse) the Matrix tests start on 127.0.0.1, in an environment of its own
# so that its dependencies never mix with Steward's; pinned with hashes in tests/matrix/synapse.lock.
SYNAPSE_VENV := .synapse
$(SYNAPSE_VENV)/.installed: tests/matrix/synapse.lock | $(VENV)/.installed
	test -x $(SYNAPSE_VENV)/bin/python || $(UV) venv --quiet --python $(PYTHON) $(SYNAPSE_VENV)
	$(UV) pip install --quiet --python $(SYNAPSE_VENV)/bin/python --require-hashes -r tests/matrix/synapse.lock
	touch $@

synapse: $(SYNAPSE_VENV)/.installed

# What the tests need besides Python: installs gettext and the PostgreSQL client if missing, starts
# PostgreSQL (PG_URL) and Redis (STEWARD_TEST_REDIS_URL) if they are installed but not running,
# and otherwise stops saying which is missing and how to get it.
services: install
	bin/test-services $(PY)

test: install browser services synapse
	$(MAKE) bandit
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: install services
	$(PY) -m pytest -n 2

test-postgres: install services
	DATABASE_URL=$(PG_URL) $(PY) -m pytest -n 2 -m "not browser"

lint: install
	$(VENV)/bin/ruff check steward tests benchmarks
	$(VENV)/bin/mypy steward
	$(VENV)/bin/lint-imports
	$(MAKE) bandit

# Static security checks of the application code; any finding, low severity included, fails.
bandit: install
	$(VENV)/bin/bandit -c pyproject.toml -r steward --quiet

# Known vulnerabilities in the locked dependencies. Needs the network, so not part of `make test`.
audit: install
	bin/audit

bench: install
	$(PY) benchmarks/run.py

messages: install
	cd steward && ../$(PY) ../manage.py makemessages -a --no-obsolete && ../$(PY) ../manage.py compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
