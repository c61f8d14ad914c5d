# The one entry point. `make demo` runs the system with demo data; `make test` runs every test.
# Both install what they need into .venv/ (and, when missing, Debian's gettext and chromium).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Second pass of the test suite; SKIP_POSTGRES=1 skips it (documented in README).
POSTGRES_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
SKIP_POSTGRES ?=
PYTEST_ARGS ?=
TEST_JOBS ?= 2

# manage.py defaults to the dev settings; the tests always use library_site.settings.test.
export PORTAL_PORT := $(PORT)
TEST_SETTINGS := DJANGO_SETTINGS_MODULE=library_site.settings.test

.PHONY: demo test serve install install-test system-gettext system-deps messages lint check pytest-sqlite pytest-postgres lock clean bench

demo: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_demo
	$(MAKE) --no-print-directory serve

# The task worker runs beside the web server and stops with it.
serve:
	@echo "Serving on http://$(HOST):$(PORT)/ (task worker running beside it; Ctrl+C stops both)"
	@$(PY) manage.py db_worker & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The SQLite and PostgreSQL passes run side by side (one core each), each printing its
# output when it ends; TEST_JOBS=1 runs them one after the other.
test: install-test system-deps messages lint check
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target pytest-sqlite pytest-postgres

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-base: $(PY) requirements/base.txt requirements/constraints.txt
	$(BIN)/pip install --quiet -r requirements/base.txt -c requirements/constraints.txt
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed-base requirements/test.txt
	$(BIN)/pip install --quiet -r requirements/test.txt -c requirements/constraints.txt
	@touch $@

install: $(VENV)/.installed-base system-gettext
install-test: $(VENV)/.installed-test system-gettext

# Debian packages: gettext compiles the translations, chromium drives the browser tests.
system-gettext:
	@command -v msgfmt >/dev/null || { echo "Installing gettext (msgfmt)…"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext) >/dev/null \
		|| { echo "Could not install gettext: run 'apt-get install gettext' as root."; exit 1; }; }

system-deps:
	@test -x /usr/bin/chromium || { echo "Installing chromium for the browser tests…"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
		|| { echo "Could not install chromium: run 'apt-get install chromium' as root."; exit 1; }; }

messages:
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

check:
	$(TEST_SETTINGS) $(PY) manage.py check --fail-level WARNING
	$(TEST_SETTINGS) $(PY) manage.py makemigrations --check --dry-run

pytest-sqlite:
	@echo "== pytest on SQLite =="
	$(TEST_SETTINGS) DATABASE_URL= $(BIN)/pytest $(PYTEST_ARGS)

pytest-postgres:
	@if [ -n "$(SKIP_POSTGRES)" ]; then echo "== pytest on PostgreSQL skipped (SKIP_POSTGRES is set) =="; exit 0; fi; \
	echo "== pytest on PostgreSQL ($(POSTGRES_TEST_URL)) =="; \
	DATABASE_URL="$(POSTGRES_TEST_URL)" $(PY) -m library_site.db_ready || exit 1; \
	$(TEST_SETTINGS) DATABASE_URL="$(POSTGRES_TEST_URL)" $(BIN)/pytest $(PYTEST_ARGS)

# Re-pin every transitive dependency after changing requirements/*.txt.
lock: $(VENV)/.installed-test
	@{ echo "# Every installed version, from \`pip freeze\` of requirements/test.txt; update with \`make lock\`."; \
		$(BIN)/pip freeze --exclude-editable; } > requirements/constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
