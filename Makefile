# Nông thôn số — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint bench bench-national clean

NODE_INSTALLED := node_modules/.installed

$(INSTALLED): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements/constraints.txt -e '.[test]'
	touch $@

# front-end packages (htmx, Chart.js) from the npm registry, exactly as locked; served by the app
$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(INSTALLED) $(NODE_INSTALLED)

## make run: install, migrate, load the Thái Nguyên demo into an empty database, serve it on SQLite as production
## does — DJANGO_DEBUG=0 (Vietnamese error pages, static files by WhiteNoise), plain HTTP, mails printed here, a
## secret key kept in var/. demo_users refuses (and the demo still starts) on a database with real accounts.
## `nongthonso runserver` is the development server, with DEBUG.
SECRET_KEY_FILE ?= var/secret_key
DJANGO_HTTPS ?= 0
EMAIL_BACKEND ?= django.core.mail.backends.console.EmailBackend
run: install
	$(BIN)/nongthonso migrate --noinput
	$(BIN)/nongthonso demo --if-empty
	-$(BIN)/nongthonso demo_users
	test -s $(SECRET_KEY_FILE) || (mkdir -p $(dir $(SECRET_KEY_FILE)) && umask 077 && \
	  $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $(SECRET_KEY_FILE))
	DJANGO_DEBUG=0 DJANGO_HTTPS=$(DJANGO_HTTPS) EMAIL_BACKEND=$(EMAIL_BACKEND) \
	  DJANGO_SECRET_KEY_FILE=$(SECRET_KEY_FILE) $(BIN)/nongthonso serve --host $(HOST) --port $(PORT)

## make test: install and run the whole suite (lint, migrations check, tests)
test: install
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check src tests bench

bench: install
	$(BIN)/python bench/engine_national.py

## make bench-national: the national-scale benchmarks (SQLite; DATABASE_URL=postgres://… for PostgreSQL)
bench-national: install
	$(BIN)/python bench/national/bench_national.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
