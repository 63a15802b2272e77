"""The project's own suite loads its pytest plugin (``toolkit.testing.plugin``), like a user's would.

Installed (``pip install -e .``), pytest loads the plugin from the ``pytest11`` entry point; run from
a bare checkout, it is registered here so the Docker markers and policy are the same everywhere.
The plugin's, quickstart's and promotion's tests use its fixtures; the emulator, catalog and
deployment suites start emulators of their own (their conftest.py says with which settings).

The whole suite runs under the network guard (``toolkit.testing.network_guard``): this process and
every Python it starts with the inherited environment (the emulator daemon, the quickstart, the oci
CLI, ADS notebooks) refuse connections off this machine, and a test during which one was tried fails,
naming the host and the stack. ``DOCKYARD_NETWORK_GUARD=0`` turns it off for a run.

With ``DOCKYARD_NO_SKIPS=1`` (``.ci/run`` sets it) a skip fails the run unless it is a case that does
not apply, on the allow-list in ``tests/skip_policy.py``.

``--docker-tests=none|only`` splits the suite in two: ``make test`` runs the tests that need no Docker
engine on pytest-xdist workers, then the Docker tests in one process (they share one engine and its
images). It composes with ``-m``, which a user's ``PYTEST_ARGS`` may carry.
"""
from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from tests import skip_policy
from toolkit.testing import network_guard
from toolkit.testing.plugin import DOCKER_MARKERS

_ADS_TESTS = Path(__file__).resolve().parent / "ads"
_GUARD_LOG = Path(tempfile.gettempdir()) / f"dockyard-network-guard-{os.getpid()}.log"
_guard_offset = 0  # how far the children's log has been read
_seen_in_process = 0  # how many of this process's violations have been reported


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("dockyard"):
        from toolkit.testing import plugin

        config.pluginmanager.register(plugin, "dockyard")
    if not config.pluginmanager.is_registered(skip_policy):
        config.pluginmanager.register(skip_policy, "dockyard-skip-policy")
    if os.environ.get(network_guard.ENV_FLAG) != "0":
        _GUARD_LOG.unlink(missing_ok=True)
        network_guard.install(_GUARD_LOG)
        os.environ.update(network_guard.child_env(dict(os.environ), _GUARD_LOG))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--docker-tests", choices=("all", "none", "only"), default="all",
                     help="run all tests, none of those marked docker, or only those (make test runs the two "
                          "parts one after the other, the first on pytest-xdist workers)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under ``tests/ads`` runs ADS's own interpreter: marked ``ads``, so ``make test-fast``
    (``-m "not ads ..."``) leaves it out; the few ADS tests elsewhere carry the marker themselves."""
    for item in items:
        if _ADS_TESTS in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.ads)
    _select_docker_part(config, items)


def _select_docker_part(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the Docker tests (``--docker-tests=none``) or all the others (``only``)."""
    part = config.getoption("docker_tests")
    if part == "all":
        return
    keep, drop = [], []
    for item in items:
        needs_docker = any(item.get_closest_marker(name) for name in DOCKER_MARKERS)
        (keep if needs_docker == (part == "only") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def guarded(env: dict[str, str]) -> dict[str, str]:
    """``env`` for a child process of a test, guarded like the suite (for tests that build a fresh env)."""
    if network_guard.current() is None:
        return env
    return network_guard.child_env(env, _GUARD_LOG)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Fail the phase (setup, call, teardown) during which anything tried to leave this machine."""
    outcome = yield
    left = _new_violations()
    if left:
        report = outcome.get_result()
        report.outcome = "failed"
        report.longrepr = "tried to leave this machine:\n" + "\n".join(v.describe() for v in left)


def _new_violations() -> list[network_guard.Violation]:
    global _guard_offset, _seen_in_process
    guard = network_guard.current()
    if guard is None:
        return []
    in_process = guard.violations[_seen_in_process:]
    _seen_in_process = len(guard.violations)
    logged, _guard_offset = network_guard.read_log(_GUARD_LOG, _guard_offset)
    return [v for v in logged if v.pid != os.getpid()] + in_process


@pytest.fixture(scope="session", autouse=True)
def _temporary_files_in_pytests_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What the code under test leaves in the temporary folder on purpose (``prepare()`` without an
    ``artifact_dir`` keeps its artifact, as ADS does) goes to pytest's folders, which pytest prunes,
    instead of piling up in /tmp run after run; the processes tests start inherit it (``TMPDIR``)."""
    folder = str(tmp_path_factory.mktemp("tempfile"))
    before = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"], tempfile.tempdir = folder, folder
    yield
    if before[0] is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = before[0]
    tempfile.tempdir = before[1]


def _imported_when_used(module: str, name: str | None = None) -> object:
    """A session fixture that imports a framework when a test first uses it. Imported at the top of a test
    module, TensorFlow, torch or XGBoost cost every xdist worker seconds at collection, for tests that
    ``-m`` then leaves out. The dev extras install them all: a missing one fails the tests that need it."""
    @pytest.fixture(scope="session", name=name or module)
    def imported() -> object:
        return importlib.import_module(module)
    return imported


xgboost_module = _imported_when_used("xgboost")
lightgbm_module = _imported_when_used("lightgbm")
torch_module = _imported_when_used("torch")
tensorflow_module = _imported_when_used("tensorflow", "tf")
keras_module = _imported_when_used("keras")
onnx_module = _imported_when_used("onnx")
onnxruntime_module = _imported_when_used("onnxruntime")
skl2onnx_module = _imported_when_used("skl2onnx")
tokenizers_module = _imported_when_used("tokenizers")
transformers_module = _imported_when_used("transformers")
pyspark_module = _imported_when_used("pyspark")
