# The verbs people and CI run. `make run` and `make test` are all a new machine needs.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: run test lint format bench extract-eval clean

$(BIN)/recount: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

run: $(BIN)/recount
	$(BIN)/recount init
	$(BIN)/recount demo
	$(BIN)/recount serve --host 127.0.0.1 --port 8000

lint: $(BIN)/recount
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(BIN)/recount
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

bench: $(BIN)/recount
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	$(BIN)/python -m bench

extract-eval: $(BIN)/recount
	$(BIN)/recount extract-eval ../shared/extraction-dev/figures.jsonl \
		../shared/extraction-dev/figures-2.jsonl ../shared/extraction-dev/figures-3.jsonl

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
