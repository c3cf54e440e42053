# One command per job; every target creates or updates the virtual environment first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check fmt format-check lint types contract bench bench-doc docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

SERVE ?= 1
PORT ?= 8000

demo: $(STAMP)  ## the demo world (replacing demo-world/) imported, audited and discovered; then the dashboard on 127.0.0.1:$(PORT) with demo logins until Ctrl-C (SERVE=0: stop after the demo)
	$(BIN)/trustreach demo --force --port $(PORT) $(if $(filter 0,$(SERVE)),--no-serve,--serve)

test: $(STAMP)  ## the whole test suite (PostgreSQL tests run when TRUSTREACH_TEST_POSTGRES_URL is set)
	$(BIN)/python -m pytest -n 2 --dist loadfile

format-check: $(STAMP)
	$(BIN)/ruff format --check src tests benchmarks scripts

fmt: $(STAMP)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts

types: $(STAMP)
	$(BIN)/mypy

contract: $(STAMP)
	$(BIN)/lint-imports

check: format-check lint types contract test  ## every gate, as CI runs them

bench: $(STAMP)  ## benchmarks; each prints name=value lines
	$(BIN)/python benchmarks/run.py

bench-doc: $(STAMP)  ## docs/benchmarks.md rendered from docs/benchmark-run.txt (a kept run of benchmarks/run.py)
	$(BIN)/python benchmarks/render_doc.py

docs: $(STAMP)  ## regenerate the published JSON Schemas
	$(BIN)/trustreach schema --out docs/schema --force

clean:
	rm -rf $(VENV) .trustreach demo-world .mypy_cache .ruff_cache .pytest_cache
