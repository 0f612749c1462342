# The commands a newcomer guesses: make run, make test, make lint.
# Everything runs from the project's own virtualenv in .venv (created on first use).

# The interpreter of the virtualenv: the distribution's /usr/bin/python3 when it is 3.11 or newer
# (Debian and Ubuntu build it with PGO and LTO, noticeably faster than a self-compiled Python
# without --enable-optimizations), else the first python3 on the PATH.
# `make PYTHON=python3.12 ...` chooses another.
PYTHON ?= $(or $(shell for p in /usr/bin/python3 python3; do \
	$$p -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; \
	done),python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WORKER_MAX_TASKS ?= 20
# Local development and tests only; production sets its own SECRET_KEY (see README).
DEV_ENV := DEBUG=1
TEST_ENV := SECRET_KEY=test-only-secret-key-not-for-production HTTPS=0 STATIC_MANIFEST=0

# gunicorn workers: one per core by default (with PostgreSQL on the same machine, more workers than
# cores served fewer requests in the benchmark); with PostgreSQL on another machine, more workers
# pay off (README, "Serving").
WEB_CONCURRENCY ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: serve run worker test test-postgres lint format migrate demo messages clean venv backup restore bench screenshots

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# Refresh the English catalogue after changing German source strings (needs GNU gettext);
# the compiled .mo file is committed, so run and test need no gettext on the machine.
messages: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=static --ignore=var --ignore=bench --ignore=tests --no-obsolete
	$(DEV_ENV) $(PY) manage.py compilemessages -l en --ignore=.venv --ignore=staticfiles

migrate: $(VENV)/.installed
	mkdir -p var
	$(DEV_ENV) $(PY) manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(PY) manage.py load_demo --restore-logins

run: demo
	@echo ""
	@echo "  Integrationsverwaltung läuft auf http://127.0.0.1:$(PORT)/"
	@echo "  Demo-Anmeldungen (nur für die Demo!), Passwort jeweils: Heinsberg-2020"
	@echo "    Kreis Heinsberg:     admin (Administration), leitung (Amts-/Dezernatsleitung),"
	@echo "                         sb-ki (Sachbearbeitung KI), sb-drk (Sachbearbeitung DRK)"
	@echo "    Musterkreis (Demo):  mk-admin, mk-leitung, mk-sb (Sachbearbeitung KI)"
	@echo "    ohne Körperschaft:   land (Landesansicht), betrieb (Administration der Installation)"
	@echo ""
	@echo "  Hintergrunddienst (manage.py worker) für Freigaben und lange PDFs läuft mit; er endet mit dem Server."
	@echo ""
	@$(DEV_ENV) $(PY) manage.py send_reminders --schedule
	@setsid sh -c 'while :; do $(DEV_ENV) $(PY) manage.py worker --no-reload --max-tasks $(WORKER_MAX_TASKS) --verbosity 0 || sleep 2; done' & worker=$$!; \
		trap 'kill -- -$$worker 2>/dev/null' EXIT INT TERM; \
		$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The background worker alone (releases, long PDFs, excerpts, the daily reminders, which it queues
# first unless they are queued already), e.g. beside `make serve`; production:
# see README. `manage.py worker` is django-tasks-db's db_worker that waits out database outages
# (retries with back-off). It ends after WORKER_MAX_TASKS tasks (a long paper's layout leaves the
# process large) and is started again, as systemd's Restart=always does in production.
worker: $(VENV)/.installed
	$(if $(SECRET_KEY),,$(DEV_ENV)) $(PY) manage.py send_reminders --schedule
	while :; do $(if $(SECRET_KEY),,$(DEV_ENV)) $(PY) manage.py worker --no-reload --max-tasks $(WORKER_MAX_TASKS) || sleep 2; done

# The browser tests (tests/browser, Playwright) drive Debian's Chromium, never a downloaded browser.
# BROWSER_TESTS=0 leaves them out (and does not need Chromium).
CHROMIUM ?= /usr/bin/chromium
BROWSER_TESTS ?= 1
ifeq ($(BROWSER_TESTS),0)
BROWSER_PYTEST_ARGS := -m "not browser"
endif

# A Debian package the tests need: installed when `$(1)` fails and we are root; otherwise the
# command to install it and how to test without it. $(call debian_package,CHECK,PACKAGE,WHAT,SKIP)
define debian_package
	@if ! $(1); then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "$(2) fehlt, installiere Debians Paket $(2) für $(3) …"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
		else \
			echo "Für $(3) fehlt das Debian-Paket $(2)." >&2; \
			echo "Bitte installieren:  sudo apt-get install -y $(2)" >&2; \
			echo "oder ohne sie testen:  make test $(4)" >&2; \
			exit 1; \
		fi; \
	fi
endef

.PHONY: chromium
chromium:
ifneq ($(BROWSER_TESTS),0)
	$(call debian_package,[ -x "$(CHROMIUM)" ],chromium,die Browser-Tests,BROWSER_TESTS=0)
endif

# The accessibility check of the browser tests (tests/browser/test_accessibility.py) injects
# axe-core, an npm package pinned with its checksum in tests/browser/axe/package-lock.json;
# `npm ci` installs it into tests/browser/axe/node_modules (git-ignored) when it is missing or the
# lock file changed. Debian's npm is installed when it is missing and we are root.
AXE_JS := tests/browser/axe/node_modules/axe-core/axe.min.js

.PHONY: axe
ifeq ($(BROWSER_TESTS),0)
axe:
else
axe: $(AXE_JS)
endif

$(AXE_JS): tests/browser/axe/package.json tests/browser/axe/package-lock.json
	$(call debian_package,command -v npm >/dev/null 2>&1,npm,die Barrierefreiheitsprüfung der Browser-Tests,BROWSER_TESTS=0)
	npm ci --prefix tests/browser/axe --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# The login-throttling test (tests/security/test_reverse_proxy.py) runs gunicorn behind Debian's
# nginx, as in production. PROXY_TESTS=0 leaves it out (and does not need nginx).
NGINX ?= /usr/sbin/nginx
PROXY_TESTS ?= 1

.PHONY: nginx
nginx:
ifneq ($(PROXY_TESTS),0)
	$(call debian_package,[ -x "$(NGINX)" ],nginx,den Test hinter dem Reverse-Proxy,PROXY_TESTS=0)
endif

# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto

test: $(VENV)/.installed chromium axe nginx
	$(TEST_ENV) CHROMIUM=$(CHROMIUM) NGINX=$(NGINX) PROXY_TESTS=$(PROXY_TESTS) $(PY) -m pytest -n $(TEST_WORKERS) $(BROWSER_PYTEST_ARGS) $(PYTEST_ARGS)

# The README's screenshots (dashboard, positions list on a phone, a page of a paper), taken by the
# browser test that takes them on every run, kept in docs/screenshots/.
screenshots: $(VENV)/.installed chromium axe
	$(TEST_ENV) CHROMIUM=$(CHROMIUM) SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(PY) -m pytest -n 0 -m browser tests/browser/test_screenshots.py

# The same suite against PostgreSQL (default: the local server, trust auth).
test-postgres: $(VENV)/.installed chromium axe nginx
	$(TEST_ENV) CHROMIUM=$(CHROMIUM) NGINX=$(NGINX) PROXY_TESTS=$(PROXY_TESTS) DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/integration_admin} \
		$(PY) -m pytest -n $(TEST_WORKERS) $(BROWSER_PYTEST_ARGS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Production serving: gunicorn behind a reverse proxy, WhiteNoise for static files. Needs
# SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (PostgreSQL) in the environment; see README.
serve: $(VENV)/.installed
	@test -n "$$SECRET_KEY" || (echo "SECRET_KEY fehlt (siehe README, Betrieb und Sicherheit)" && exit 2)
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/gunicorn integration_admin.wsgi:application --config gunicorn.conf.py --bind $${BIND:-127.0.0.1:$(PORT)} \
		--workers $(WEB_CONCURRENCY) --access-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

# The benchmark at the size of a whole Land (bench/run.py): generates the data set into its own
# PostgreSQL database (BENCH_DATABASE_URL, default ia_bench on 127.0.0.1), runs gunicorn and wrk
# (Debian package, installed when missing and root), writes bench/results/latest.{md,json}.
# BENCH_ARGS=--reuse keeps an existing data set; BENCH_ARGS=--quick for a short trial run;
# BENCH_ARGS='--against 66ccd1a' measures that commit side by side on the same data.
bench: $(VENV)/.installed
	$(PY) -m bench.run $(BENCH_ARGS)

# Backups of the database named by DATABASE_URL (SQLite in var/ when unset); see README.
backup: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py backup $(if $(OUTPUT),--output $(OUTPUT))

restore: $(VENV)/.installed
	@test -n "$(BACKUP)" || (echo "Aufruf: make restore BACKUP=var/backups/<datei>" && exit 2)
	$(DEV_ENV) $(PY) manage.py restore "$(BACKUP)"

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache tests/browser/axe/node_modules
