# The two commands a fresh machine needs: `make quickstart` and `make test`.
# Both create .venv and install the project into it first (once; again when pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The stock oci CLI pins its own oci SDK release, so it lives in a venv of its own; its `oci`
# command is linked into $(BIN), where the test that drives it looks.
OCI_CLI_VENV := $(VENV)/oci-cli
OCI_CLI_STAMP := $(OCI_CLI_VENV)/.installed
# oracle-ads pins its own oci SDK (and pulls pandas, scikit-learn, matplotlib...), so it too lives in a
# venv of its own. Dockyard goes in with --no-deps (editable), so connect_ads() imports there while
# ADS keeps its own pins; the ADS compatibility tests run their scripts with this interpreter.
ADS_VENV := $(VENV)/ads
ADS_STAMP := $(ADS_VENV)/.installed
ADS_BASE_STAMP := $(ADS_VENV)/.oracle-ads
ADS_REQUIREMENT ?= oracle-ads>=2.16,<2.17
# LangChain's OCI model deployment classes import oracle-ads (and langchain-openai for chat): the LLM
# client tests run them from the ADS venv too. Pinned: unpinned, pip backtracks through oci releases.
LANGCHAIN_CLIENTS := langchain-community==0.4.2 langchain-openai==1.7.4 langchain-oci==0.4.0
# oci-mlflow, MLflow's deployment plugin for OCI Data Science, pins oracle-ads and its own oci SDK: a venv of
# its own for tests/clients/test_oci_mlflow.py, which runs its `mlflow` CLI. MLflow pinned: unpinned, a new
# release would change what the test logs and deploys under it.
MLFLOW_VENV := $(VENV)/mlflow
MLFLOW_STAMP := $(MLFLOW_VENV)/.installed
MLFLOW_CLIENT := oci-mlflow==1.0.3 mlflow==3.17.2 scikit-learn==1.9.1
# A Jupyter kernel and nbclient: the notebook-session test runs a real .ipynb in the ADS venv.
NOTEBOOK_RUNNER := nbclient==0.11.0 nbformat==5.11.1 ipykernel==7.4.0
ADS_NOTEBOOK_STAMP := $(ADS_VENV)/.notebook-runner
# The OCI TypeScript/JavaScript SDK (oci-datascience, oci-common; exact pins in its package-lock.json) for
# tests/clients/test_node_sdk.py: installed once, again only when the lock file changes.
NODE_CLIENT := tests/clients/node
NODE_CLIENT_STAMP := $(NODE_CLIENT)/node_modules/.installed

.PHONY: install ads oci-cli mlflow-client node-client quickstart quickstart-llm test test-fast docker images browser image llm-image screenshots docs clean

# pip runs without -q: its lines are the progress of an install that takes minutes.
$(STAMP): pyproject.toml
	@echo "==> Installing Dockyard with its dev extras into $(VENV) (a few minutes; pip lists each package)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -e '.[dev]'
	touch $(STAMP)
	@echo "==> Installed. In a new shell: source $(BIN)/activate (puts dockyard and python on PATH)"

$(OCI_CLI_STAMP): $(STAMP)
	@echo "==> Installing the stock oci CLI into $(OCI_CLI_VENV) for the test that drives it (a minute or two)"
	$(PYTHON) -m venv $(OCI_CLI_VENV)
	$(OCI_CLI_VENV)/bin/pip install oci-cli
	ln -sf $(abspath $(OCI_CLI_VENV))/bin/oci $(BIN)/oci
	touch $(OCI_CLI_STAMP)

# oracle-ads once (minutes); Dockyard again only when pyproject.toml changes (seconds).
$(ADS_BASE_STAMP):
	$(PYTHON) -m venv $(ADS_VENV)
	$(ADS_VENV)/bin/pip install -q --upgrade pip
	$(ADS_VENV)/bin/pip install -q '$(ADS_REQUIREMENT)' $(LANGCHAIN_CLIENTS)
	touch $(ADS_BASE_STAMP)

$(ADS_NOTEBOOK_STAMP): $(ADS_BASE_STAMP)
	$(ADS_VENV)/bin/pip install -q $(NOTEBOOK_RUNNER)
	touch $(ADS_NOTEBOOK_STAMP)

$(ADS_STAMP): $(ADS_BASE_STAMP) $(ADS_NOTEBOOK_STAMP) pyproject.toml
	$(ADS_VENV)/bin/pip install -q --no-deps -e .
	touch $(ADS_STAMP)

install: $(STAMP)

ads: $(ADS_STAMP)

oci-cli: $(OCI_CLI_STAMP)

$(MLFLOW_STAMP):
	$(PYTHON) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/pip install -q --upgrade pip
	$(MLFLOW_VENV)/bin/pip install -q $(MLFLOW_CLIENT)
	touch $(MLFLOW_STAMP)

mlflow-client: $(MLFLOW_STAMP)

