# The verbs people and CI run. `make run` and `make test` are all a new machine needs.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# The extractor's development sets sit beside the clone; a fresh clone without them scores the
# regression sets bundled in tests/fixtures/extraction/ (never own-unseen.jsonl, kept unseen).
# GOLD='a.jsonl b.jsonl' picks others.
DEV_SETS := $(wildcard $(addprefix ../shared/extraction-dev/,figures.jsonl figures-2.jsonl figures-3.jsonl))
BUNDLED := $(sort $(wildcard tests/fixtures/extraction/regression-*.jsonl))
GOLD ?= $(or $(DEV_SETS),$(BUNDLED))

.PHONY: run test lint format bench extract-eval clean

# An editable install leaves Recount's own modules uncompiled, and with PYTHONDONTWRITEBYTECODE
# set every command would compile them again as it starts: compiled here once instead.
PACKAGES := domain store ingest services api cli

$(BIN)/recount: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m compileall -q $(PACKAGES)
	touch $@

run: $(BIN)/recount
	$(BIN)/recount init
	$(BIN)/recount demo
	$(BIN)/recount serve --host $(HOST) --port $(PORT)

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
	@test -n "$(strip $(GOLD))" || { echo "extract-eval: no gold file: neither ../shared/extraction-dev/ nor tests/fixtures/extraction/regression-*.jsonl exists; name files with GOLD='a.jsonl b.jsonl'" >&2; exit 1; }
	@test -n "$(DEV_SETS)" || test "$(origin GOLD)" != file || echo "extract-eval: ../shared/extraction-dev/ not found; scoring the regression sets in tests/fixtures/extraction/" >&2
	$(BIN)/recount extract-eval $(GOLD)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
