# Two commands: `make demo` and `make test`. Both build .venv from scratch when
# it is missing, so a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-1m browser postgres screenshot clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# The report tests open pages in headless Chromium; install Debian's when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (Debian package) for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The lake tests start a real PostgreSQL (initdb + pg_ctl); install Debian's when missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  echo "installing postgresql (Debian package) for the lake tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

demo: $(STAMP)
	$(BIN)/quint-reports demo

# Three workers: most tests wait (simulator, subprocess, browser), so this halves the wall time on 2 cores;
# tests marked with one xdist_group share one worker (and the fixture they build once).
test: $(STAMP) browser postgres lint
	$(BIN)/python -m pytest -q -n 3 --dist loadgroup

# Lint, format and types: configured in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run

# The growth stage up to 1,000,000 sessions (50,000,000 events; tens of GB on disk, long): its own folder.
bench-1m: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run --stages growth --growth-sessions 10000,100000,1000000 --out bench/growth-1m

# The README's pictures: the demo report's index, a model page and a session page as the test browser shows them.
screenshot: demo browser
	$(BIN)/python tests/screenshot.py demo/report docs

clean:
	rm -rf $(VENV) demo out .pytest_cache
