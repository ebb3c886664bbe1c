# duban — two commands on a fresh machine:
#   make run    set up .venv, migrate the SQLite database, load the demo when empty, serve :8000
#               with the background worker beside it (`duban db_worker`, stopped with the server)
#               (as users see it: DEBUG off, Chinese error pages, static files from WhiteNoise;
#               DUBAN_DEBUG=1 make run for Django's debug pages)
#   make test   the whole test suite
#   make bench  every benchmark on SQLite and PostgreSQL in one table, beside its floors
#               (bench/run_all.py; BENCH_QUICK=1 for 100,000 instead of 1,000,000 requests)
#   make loadtest  100 users for 5 minutes of month-end against gunicorn on PostgreSQL
#               (bench/loadtest.py, Locust; LOADTEST_ARGS="--users 20 --time 1m" for less)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
DATA_DIR := $(or $(DUBAN_DATA_DIR),var)

.PHONY: run test bench loadtest install lint format check browser-deps pdf-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/duban migrate --noinput
	$(BIN)/duban demo --if-empty --quiet
	@if [ -f $(DATA_DIR)/demo-logins.txt ]; then echo; cat $(DATA_DIR)/demo-logins.txt; fi
	@echo
	@echo "督办已启动：http://$(HOST):$(PORT)/  （按 Ctrl+C 停止）"
	@# the background worker (core/jobs.py) beside the server, stopped when the server stops
	@# --noreload: one process, whose checks import every view before it serves; with the
	@# reloader a second thread imports the URLconf at the same moment, and on a first start
	@# (nothing compiled yet) two threads importing openpyxl at once failed (circular import)
	@DUBAN_DEBUG=$${DUBAN_DEBUG:-0}; export DUBAN_DEBUG; \
	$(BIN)/duban db_worker --no-reload --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/duban runserver --noreload $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/pytest -n auto

bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

$(VENV)/.bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(VENV)/.bench

loadtest: $(VENV)/.bench
	$(BIN)/python bench/loadtest.py $(LOADTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check duban tests bench
	$(BIN)/ruff format --check duban tests bench

format: $(STAMP)
	$(BIN)/ruff format duban tests bench
	$(BIN)/ruff check --fix duban tests bench

check: $(STAMP)
	$(BIN)/duban check
	$(BIN)/duban makemigrations --check --dry-run

# Debian's Chromium for the browser tests (Playwright's own browser download does not work
# offline), and LibreOffice Writer + CJK fonts for PDF reports (optional for running duban):
# Noto Sans/Serif CJK (黑体, 仿宋, 小标宋) and AR PL KaitiM GB (楷体), see core/fontconfig/fonts.conf.
browser-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

pdf-deps:
	@command -v soffice >/dev/null && command -v pdftotext >/dev/null && fc-list | grep -q "Noto Serif CJK SC" && fc-list | grep -q "AR PL KaitiM GB" || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-gkai00mp poppler-utils)

clean:
	rm -rf $(VENV) build *.egg-info