# Without npm (.ci/run installs Debian's nodejs and npm) the Node SDK test skips, except in CI.
$(NODE_CLIENT_STAMP): $(NODE_CLIENT)/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix $(NODE_CLIENT) --no-audit --no-fund && touch $@; \
	else echo "==> npm not found: the Node SDK test will skip (Debian: apt-get install nodejs npm)"; fi

node-client: $(NODE_CLIENT_STAMP)

quickstart: $(STAMP)
	$(BIN)/python -m toolkit.quickstart

# The LLM workflow: train a tiny GPT-2, save its zipped weights, deploy them as a TGI container, stream.
quickstart-llm: $(STAMP)
	$(BIN)/python -m toolkit.quickstart_llm

# pytest-xdist: one worker per CPU, a test module's tests on one worker (its module fixtures, an emulator
# or a trained model, are made once). XDIST= runs in one process.
XDIST ?= -n auto --dist loadfile

# Two pytest runs at once: the Docker tests in one process (they share one engine, its image builds and its
# containers), and beside it every other test on the xdist workers. Much of the suite waits (image builds,
# clients' poll intervals, subprocesses starting): the two overlap on two cores. The Docker part's output
# goes to $(DOCKER_TEST_LOG), printed when both are done. TEST_PARTS=serial runs the two one after the
# other instead, both printing as they go. The target fails when either fails ("no tests collected" in one
# part is no failure: PYTEST_ARGS chose the other).
TEST_PARTS ?= concurrent
DOCKER_TEST_LOG ?= build/docker-tests.log

test: $(STAMP) $(OCI_CLI_STAMP) $(ADS_STAMP) $(NODE_CLIENT_STAMP) $(MLFLOW_STAMP)
	@if [ "$(TEST_PARTS)" = serial ]; then \
	  $(BIN)/python -m pytest -ra $(XDIST) --docker-tests=none $(PYTEST_ARGS); rest=$$?; \
	  $(BIN)/python -m pytest -ra --docker-tests=only $(PYTEST_ARGS); docker=$$?; \
	else \
	  mkdir -p $(dir $(DOCKER_TEST_LOG)); \
	  echo "==> make test: the Docker tests run in one process beside the others (output: $(DOCKER_TEST_LOG))"; \
	  $(BIN)/python -m pytest -ra --docker-tests=only $(PYTEST_ARGS) > $(DOCKER_TEST_LOG) 2>&1 & docker_pid=$$!; \
	  $(BIN)/python -m pytest -ra $(XDIST) --docker-tests=none $(PYTEST_ARGS); rest=$$?; \
	  echo "==> make test: waiting for the Docker tests"; wait $$docker_pid; docker=$$?; \
	  echo "==> make test: the Docker tests' output ($(DOCKER_TEST_LOG))"; cat $(DOCKER_TEST_LOG); \
	fi; \
	echo "==> make test: tests without Docker exited $$rest, Docker tests exited $$docker"; \
	if [ $$rest = 5 ] && [ $$docker = 5 ]; then exit 5; fi; \
	for code in $$rest $$docker; do case $$code in 0|5) ;; *) exit $$code ;; esac; done

# The inner loop: no Docker, no long framework or LLM environments, no browser, no ADS venv (their
# markers); every other test, real emulators on loopback included, on the xdist workers.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -ra $(XDIST) -m "not docker and not slow and not browser and not ads" $(PYTEST_ARGS)

# Start a Docker engine and build the offline base image and its Java variant for pyspark
# environments (Debian/Ubuntu hosts; needs root).
docker: $(STAMP)
	bash .ci/setup-docker
	$(MAKE) images

# The two base images alone, on an engine that is already up (.ci/run builds them beside the venvs).
images: $(STAMP)
	$(BIN)/dockyard emulator base-image --tag "$${DOCKYARD_BASE_IMAGE:-dockyard/python:3.11-local}"
	$(BIN)/dockyard emulator base-image --java

# Headless Chromium and chromium-driver from Debian, for the console's browser test (needs root).
browser:
	bash .ci/setup-browser

# The emulator as a container image, dockyard/emulator, built offline FROM $$DOCKYARD_BASE_IMAGE.
image: $(STAMP)
	$(BIN)/dockyard emulator image

# The CPU LLM stand-in as a bring-your-own-container image, dockyard/llm:cpu, built offline FROM $$DOCKYARD_BASE_IMAGE.
llm-image: $(STAMP)
	$(BIN)/dockyard llm image

# The README's console screenshots, taken by the browser test itself.
screenshots: $(STAMP)
	DOCKYARD_SCREENSHOTS=docs/console DOCKYARD_REQUIRE_BROWSER=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/console/test_browser.py

# The docs site (MkDocs, strict: a warning or a broken link fails), into site/; offline.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict -d site

clean:
	rm -rf $(VENV) .pytest_cache site
