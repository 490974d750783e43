# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    start the whole app (web, Celery worker and scheduler) with demo data
#   make test   run the whole test suite
# and one more for the browser tests alone, with their accessibility and HTML checks:
#   make e2e    (needs Node.js for npm, Java 17 and Debian's chromium)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Every link in the emails starts with this: the demo's own address unless you give another.
SITE_URL ?= http://127.0.0.1:$(PORT)
INSTALLED := $(VENV)/.installed
# Parallel test workers (pytest-xdist): one per core unless you give a number.
TEST_WORKERS ?= auto

.PHONY: install node-deps run test lint format e2e assets clean

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(INSTALLED)

install: $(INSTALLED)

run: install
	$(BIN)/python manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py demo_info --url http://127.0.0.1:$(PORT)/
	# honcho sets its own PORT for each process, so the web port travels as WEB_PORT; the
	# worker that sends the emails gets SITE_URL, so their links point at this port.
	SITE_URL=$(SITE_URL) WEB_PORT=$(PORT) $(BIN)/honcho --procfile Procfile.dev start

# The browser tests' checkers, axe-core and the Nu HTML checker (vnu-jar), come from npm;
# node_modules is not committed. --ignore-scripts: nothing from npm runs at install.
node-deps:
	test -f node_modules/axe-core/axe.min.js -a -f node_modules/vnu-jar/build/dist/vnu.jar \
		|| npm install --ignore-scripts --no-audit --no-fund

# The whole suite: everything but the browser tests spread over TEST_WORKERS processes, each
# with its own test database, then the browser tests in one process (their checkers installed
# when npm is here; without them the browser tests that need them are skipped, except in CI).
# SKIP_E2E=1 leaves the browser tests out (CI runs them once, on their own, with `make e2e`).
test: install
	if command -v npm >/dev/null; then $(MAKE) --no-print-directory node-deps; fi
	$(BIN)/pytest -n $(TEST_WORKERS) --ignore=tests/browser $(PYTEST_ARGS)
	$(if $(SKIP_E2E),,$(BIN)/pytest tests/browser $(PYTEST_ARGS))

# The browser tests alone; the last line printed counts the journeys passed and the pages
# checked by axe and by the Nu HTML checker.
e2e: install node-deps
	$(BIN)/pytest tests/browser $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rebuild static/ from GOV.UK Frontend (needs Node.js; the output is committed).
assets:
	npm install --no-audit --no-fund
	npm run build

clean:
	rm -rf $(VENV) var
