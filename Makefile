# Two commands set up a fresh clone: `make demo` (main job on seeds/) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean corpus bench browser

CORPUS ?= ../shared/corpus/gov-work-reports

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

# Headless Chromium for the report's browser test (Debian's package; a CJK font so figures show
# Chinese). Best effort: without root or apt the browser test skips, except under CI, which sets
# FAZHI_REQUIRE_BROWSER=1 and so fails instead.
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  { apt-get install -y -q chromium fonts-wqy-microhei >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium fonts-wqy-microhei >/dev/null 2>&1; }; }; } || \
	  echo "make browser: could not install Chromium (needs root and apt): the report's browser test will skip"

test: $(STAMP) browser
	$(BIN)/ruff check nlp tests tools benchmarks
	$(BIN)/python -m pytest -q tests --nbmake notebooks

# The corpus-scale analysis (issue: emphasis over years): tag every paragraph of the shared
# corpus, then domain trends and topics over the years.
corpus: $(STAMP)
	$(BIN)/fazhi tag $(CORPUS) --out out/corpus/tagged.parquet --granularity paragraph
	$(BIN)/fazhi trends out/corpus/tagged.parquet --out out/corpus/trends --by level
	$(BIN)/fazhi topics out/corpus/tagged.parquet --out out/corpus/topics --k auto --seed 0

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_tag.py

lint: $(STAMP)
	$(BIN)/ruff check nlp tests tools benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
