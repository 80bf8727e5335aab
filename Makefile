# Shortcuts; the README's two commands are `make repro` and `make test-all`.
# Each creates .venv and installs the locked requirements first if needed.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export PATH := $(CURDIR)/$(BIN):$(PATH)
COMPILE := uv pip compile --quiet --universal --python-version 3.11 --generate-hashes

.PHONY: help setup setup-dev setup-gpu repro test test-all lint format lock check-lock

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.installed  ## Create .venv with the locked runtime requirements.

setup-dev: $(VENV)/.installed-dev  ## Add the locked development tools (tests, lint, uv) to .venv.

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .  # the console scripts (fashion-predict); the lock has the rest
	touch $@

setup-gpu: $(VENV)/.installed-gpu  ## Linux x86_64 with an NVIDIA GPU: .venv with TensorFlow and CUDA (instead of setup).

$(VENV)/.installed-gpu: requirements-gpu.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip uninstall --quiet --yes tensorflow-cpu
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-gpu.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

repro: setup  ## Run the whole pipeline (download -> normalize -> lr_find -> train -> ensemble -> evaluate -> export).
	dvc repro

test: setup-dev  ## The fast tier: unit tests and small integrations (skips the tests marked slow).
	python -m pytest -m "not slow"

test-all: setup-dev  ## Every test, the real dvc repro on synthetic data included: what proves the project works.
	python -m pytest

lint: setup-dev  ## Check style with ruff.
	ruff check .
	ruff format --check .

format: setup-dev  ## Fix style with ruff.
	ruff check --fix .
	ruff format .

lock: setup-dev  ## Re-resolve the locks from requirements*.in (the newest versions within their ranges).
	$(COMPILE) requirements.in -o requirements.lock
	$(COMPILE) requirements-dev.in -c requirements.lock -o requirements-dev.lock
	$(COMPILE) requirements-gpu.in -c requirements.lock -o requirements-gpu.lock

check-lock: setup-dev  ## The locks match requirements*.in and resolve to wheels on every platform (installs nothing).
	bash .ci/check_lock.sh
