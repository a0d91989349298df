# Tsunagiai — the two commands of the README, and a few helpers.
#   make run    set up and serve the demo on SQLite at http://127.0.0.1:8000
#   make test   the whole suite: lint, type check, tests (incl. the missing-migration check)
#   make serve  the production server: gunicorn (config/gunicorn.conf.py) with the static files, on the
#               database DATABASE_URL names (SQLite by default); docs/deployment.md
#   make worker the task worker for background work (TASKS_BACKEND=django_tasks_db.DatabaseBackend)

PYTHON ?= python3.12
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_SCALE ?= small
# Tests run in parallel on all cores unless told otherwise.
PYTEST_WORKERS ?= auto

.PHONY: run serve worker test venv lint typecheck pytest browser-deps messages clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.12 is needed (pyenv: a .python-version file selects it)."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

run: venv
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_reference
	$(PY) manage.py demo_data --scale $(DEMO_SCALE)
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py print_demo_logins
	@# --insecure serves the static files while DEBUG stays off (no tracebacks shown to users).
	@# The demo draws its maps on the invented sample boundaries (a city sets its own file).
	TSUNAGIAI_DISTRICTS_GEOJSON=$${TSUNAGIAI_DISTRICTS_GEOJSON:-data/reference/toyota/sample_districts.geojson} \
		$(PY) manage.py runserver --insecure $(HOST):$(PORT)

# The production server. Migrations and collectstatic first (one machine; with several app servers run them
# once per release instead, as deploy/systemd does), then gunicorn in the foreground.
serve: venv
	$(PY) manage.py migrate --no-input
	TSUNAGIAI_SERVE_COLLECTED_STATIC=1 $(PY) manage.py collectstatic --no-input --verbosity 0
	$(BIN)/gunicorn --config config/gunicorn.conf.py --bind $(HOST):$(PORT)

# Runs the background tasks queued in the database until stopped. The app queues them there only when it runs
# with the same TASKS_BACKEND (deploy/tsunagiai.env.example); without it, tasks run inside the request.
worker: venv
	TASKS_BACKEND=$${TASKS_BACKEND:-django_tasks_db.DatabaseBackend} $(PY) manage.py db_worker --queue-name '*'

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the app layers (.importlinter, docs/architecture.md)

typecheck: venv
	$(BIN)/mypy .

pytest: venv
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test: lint typecheck pytest

browser-deps:
	@command -v chromium >/dev/null 2>&1 && command -v xgettext >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk gettext)

messages: venv
	$(PY) docs/dev/makemessages.py
	$(PY) manage.py compile_messages_py

clean:
	rm -rf $(VENV) var
