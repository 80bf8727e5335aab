# Shortcuts; the README's two commands are `make repro` and `make test`.
# Each creates .venv and installs the locked requirements first if needed.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export PATH := $(CURDIR)/$(BIN):$(PATH)
# The platforms the lock must install on (uv's names): Linux x86_64 and aarch64, macOS arm64, Windows amd64.
PLATFORMS := x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu aarch64-apple-darwin x86_64-pc-windows-msvc
COMPILE := uv pip compile --quiet --universal --python-version 3.11 --generate-hashes

.PHONY: help setup setup-dev repro test lint format lock check-lock

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.installed  ## Create .venv with the locked runtime requirements.

setup-dev: $(VENV)/.installed-dev  ## Add the locked development tools (tests, lint, uv) to .venv.

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

repro: setup  ## Run the whole pipeline (download -> normalize -> lr_find -> train -> ensemble -> evaluate -> export).
	dvc repro

test: setup-dev  ## Run the test suite, the end-to-end dvc repro on synthetic data included.
	python -m pytest

lint: setup-dev  ## Check style with ruff.
	ruff check .
	ruff format --check .

format: setup-dev  ## Fix style with ruff.
	ruff check --fix .
	ruff format .

lock: setup-dev  ## Re-resolve both locks from requirements*.in (newest versions within their ranges).
	$(COMPILE) requirements.in -o requirements.lock
	$(COMPILE) requirements-dev.in -c requirements.lock -o requirements-dev.lock

check-lock: setup-dev  ## The locks match requirements*.in and resolve to wheels on every platform (installs nothing).
	bash .ci/check_lock.sh $(PLATFORMS)
