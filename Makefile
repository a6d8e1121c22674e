# conda-badges: badges and SBOMs for conda channels, behind a caching gateway.
# Every target sets itself up on a fresh machine (virtualenv, pip, Debian packages as root).

.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
TTL ?= 30d
CHANNEL ?= private

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP) ## create .venv and install the project with its test tools

# the embedded vulnerability database, built from the real records in data/vulns (no network)
EMBEDDED_VULNS_DB := data/vulns.sqlite
VULNS_RECORDS := $(shell find data/vulns -type f 2>/dev/null)

$(EMBEDDED_VULNS_DB): $(STAMP) $(VULNS_RECORDS)
	$(BIN)/conda-badges-vulns sync --records data/vulns --out $@

vulns: $(EMBEDDED_VULNS_DB) ## build the embedded vulnerability database (data/vulns -> data/vulns.sqlite)

debian-packages: ## install Debian packages the tests need (redis-server, chromium, nginx), when missing
	@missing=""; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "missing:$$missing: run 'sudo apt-get install$$missing'"; exit 1; fi; \
	fi

run: venv debian-packages vulns ## start the edge (:8080) before the gateway (:8084), badges (:8081), sbom (:8082), metadata (:8083)
	@mkdir -p var
	@echo ""
	@echo "  conda-badges is starting on the embedded default channels (main, test-recipes, private)."
	@echo "    API:    curl localhost:8080/api/channels/main/artifacts/conda/zlib"
	@echo "    badge:  curl localhost:8080/main/zlib/badges/version.svg"
	@echo "    SBOM:   curl localhost:8080/main/linux-64/zlib-1.2.11-h7b6447c_3.conda.cdx.json"
	@echo "    CVEs:   curl localhost:8080/api/channels/main/artifacts/conda/zlib/cves"
	@echo "    browse: http://localhost:8080/"
	@echo "    token for the private channel: make token CHANNEL=private"
	@echo "  Ctrl-C stops them all."
	@echo ""
	@PYTHONPATH=$(CURDIR) VENV=$(VENV) $(BIN)/honcho -f Procfile start

token: venv ## mint a dev token: make token CHANNEL=private [TTL=30d]
	@$(BIN)/conda-badges-token --channel $(CHANNEL) --ttl $(TTL)

purge: venv ## withdraw one channel from make run's edge cache now: make purge CHANNEL=name
	@test "$(origin CHANNEL)" = "command line" || { echo "usage: make purge CHANNEL=name"; exit 2; }
	@$(BIN)/conda-badges-purge $(CHANNEL) --edge-cache var/edge/cache

lint: venv ## ruff check, ruff format --check, and hadolint on the Dockerfile
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

test: venv debian-packages lint ## the whole suite: lint, unit and integration tests
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

image: ## build the container image with podman, as root: localhost/conda-badges:<version> (deploy/image.py)
	$(PYTHON) -m deploy.image

cluster: venv debian-packages ## two replicas of each process behind nginx + Redis: shared cache, kill under load
	$(BIN)/python -m deploy.cluster

# the badge renderer's baseline: the pybadges renderer it replaced, in its own Python 3.11
# virtualenv (pybadges 3.0.1 imports neither on 3.13 nor with setuptools 81+); see bench/baseline/
BENCH_BASELINE := var/bench-pybadges
$(BENCH_BASELINE)/.installed:
	@python=$$(.ci/find-python 3.11) && $$python -m venv $(BENCH_BASELINE)
	$(BENCH_BASELINE)/bin/python -m pip install --quiet 'pybadges==3.0.1' 'setuptools<81'
	@touch $@

bench: venv debian-packages $(BENCH_BASELINE)/.installed ## benchmarks (metadata, badges, SBOM, edge and hot path, scale, badge rendering vs pybadges); prints tables (installs wrk when root)
	@command -v wrk >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m bench --baseline-python $(BENCH_BASELINE)/bin/python

format: venv ## reformat the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## remove the virtualenv and local state
	rm -rf $(VENV) var .pytest_cache .ruff_cache $(EMBEDDED_VULNS_DB)

.PHONY: help venv vulns debian-packages run token purge lint test image cluster bench format clean
