# Shortcuts; the README's two commands are `make repro` and `make test`.
# Each creates .venv and installs requirements.txt first if needed.
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help setup repro test lint format

help:  ## List the targets.
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

setup: $(VENV)/.installed  ## Create .venv with the pinned requirements.

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

repro: setup  ## Run the whole pipeline (download -> normalize -> lr_find -> train -> evaluate).
	dvc repro

test: setup  ## Run the test suite, the end-to-end dvc repro on synthetic data included.
	python -m pytest

lint: setup  ## Check style with ruff.
	ruff check .
	ruff format --check .

format: setup  ## Fix style with ruff.
	ruff check --fix .
	ruff format .
