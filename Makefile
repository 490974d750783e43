# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    start the whole app (web, Celery worker and scheduler) with demo data
#   make test   run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
INSTALLED := $(VENV)/.installed

.PHONY: install run test lint format e2e assets clean

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(INSTALLED)

install: $(INSTALLED)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py demo_info --url http://127.0.0.1:$(PORT)/
	# honcho sets its own PORT for each process, so the web port travels as WEB_PORT.
	WEB_PORT=$(PORT) $(BIN)/honcho --procfile Procfile.dev start

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rebuild static/ from GOV.UK Frontend (needs Node.js; the output is committed).
assets:
	npm install --no-audit --no-fund
	npm run build

clean:
	rm -rf $(VENV) var
