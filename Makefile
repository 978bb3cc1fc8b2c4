# Two commands set up a fresh clone: `make demo` (main job on seeds/) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/fazhi ingest seeds --out out/units.csv
	$(BIN)/fazhi analyze seeds --out out/analysis

test: $(STAMP)
	$(BIN)/ruff check nlp tests tools benchmarks
	$(BIN)/python -m pytest -q tests --nbmake notebooks

lint: $(STAMP)
	$(BIN)/ruff check nlp tests tools benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
