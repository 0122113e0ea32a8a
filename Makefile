# Two commands do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils fonts-dejavu-core
APT_TEST_PACKAGES := chromium
PG_BIN := $(shell ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -n 1)

ifeq ($(CI),true)
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cbe_portal
export REDIS_URL ?= redis://127.0.0.1:6379/1
endif

# What the type check covers, found by glob so modules moving between apps stay covered.
TYPED_FILES = $(wildcard */services.py */*_services.py */services/*.py */selectors.py \
  */*_selectors.py */selectors/*.py */scoring.py */scores.py */summaries.py frameworks/document.py)
TEST_ENV := CBE_VAR_DIR=$(CURDIR)/var/test
# The fast set runs on an in-memory SQLite database. Browser and worker tests run in a
# second session (tests/conftest.py gives worker tests a database file) at the same time:
# they mostly wait on Chromium and Celery while the fast set keeps the CPU busy. The second
# session has its own files, its own PostgreSQL test database and its own Redis database,
# so neither session can clear what the other is using.
FAST_TESTS := not browser and not worker
# The fast set is CPU bound: two pytest-xdist workers, whole files to each (a module's
# shared fixtures are built once), each with its own test database, cache and media
# folder (tests/conftest.py). FAST_WORKERS= runs it in one process.
FAST_WORKERS ?= -n 2 --dist loadfile
LIVE_ENV := CBE_VAR_DIR=$(CURDIR)/var/test-live
ifeq ($(CI),true)
LIVE_ENV += DATABASE_URL=$(DATABASE_URL)_live REDIS_URL=$(patsubst %/1,%/2,$(REDIS_URL))
endif

# `make run` serves plain http on this machine: no redirect to https, cookies sent over http.
LOCAL_HTTP := SECURE_SSL_REDIRECT=false SECURE_COOKIES=false SECURE_HSTS_SECONDS=0

.PHONY: run test test-fast lint typecheck services system-deps system-deps-test bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

system-deps-test: system-deps
	@missing=$$(for p in $(APT_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

# Under CI the tests use the machine's PostgreSQL and Redis; start them if they stopped.
services:
ifeq ($(CI),true)
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | tail -n 1) main start
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in $$(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='cbe_portal'" | grep -q 1 || createdb -h 127.0.0.1 -U postgres cbe_portal
endif

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(TEST_ENV) $(BIN)/mypy $(TYPED_FILES)

# Everything CI runs: lint, type check, migrations, the fast set, then browser and worker tests.
test: $(STAMP) system-deps-test services lint typecheck
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/python manage.py check
	$(TEST_ENV) DEBUG=false SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))") \
	  ALLOWED_HOSTS=example.org $(BIN)/python manage.py check --deploy --fail-level WARNING
	@mkdir -p var/test-live
	@$(LIVE_ENV) $(BIN)/pytest -m "browser or worker" > var/test-live/pytest.log 2>&1 & live=$$!; \
	  $(TEST_ENV) $(BIN)/pytest -m "$(FAST_TESTS)" $(FAST_WORKERS); fast=$$?; \
	  wait $$live; live_status=$$?; \
	  echo "--- browser and worker tests (second session) ---"; cat var/test-live/pytest.log; \
	  exit $$(( fast || live_status ))

# Before each commit: lint, type check, migrations and the fast set without slow tests.
test-fast: $(STAMP) system-deps lint typecheck
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/pytest -m "$(FAST_TESTS) and not slow"

run: $(STAMP) system-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_framework frameworks/cbe-v1.yaml
	$(BIN)/python manage.py load_framework frameworks/cbe-v2.yaml
	$(BIN)/python manage.py seed_demo --i-know-this-is-not-production
	@echo "Starting the Celery worker and the web server on http://127.0.0.1:8000 (Ctrl-C stops both)"
	@$(BIN)/celery -A cbe_portal worker --beat --loglevel=INFO --concurrency=2 \
	    --schedule=var/celerybeat-schedule > var/worker.log 2>&1 & worker=$$!; \
	  trap "kill $$worker 2>/dev/null; wait $$worker 2>/dev/null" EXIT INT TERM; \
	  $(LOCAL_HTTP) $(BIN)/gunicorn cbe_portal.wsgi --bind 127.0.0.1:8000 --workers 3 --access-logfile -

# Every benchmark, each figure beside its baseline; QUICK=1 measures fewer pairs at
# national scale. The national data set is built once (a few minutes) and then reused.
bench: $(STAMP) system-deps
	$(BIN)/python bench/run_all.py $(if $(QUICK),--quick)

clean:
	rm -rf var/test var/test-live var/broker var/celerybeat-schedule* var/mypy-cache
