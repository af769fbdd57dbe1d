# Zdrav — one entry point. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv from PATH, else bootstrapped into ./.tools on first use (only Python ≥ 3.11 and make are needed).
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/uv/bin/uv)
PYTHON ?= python3
PACKAGES := shared services/kpi-api services/survey-api services/roadmap-api
export UV_PYTHON_PREFERENCE ?= system

.PHONY: help
help: ## Show this help
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(CURDIR)/.tools/uv/bin/uv:
	@echo "· bootstrapping uv into .tools/uv"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
	@$(PYTHON) -m venv $(CURDIR)/.tools/uv
	@$(CURDIR)/.tools/uv/bin/pip install --quiet --disable-pip-version-check uv

.PHONY: install
install: $(UV) ## Install the workspace (locked) into .venv
	@$(UV) sync --locked --all-packages --quiet

.PHONY: run
run: install ## Start the three services on SQLite with demo data (Ctrl-C stops them)
	@$(UV) run --no-sync python scripts/dev.py

# No `install` prerequisite: with .venv in place the token is printed at once (no `uv sync` each time).
.PHONY: token
token: ## Print a dev JWT: make token ROLE=regional_admin SCOPE=RU-MUR
	@[ -x .venv/bin/python ] || $(MAKE) -s install
	@.venv/bin/python scripts/dev_token.py --role "$(or $(ROLE),federal)" --scope "$(or $(SCOPE),RU)"

.PHONY: lint
lint: install ## ruff (lint + format check) and mypy (strict on shared/ and the domain code)
	@$(UV) run --no-sync ruff check .
	@$(UV) run --no-sync ruff format --check .
	@$(UV) run --no-sync mypy shared/src services/kpi-api/src services/survey-api/src services/roadmap-api/src

.PHONY: test
test: lint ## Lint, then every package's tests on SQLite and (when reachable) PostgreSQL
	@bash scripts/test.sh

.PHONY: openapi
openapi: install ## Regenerate the committed OpenAPI documents under openapi/
	@$(UV) run --no-sync python scripts/openapi.py

.PHONY: openapi-check
openapi-check: install ## Redocly + Spectral (zero errors) on openapi/*.json, and a typed TS call of every operation (tsc --strict)
	@PYTHON=.venv/bin/python bash scripts/openapi_check.sh

.PHONY: charts
charts: install ## Redraw the README's charts (docs/img/chart-*.png) from the demo data
	@$(UV) run --no-sync python scripts/charts.py

.PHONY: roles
roles: install ## Regenerate docs/roles.md (who may call each operation) from the routes' declarations
	@$(UV) run --no-sync python scripts/roles.py

.PHONY: browser
browser: install ## Browser tests: headless Debian chromium (Playwright) against the three services
	@bash scripts/ensure_chromium.sh
	@$(UV) run --no-sync pytest tests/browser -q -p no:logging -m browser

.PHONY: e2e
e2e: install ## End-to-end: the three services as real processes on PostgreSQL
	@$(UV) run --no-sync pytest tests/e2e -q -p no:logging -m e2e

.PHONY: fuzz
fuzz: install ## schemathesis over openapi/*.json against the three running services on PostgreSQL: no 5xx, answers as documented
	@$(UV) run --no-sync python tests/fuzz/run.py

.PHONY: ci
ci: ## Exactly what CI runs
	@bash .ci/run

.PHONY: clean
clean: ## Remove local databases and caches (keeps .venv)
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .hypothesis

.PHONY: k8s-validate
k8s-validate: install ## Render the k8s overlays, validate them offline against the schemas, run the manifest tests
	@UV="$(UV)" bash scripts/k8s_validate.sh

.PHONY: bench
bench: install ## Benchmarks on PostgreSQL vs raw baselines → bench/results/<date>.json, docs/benchmarks.md (BENCH_QUICK=1: smoke)
	@bash scripts/apt_install.sh wrk
	@bash scripts/apt_install.sh pgbouncer
	@$(UV) run --no-sync python -m bench

.PHONY: fault
fault: install ## Fault tests on PostgreSQL: survey-api SIGKILLed mid-stream (nothing lost or doubled), kpi-api SIGKILLed mid-webhook (nothing lost), databases cut off (503, recovery)
	@$(UV) run --no-sync pytest tests/fault -q -p no:logging -m fault
