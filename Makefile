# Edu Sphere: `make run` serves the demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help install browser run test lint format migrations-check deploy-check audit bench bench-announce lock clean \
	lighthouse screenshots

help:
	@echo "make run    - install, migrate, load demo data, serve on http://$(HOST):$(PORT),"
	@echo "              with a background-task worker and the scheduler (Procfile.dev)"
	@echo "              (another port: make run PORT=8001; another address: HOST=0.0.0.0)"
	@echo "make test   - install (Chromium too, when missing) and run the whole test suite"
	@echo "make lint   - ruff check and format check, bandit, import layers (lint-imports)"
	@echo "make bench  - load test against a large seeded database"
	@echo "make bench-announce - an announcement to 10,000 students: request time, emails (PostgreSQL)"
	@echo "make audit  - pip-audit of the locked dependencies (needs the vulnerability service)"
	@echo "make lock   - recompile requirements.lock from pyproject.toml"
	@echo "make lighthouse  - Lighthouse (phone) on home, catalog, course page, player of the demo site"
	@echo "make screenshots - laptop and phone screenshots of the demo site into docs/screenshots/"

# The venv is rebuilt only when the lock changes.
$(VENV)/.installed: requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || (echo "Python 3.11+ is required" && exit 1)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip install --python $(PY) --quiet --require-hashes -r requirements.lock
	@touch $@

install: $(VENV)/.installed

lock:
	@test -x $(UV) || (test -x $(PY) || $(PYTHON) -m venv $(VENV); $(PY) -m pip install --quiet uv==$(UV_VERSION))
	$(UV) pip compile pyproject.toml --group dev --python-version 3.11 --generate-hashes -o requirements.lock

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_activity
	RUN_HOST=$(HOST) RUN_PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

# Chromium for the browser tests: nothing to do when there is one; otherwise apt-get (as
# root) or Playwright's own download, or one line saying what to run.
browser: install
	@scripts/ensure_chromium.sh

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r core mail accounts courses progress assessment certificates payments teaching notifications dashboards demo edusphere
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

deploy-check: install
	DEBUG=False REDIS_URL=redis://127.0.0.1:6379/0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	ALLOWED_HOSTS=edusphere.example.com SITE_URL=https://edusphere.example.com \
	$(PY) manage.py check --deploy --fail-level WARNING

audit: install
	$(VENV)/bin/pip-audit --strict --require-hashes -r requirements.lock

bench: install
	$(PY) -m bench.run

# Only the announcement to 10,000 students (PostgreSQL; make bench runs it too).
bench-announce: install
	$(PY) -m bench.announce

# Lighthouse pinned in tools/lighthouse (npm ci, again only when its lock changes).
tools/lighthouse/node_modules/.installed: tools/lighthouse/package-lock.json
	cd tools/lighthouse && npm ci --no-audit --no-fund
	@touch $@

lighthouse: install browser tools/lighthouse/node_modules/.installed
	$(PY) scripts/lighthouse.py

screenshots: install browser
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) staticfiles .test-db.sqlite3* .pytest_cache .import_linter_cache .lighthouse tools/lighthouse/node_modules
