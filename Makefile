# nutgraf: `make run` shows it working, `make test` checks everything. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck unit bench bench-scale model clean

$(BIN)/nutgraf: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev: $(BIN)/nutgraf
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

$(VENV)/.bench: $(BIN)/nutgraf
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@touch $@

run: $(BIN)/nutgraf  ## build the demo archive (offline) and serve the site on $(HOST):$(PORT)
	$(BIN)/nutgraf serve --demo --host $(HOST) --port $(PORT)

test: lint typecheck unit  ## ruff, mypy and the whole test suite

lint: $(VENV)/.dev
	$(BIN)/ruff check nutgraf tests benchmarks scripts
	$(BIN)/ruff format --check nutgraf tests benchmarks scripts

typecheck: $(VENV)/.dev
	$(BIN)/mypy

unit: $(VENV)/.dev
	$(BIN)/pytest

bench: $(VENV)/.bench  ## measure against the peers; writes BENCHMARKS.md
	$(BIN)/python -m benchmarks.summaries --output BENCHMARKS.md
	$(BIN)/python -m benchmarks.dedup --output BENCHMARKS.md
	$(BIN)/python -m benchmarks.extraction --output BENCHMARKS.md
	$(BIN)/python -m benchmarks.search --output BENCHMARKS.md
	$(BIN)/python -m benchmarks.site --output BENCHMARKS.md
	$(BIN)/python -m benchmarks.stories --output BENCHMARKS.md
	$(BIN)/python -m benchmarks.startup --output BENCHMARKS.md
	$(BIN)/python -m benchmarks.summarize_cli --output BENCHMARKS.md

bench-scale: $(VENV)/.bench  ## issue 5's runs: needs PostgreSQL and Redis on localhost; about 1.5 h
	$(BIN)/python -m benchmarks.ingest --articles 50000 --output BENCHMARKS.md
	createdb -h 127.0.0.1 -U postgres nutgraf_bench_backfill
	$(BIN)/python -m benchmarks.backfill --articles 50000 \
		--postgres postgresql://postgres@127.0.0.1:5432/nutgraf_bench_backfill --output BENCHMARKS.md; \
	status=$$?; dropdb -h 127.0.0.1 -U postgres nutgraf_bench_backfill; exit $$status

model: $(VENV)/.bench  ## retrain nutgraf/nlp/model.json from ../shared/data/summaries/train.jsonl.gz
	$(BIN)/python scripts/train_model.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info
