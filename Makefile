# Two commands matter: `make run` and `make test`. Everything else supports them.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-clock bench lint typecheck install clean chromium faketime pango train-nlu

$(BIN)/python:
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PY) not found)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: pango $(STAMP)

run: install
	$(BIN)/sixty db upgrade
	$(BIN)/sixty demo seed
	SANDBOX_HUBSPOT=1 $(BIN)/python app.py

chromium:
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium could not be installed; browser tests will fail in CI"; }

# WeasyPrint (proposal PDFs) loads Pango >= 1.44 at import: Debian's libpango, when missing.
pango:
	@libs="$$({ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; })"; \
	  { echo "$$libs" | grep -q 'libpangoft2-1.0.so.0' && echo "$$libs" | grep -q 'libharfbuzz-subset.so.0'; } || { \
	  echo "Installing Debian's Pango and HarfBuzz-Subset for the proposal PDFs"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null) \
	  || echo "Pango could not be installed; proposal PDFs (weasyprint) will fail"; }

faketime:
	@command -v faketime >/dev/null 2>&1 || { echo "Installing Debian's faketime for the shifted-clock tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null) \
	  || echo "faketime could not be installed; make test-clock will fail"; }

# The end-to-end tests at four instants (a Monday afternoon, a Sunday evening, the night US clocks
# change, the last minutes of a year): they must pass at any hour.
test-clock: install chromium faketime
	BIN=$(BIN) .ci/test-clock "next monday 14:00 UTC" "next sunday 19:30 UTC" \
	  "2027-03-14 09:45 UTC" "2026-12-31 23:58 UTC"

# Lint, format and type check first: they take seconds, the suite takes minutes.
test: install chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

bench: install
	$(BIN)/python -m bench

# Refit the language engine's scorers (skills/nlu/weights/*.json) after a pattern change:
# scikit-learn is installed for this only; the app scores with plain Python.
train-nlu: install
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	$(BIN)/python -m training

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy over the packages listed in pyproject.toml ([tool.mypy] files): strict where it says so.
typecheck: install
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data/*.db data/*.db-* .pytest_cache .mypy_cache
