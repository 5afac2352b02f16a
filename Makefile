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
# The desktop tests run the Anki desktop's Qt WebEngine offscreen: these are the packages of the
# libraries it loads (read off /proc/PID/maps of a run; Qt's xcb plugin, for a real screen, is
# not among them). Debian 13 renamed libasound2 to libasound2t64: the one installed, else the
# old name, which apt maps to the new one.
ASOUND := $(shell dpkg -s libasound2t64 >/dev/null 2>&1 && echo libasound2t64 || echo libasound2)
DESKTOP_PACKAGES := libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 \
  libxkbcommon0 libegl1 libgl1 libgbm1 libfontconfig1 libdbus-1-3 $(ASOUND)
TEST_PACKAGES := $(BROWSER_PACKAGES) $(DESKTOP_PACKAGES)

.PHONY: deck test lint bench clean browser screenshots fuzz corpus

deck: $(DECKS)

build/%.apkg: source/%.md $(wildcard deckgen.toml) $(STAMP)
	$(BIN)/deckgen build $< -o $@

test: $(STAMP) browser
	$(BIN)/python -m pytest

browser:
	@if ! dpkg -s $(TEST_PACKAGES) >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
	    && [ "$$(id -u)" = 0 ]; then \
	  echo "installing $(TEST_PACKAGES) for the browser and desktop tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $(TEST_PACKAGES) >/dev/null; \
	fi

# The property tests with fresh random examples, run after run with a new seed each, for
# FUZZ_SECONDS; `make test` replays fixed ones. Every failure found goes into its test as an
# `@example(...)`, then the code is fixed (tests/fuzz.py says how).
FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python -m tests.fuzz

# Other people's documents, built with no settings against a person's count of their cards:
# the development corpus in ../shared/corpus when it is there (it is not part of the project).
corpus: $(STAMP)
	$(BIN)/python -m tests.corpus_report

# The README's card pictures, taken in the real Anki desktop with the desktop tests' harness.
screenshots: $(STAMP) browser
	$(BIN)/python -m tests.desktop_support --screenshots docs/screenshots

# The same checks as .pre-commit-config.yaml; CI runs `make lint` before `make test`.
lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy --strict src tests

# Bytecode first, as a wheel install has it: an editable install run with
# PYTHONDONTWRITEBYTECODE set would otherwise compile every module on every run.
# The last row runs the Anki desktop headless, as the desktop tests do (hence `browser`).
bench: $(STAMP) browser
	$(BIN)/python -m compileall -q src
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/projects.py
	$(BIN)/python benchmarks/sync.py
	$(BIN)/python benchmarks/watch.py
	$(BIN)/python benchmarks/watch_anki.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[sync,watch,test,dev]'
	$(BIN)/python -m compileall -q src
	touch $@

clean:
	rm -rf build
