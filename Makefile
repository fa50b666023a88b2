# The project's entry points. `make run` serves the site with demo data; `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run serve test test-browser screenshots format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.requirements-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

# A development .env, written once, so that manage.py commands run as the README shows them
# (DEBUG=1 and a SECRET_KEY of its own); an existing .env is never touched.
.env:
	@umask 077 && printf 'DEBUG=1\nSECRET_KEY=%s\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote $@ for development: DEBUG=1 and a new SECRET_KEY"

# The worker runs beside the server: Ctrl-C reaches both, the worker finishes its task and
# stops, and the recipe waits for it; a server that stops by itself (its port taken) stops it.
## run: set up .venv and a development .env, migrate an SQLite database, load demo talks and
## serve on http://$(HOST), with the background worker beside the server (Ctrl-C stops both)
run: $(VENV)/.requirements .env
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py load_demo
	DEBUG=1 $(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'wait $$worker' INT; \
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST); \
	kill $$worker 2>/dev/null; wait $$worker

## serve: collect static files and serve with gunicorn on $(HOST), DEBUG off (production: needs
## SECRET_KEY and the settings in the README's "Deploying"; migrate first)
serve: $(VENV)/.requirements
	DEBUG=0 $(BIN)/python manage.py collectstatic --no-input -v0
	DEBUG=0 $(BIN)/gunicorn seminars.wsgi:application --bind $(HOST)

## test: lint, check formatting and migrations, run the test suite
test: $(VENV)/.requirements-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

## format: apply ruff's fixes and formatting
format: $(VENV)/.requirements-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(VENV)/.requirements-bench: requirements.txt requirements-test.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

## bench: time imports, pages, feeds and a load run against baselines measured in the same run,
## on small sizes (about 1 min); FULL=1 for the full sizes (about 3 min), WRITE=1 to write the
## table to bench/RESULTS.md; SCALE=1 instead: only the pages at 1,000,000 talks against 10,000,
## on a throwaway PostgreSQL server (bench/scale.py)
bench: $(VENV)/.requirements-bench
	$(BIN)/python -m bench $(if $(SCALE),--scale) $(if $(FULL),--full) $(if $(WRITE),--write)

$(VENV)/.requirements-browser: requirements.txt requirements-test.txt requirements-browser.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-browser.txt
	touch $@

# axe-core, the accessibility engine the browser tests run inside each page, from npm.
AXE_CORE_VERSION := 4.14.1
AXE_CORE_JS := $(VENV)/axe/node_modules/axe-core/axe.min.js
$(AXE_CORE_JS): Makefile
	npm install --prefix $(VENV)/axe --no-audit --no-fund --loglevel=error axe-core@$(AXE_CORE_VERSION)
	touch $@

# Debian's Chromium (`apt-get install chromium`); Playwright's own browser download is not used.
CHROMIUM ?= /usr/bin/chromium
NEED_CHROMIUM = test -x $(CHROMIUM) || { echo "No Chromium at $(CHROMIUM): apt-get install chromium, or set CHROMIUM"; exit 1; }

## test-browser: click through the site in Chromium, check accessibility (axe-core), keyboard
## focus, phones, dark mode and HTML validity (the Nu HTML Checker, which needs Java)
test-browser: $(VENV)/.requirements-browser $(AXE_CORE_JS)
	@$(NEED_CHROMIUM)
	@command -v java >/dev/null || { echo "The Nu HTML Checker needs Java: apt-get install default-jre-headless"; exit 1; }
	CHROMIUM=$(CHROMIUM) AXE_CORE_JS=$(abspath $(AXE_CORE_JS)) $(BIN)/pytest -m browser

## screenshots: take the README's screenshots (home, talk and follow pages, desktop and phone) from
## the demo talks in a throwaway database, into build/screenshots/ (not tracked); WRITE=1 to
## update docs/screenshots/*.png instead
screenshots: $(VENV)/.requirements-browser
	@$(NEED_CHROMIUM)
	CHROMIUM=$(CHROMIUM) $(BIN)/python docs/screenshots.py $(if $(WRITE),--write)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
