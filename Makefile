# Two commands do everything on a fresh machine with python3 and make: `make deck`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SOURCES := $(wildcard source/*.md)
DECKS := $(patsubst source/%.md,build/%.apkg,$(SOURCES))

.PHONY: deck test lint bench clean

deck: $(DECKS)

build/%.apkg: source/%.md $(wildcard deckgen.toml) $(STAMP)
	$(BIN)/deckgen build $< -o $@

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

clean:
	rm -rf build
