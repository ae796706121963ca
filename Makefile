# kommcert: two commands on a fresh machine with Python 3.11+.
#   make run    installs (with the Debian libraries for PDFs), migrates an SQLite database, loads the demo Land,
#               serves on :8000
#   make test   installs the same way (plus Debian's chromium) and runs the whole suite

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DB ?= sqlite:///kommcert-demo.sqlite3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install browser system-packages lint migration clean

$(STAMP): requirements.lock pyproject.toml setup.py src/kommcert/scan/_fastscan.c
	$(PYTHON) scripts/check_python.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Debian packages: WeasyPrint's libraries and fonts (PDFs), and chromium for the browser tests.
system-packages:
	bash scripts/ensure-system-packages.sh pdf

browser:
	bash scripts/ensure-system-packages.sh pdf browser

run: install system-packages
	KOMMCERT_ENV=dev KOMMCERT_SECURE_COOKIES=false KOMMCERT_DATABASE_URL=$(DEMO_DB) $(BIN)/kommcert db upgrade
	KOMMCERT_ENV=dev KOMMCERT_SECURE_COOKIES=false KOMMCERT_DATABASE_URL=$(DEMO_DB) $(BIN)/kommcert demo --if-empty
	KOMMCERT_ENV=dev KOMMCERT_SECURE_COOKIES=false KOMMCERT_DATABASE_URL=$(DEMO_DB) $(BIN)/kommcert serve --host $(HOST) --port $(PORT)

test: install browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests

# Rewrites the initial revision from the models (allowed until the first release).
migration: install
	$(BIN)/python scripts/regen_migration.py

clean:
	rm -rf $(VENV) kommcert-demo.sqlite3*
