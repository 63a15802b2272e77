# The two commands a fresh machine needs: `make quickstart` and `make test`.
# Both create .venv and install the project into it first (once; again when pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install quickstart test test-fast docker clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

quickstart: $(STAMP)
	$(BIN)/python -m toolkit.quickstart

test: $(STAMP)
	$(BIN)/python -m pytest -ra $(PYTEST_ARGS)

# Unit tests only: no Docker, no servers started by hand.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -ra -m "not docker and not slow" $(PYTEST_ARGS)

# Start a Docker engine and build the offline base image (Debian/Ubuntu hosts; needs root).
docker:
	bash .ci/setup-docker

clean:
	rm -rf $(VENV) .pytest_cache
