# Two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 8000
export PORT  # the portal prints links to where it is served (portal/config.py)
STAMP := $(VENV)/.requirements-installed
DEV_STAMP := $(VENV)/.requirements-dev-installed

.PHONY: run test lint test-sqlite test-postgres bench bench-large mutants setup venv translations db system-deps clean

setup: venv translations

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

translations: venv
	$(BIN)/python -m babel.messages.frontend compile --statistics -d portal/translations 2>&1 | tail -n 2

db: setup
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty

run: db
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile - wsgi:app

# The test-suite needs a PostgreSQL server binary and Debian's chromium; install when missing.
system-deps:
	@bash .ci/system-deps.sh

# Style and size rules (ruff.toml): part of the test run.
lint: venv
	$(BIN)/ruff check .

test: setup system-deps lint
	$(BIN)/python -m pytest -p no:cacheprovider tests
	PORTAL_TEST_DB=postgresql $(BIN)/python -m pytest -p no:cacheprovider tests

test-sqlite: setup
	$(BIN)/python -m pytest -p no:cacheprovider tests

test-postgres: setup system-deps
	PORTAL_TEST_DB=postgresql $(BIN)/python -m pytest -p no:cacheprovider tests

# Speed is measured here, not in timed tests. Each line: `name: value unit (target)`.
# Each `--postgres` run measures SQLite first, then a throwaway PostgreSQL cluster.
bench: setup system-deps
	$(BIN)/python -m bench.upload --postgres
	$(BIN)/python -m bench.presence --postgres
	$(BIN)/python -m bench.dashboards --orgs 2000 --postgres
	$(BIN)/python -m bench.worst_file
	$(BIN)/python -m bench.deadline --postgres

# The same dashboards at 20,000 organizations (slow: several minutes on 2 cores).
bench-large: setup system-deps
	$(BIN)/python -m bench.dashboards --orgs 20000 --repeat 5 --postgres

# Mutation testing (mutmut, setup.cfg [mutmut]) of the modules that hold the rules; slow, so
# never part of `make test` or CI. One child process: the machine is shared. Results are kept
# in mutants/ and a rerun continues; `MUTANTS="portal.rules*" make mutants` runs one module.
# The default: every module of setup.cfg's only_mutate (the rules, scoping, the workflow, the
# status queries, the report-file parser and confirm, the dashboards, the commit point).
MUTANTS ?= portal.rules* tenants.scoping* tenants.policy* tenants.scope_hook* tenants.urls* \
	portal.status.queries* portal.reports.operations* portal.reports.workflow* \
	portal.reports.period_operations* portal.report_files.parse* portal.report_files.upload* \
	dashboards.metrics* dashboards.queries* portal.database* portal.transactions* \
	portal.refusals*
$(DEV_STAMP): requirements-dev.txt $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV_STAMP)

mutants: setup $(DEV_STAMP)
	$(BIN)/mutmut run --max-children 1 $(foreach m,$(MUTANTS),"$(m)")
	$(BIN)/python tests/mutation_score.py

clean:
	rm -rf $(VENV) instance mutants
