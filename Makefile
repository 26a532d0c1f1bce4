# The two front-door commands are `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run run-zones test lint lock messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The lock files pin every package with its hashes (`make lock` writes them): pip refuses anything else.
$(VENV)/.run-installed: requirements.txt requirements-run.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt -r requirements-run.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

## run: the whole system on this machine: SQLite and a filesystem broker under var/, web + worker + beat
run: $(VENV)/.run-installed
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Sunshine Portal: http://127.0.0.1:8000/  (Ctrl-C stops web, worker and beat)"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

## run-zones: both zones on this machine, joined only by a spool directory (docs/deployment.md):
## external http://127.0.0.1:8000/ (citizens), internal http://127.0.0.1:8001/ (staff)
ZONES := EXCHANGE_TRANSPORT=spool EXCHANGE_SPOOL_DIR=$(CURDIR)/var/spool EXCHANGE_INTERVAL=5
run-zones: $(VENV)/.run-installed
	mkdir -p var/external var/internal var/spool
	$(ZONES) VAR_DIR=var/internal PORTAL_ZONE=internal $(BIN)/python manage.py migrate --noinput
	$(ZONES) VAR_DIR=var/internal PORTAL_ZONE=internal $(BIN)/python manage.py seed_demo
	$(ZONES) VAR_DIR=var/external PORTAL_ZONE=external $(BIN)/python manage.py migrate --noinput
	$(ZONES) VAR_DIR=var/external PORTAL_ZONE=external $(BIN)/python manage.py seed_demo
	@echo "External zone (citizens): http://127.0.0.1:8000/   Internal zone (staff): http://127.0.0.1:8001/"
	$(ZONES) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.zones

## test: lint, migrations check and the whole suite (DATABASE_URL / CELERY_BROKER_URL when set)
test: $(VENV)/.dev-installed lint
	DJANGO_SETTINGS_MODULE=portal.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## lock: after editing a requirements*.in file, compile the lock files with every dependency and its hashes
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host
lock: $(VENV)/.dev-installed
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in
	$(PIP_COMPILE) --output-file requirements-run.txt requirements-run.in

## messages: refresh the translation catalogue after changing strings (needs GNU gettext)
messages: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*'
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

clean:
	rm -rf var/portal.sqlite3* var/broker var/external var/internal var/spool
