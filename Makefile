# The verbs people and CI run. `make run` and `make test` are all a new machine needs.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# The extractor's development set sits beside the clone; a fresh clone without it scores the
# held-out sets bundled in tests/fixtures/extraction/. GOLD=path.jsonl picks others.
DEV_SET := ../shared/extraction-dev/figures.jsonl
BUNDLED := $(sort $(wildcard tests/fixtures/extraction/*.jsonl))
GOLD ?= $(if $(wildcard $(DEV_SET)),$(DEV_SET),$(BUNDLED))

.PHONY: run test lint format bench extract-eval clean

$(BIN)/recount: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
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
	$(BIN)/python -m bench

extract-eval: $(BIN)/recount
	@test -n "$(strip $(GOLD))" || { echo "extract-eval: no gold file: neither $(DEV_SET) nor tests/fixtures/extraction/*.jsonl exists; name one with GOLD=path.jsonl" >&2; exit 1; }
	@test -e "$(DEV_SET)" || test "$(origin GOLD)" != file || echo "extract-eval: $(DEV_SET) not found; scoring the held-out sets in tests/fixtures/extraction/" >&2
	@for gold in $(GOLD); do echo "== $$gold"; $(BIN)/recount extract-eval "$$gold" || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
