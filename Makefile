# Tessera — one entry point. `make run` serves the demo; `make test` runs every tier it can.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
# Test processes (pytest-xdist); each has its own database, Redis databases and S3 port.
TEST_WORKERS ?= 2
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# The service tier: local PostgreSQL, Redis, a Celery worker and an S3-protocol server.
SERVICE_ENV := DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tessera} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/0} \
	CELERY_BROKER_URL=$${TEST_CELERY_BROKER_URL:-redis://127.0.0.1:6379/1} \
	AWS_STORAGE_BUCKET_NAME=tessera-test AWS_S3_ENDPOINT_URL=http://127.0.0.1:$${TEST_S3_PORT:-9311} \
	AWS_S3_REGION_NAME=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
	REQUIRE_SERVICES=1

.PHONY: install run test test-services lint audit bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet

run: install
	mkdir -p var/media
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=true $(PY) manage.py seed_demo
	@echo ""
	@echo "  Tessera is starting at http://127.0.0.1:8000/  (admin: http://127.0.0.1:8000/admin/)"
	@echo "  Demo login: admin / tessera-admin"
	@echo ""
	DJANGO_DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Every test again on the real services and in Chromium; a tier that cannot run fails.
test-services:
	$(SERVICE_ENV) REQUIRE_BROWSER=1 $(MAKE) test

# Known vulnerabilities in the locked dependencies (PyPI's advisory data through pip-audit).
# --strict: a package it could not look up fails the audit instead of passing unaudited.
# Needs PyPI's per-release JSON API or api.osv.dev, which the build machines cannot reach.
audit: install
	mkdir -p var
	$(UV) export --frozen --no-hashes --no-emit-project --format requirements-txt > var/requirements-audit.txt
	$(VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off \
		-r var/requirements-audit.txt

# Benchmarks on PostgreSQL (a fresh `tessera_bench` database; BENCH_DATABASE_URL overrides).
bench: install
	@command -v vipsthumbnail >/dev/null || { echo "installing libvips-tools (the vips peer)"; \
		apt-get update -q && apt-get install -y -q --no-install-recommends libvips-tools; }
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) var test-artifacts .pytest_cache .ruff_cache
