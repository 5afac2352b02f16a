# Two commands do everything on a fresh machine with python3 and make: `make deck`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

SOURCES := $(wildcard source/*.md)
DECKS := $(patsubst source/%.md,build/%.apkg,$(SOURCES))

# The browser tests drive Debian's Chromium (never a downloaded browser) with fonts for text,
# math and emoji; `make test` installs them when missing and apt-get can.
BROWSER_PACKAGES := chromium fonts-dejavu-core fonts-dejavu-extra fonts-noto-color-emoji

.PHONY: deck test lint bench clean browser

deck: $(DECKS)

build/%.apkg: source/%.md $(wildcard deckgen.toml) $(STAMP)
	$(BIN)/deckgen build $< -o $@

test: $(STAMP) browser
	$(BIN)/python -m pytest

browser:
	@if ! dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
	    && [ "$$(id -u)" = 0 ]; then \
	  echo "installing $(BROWSER_PACKAGES) for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; \
	fi

# The same checks as .pre-commit-config.yaml; CI runs `make lint` before `make test`.
lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy --strict src tests

# Bytecode first, as a wheel install has it: an editable install run with
# PYTHONDONTWRITEBYTECODE set would otherwise compile every module on every run.
bench: $(STAMP)
	$(BIN)/python -m compileall -q src
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/projects.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	$(BIN)/python -m compileall -q src
	touch $@

clean:
	rm -rf build
