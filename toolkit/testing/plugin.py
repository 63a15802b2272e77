"""Dockyard's pytest plugin (entry point ``pytest11``): an emulator and clients for your suite.

Fixtures
    ``dockyard_emulator``  session: an emulator on 127.0.0.1 (ephemeral port) with its own home;
                           ``.url``, ``.home``, ``.state``, ``.activate()``; tests using it run with
                           the environment pointing the toolkit at it (autouse ``dockyard_env``).
    ``dockyard_emulator_config``  session: extra ``EmulatorConfig`` fields (override to change).
    ``clean_catalog``      function: empties that emulator before the test (its ``reset()``).
    ``dockyard_snapshot``  function: that emulator, restored from the snapshot the test's marker names
                           (``toolkit.testing.snapshots``); ``.save()`` / ``.restore()`` inside a test.
    ``oci_config`` / ``oci_signer``  the emulator's throwaway API key, as the ``oci`` SDK takes them.
    ``ds_client``          an ``oci.data_science.DataScienceClient`` wired to the emulator.
    ``deployed_model``     factory: prepare + save + deploy a model; deleted after the test.
Option
    ``--dockyard-isolation`` / ini ``dockyard_isolation``: ``worker`` (default) gives each pytest
    process (each pytest-xdist worker) an emulator of its own, emptied by ``clean_catalog``; ``test``
    gives every test that asks a fresh emulator (the four emulator fixtures become function-scoped).
Markers
    ``docker`` / ``requires_docker``  skip without a Docker engine (fail instead when
                                      ``DOCKYARD_REQUIRE_DOCKER=1``, as in CI).
    ``dockyard_snapshot(FILE_OR_NAME)``  restore that snapshot into ``dockyard_emulator`` before the
                                      test: a reset plus a restore, no restart.
Beside it, ``mock_datascience(snapshot=...)`` starts the in-process emulator from a snapshot.
Documented in docs/testing.md (and docs/harness.md, docs/snapshots.md).

pytest loads this module for every run of every project that installs Dockyard, so it imports
nothing heavy at module level: the emulator, ``oci`` and Docker load when a fixture is used.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

if TYPE_CHECKING:
    from emulator.server import RunningEmulator

DOCKER_MARKERS = ("docker", "requires_docker")
pytest_plugins = ["toolkit.testing.snapshots"]  # the dockyard_snapshot marker and fixture
ISOLATION = "dockyard_isolation"
ISOLATION_LEVELS = ("worker", "test")


def pytest_addoption(parser: pytest.Parser) -> None:
    why = ("what a Dockyard emulator is shared by: 'worker' (default) one per pytest process, so one per "
           "pytest-xdist worker, reset by clean_catalog; 'test' a fresh one for every test that uses it")
    parser.addoption("--dockyard-isolation", dest=ISOLATION, choices=ISOLATION_LEVELS, default=None, help=why)
    parser.addini(ISOLATION, why, default="worker")


def isolation(config: pytest.Config) -> str:
    """The isolation level in force: the command line wins over the ini file."""
    level = config.getoption(ISOLATION) or config.getini(ISOLATION)
    if level not in ISOLATION_LEVELS:
        raise pytest.UsageError(f"{ISOLATION} = {level!r}: choose one of {', '.join(ISOLATION_LEVELS)}")
    return level


def _emulator_scope(*, fixture_name: str, config: pytest.Config) -> str:
    """The scope of the emulator and of the clients bound to it, from the isolation level."""
    return "function" if isolation(config) == "test" else "session"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "docker: needs a running Docker engine (skipped without one)")
    config.addinivalue_line("markers", "requires_docker: same as docker")
    isolation(config)  # a wrong level stops the run here, before fixtures are defined with it


def _docker_problem() -> str | None:
    from emulator.runtimes import docker_problem  # the runtimes' own ping: tests skip when deployments would

    problem = docker_problem()
    return f"no Docker engine answers ({problem})" if problem else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip Docker tests where no engine answers; in CI (DOCKYARD_REQUIRE_DOCKER=1) refuse to."""
    marked = [i for i in items if any(m in i.keywords for m in DOCKER_MARKERS)]
    if not marked:
        return
    problem = _docker_problem()
    if problem is None:
        return
    if os.environ.get("DOCKYARD_REQUIRE_DOCKER") == "1":
        raise pytest.UsageError(f"DOCKYARD_REQUIRE_DOCKER=1 but {problem}")
    for item in marked:
        item.add_marker(pytest.mark.skip(reason=f"{problem}; start one or unmark the test"))


@dataclass
class EmulatorHandle:
    """What ``dockyard_emulator`` yields: where the emulator listens and where it keeps state."""

    url: str
    home: Path
    running: "RunningEmulator"
    worker: str = "master"  # the pytest-xdist worker that owns it ("gw0", ...), "master" without xdist

    @property
    def state(self) -> Any:
        return self.running.state

    @contextmanager
    def activate(self) -> Iterator[None]:
        """Within the block, the toolkit's ``local`` profile is this emulator (environment restored after)."""
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DOCKYARD_HOME", str(self.home))
            mp.setenv("DOCKYARD_ENDPOINT", self.url)
            mp.setenv("DOCKYARD_PROFILE", "local")
            yield

    @property
    def config_file(self) -> Path:
        """The OCI config file (profile DEFAULT) holding the emulator's throwaway API key."""
        from toolkit.profiles import ensure_local_credentials

        return ensure_local_credentials(self.home)


@pytest.fixture(scope="session")
def dockyard_emulator_config() -> dict[str, Any]:
    """Extra ``EmulatorConfig`` fields for ``dockyard_emulator``; override it in your conftest,
    e.g. ``return {"runtime": "process"}`` for deployments without Docker."""
    return {}


@pytest.fixture(scope=_emulator_scope)
def dockyard_emulator(tmp_path_factory: pytest.TempPathFactory,
                      dockyard_emulator_config: dict[str, Any]) -> Iterator[EmulatorHandle]:
    """One emulator per test session on 127.0.0.1:<free port>, home in a session temp dir (per test
    with ``dockyard_isolation = test``). Under pytest-xdist each worker is a session of its own: its
    own emulator, port, home and deployments, so no worker's reset or deployment reaches another's.

    Tests that use it (directly or through another fixture) run with ``DOCKYARD_HOME``,
    ``DOCKYARD_ENDPOINT`` and ``DOCKYARD_PROFILE`` pointing at it, so ``GenericModel.save()`` and
    friends need no arguments; session-scoped fixtures of yours wrap their work in
    ``with dockyard_emulator.activate():``. Other tests of the session see the environment as it was."""
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background

    home = tmp_path_factory.mktemp("dockyard-home")
    settings = {**dockyard_emulator_config, "home": home, "host": "127.0.0.1", "port": 0}
    running = start_in_background(EmulatorConfig(**settings))
    try:
        yield EmulatorHandle(url=running.url, home=home, running=running,
                             worker=os.environ.get("PYTEST_XDIST_WORKER", "master"))
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def dockyard_env(request: pytest.FixtureRequest) -> Iterator[None]:
    """Point the toolkit at ``dockyard_emulator`` during the tests that use it, and only those."""
    if "dockyard_emulator" not in request.fixturenames:
        yield
        return
    with request.getfixturevalue("dockyard_emulator").activate():
        yield


@pytest.fixture
def clean_catalog(dockyard_emulator: EmulatorHandle) -> EmulatorHandle:
    """Start the test with an empty emulator: every deployment's server stopped, every record (but the
    registered API keys) and every stored file gone, through the emulator's own reset (moto's
    ``reset()``; ``POST /dockyard-api/reset`` over HTTP)."""
    dockyard_emulator.state.reset()
    return dockyard_emulator


@pytest.fixture(scope=_emulator_scope)
def oci_config(dockyard_emulator: EmulatorHandle) -> dict[str, Any]:
    """The OCI config dict of the emulator's throwaway key (never ``~/.oci/config``)."""
    import oci

    return oci.config.from_file(str(dockyard_emulator.config_file), "DEFAULT")


@pytest.fixture(scope=_emulator_scope)
def oci_signer(oci_config: dict[str, Any]) -> Any:
    """The stock ``oci.signer.Signer`` for ``oci_config``."""
    import oci

    return oci.signer.Signer.from_config(oci_config)


@pytest.fixture(scope=_emulator_scope)
def ds_client(dockyard_emulator: EmulatorHandle, oci_config: dict[str, Any], oci_signer: Any) -> Any:
    """A ``DataScienceClient`` talking to the session emulator."""
    import oci

    return oci.data_science.DataScienceClient(oci_config, signer=oci_signer, service_endpoint=dockyard_emulator.url)


@pytest.fixture
def deployed_model(dockyard_emulator: EmulatorHandle) -> Iterator[Callable[..., Any]]:
    """Factory: ``deployed_model(model, prepare={...}, save={...}, deploy={...})`` returns the model
    prepared (unless its artifact already is), saved and deployed (``model.model_deployment``).
    Deployments and models it made are deleted after the test, even when it fails."""
    made: list[Any] = []

    def factory(model: Any, prepare: dict[str, Any] | None = None, save: dict[str, Any] | None = None,
                deploy: dict[str, Any] | None = None) -> Any:
        if prepare is not None or not _is_prepared(model):
            model.prepare(**{"force_overwrite": True, **(prepare or {})})
        model.save(**(save or {}))
        made.append(model)
        model.deploy(**(deploy or {}))
        return model

    yield factory
    for model in reversed(made):
        _teardown(model)


def _is_prepared(model: Any) -> bool:
    artifact_dir = getattr(model, "artifact_dir", None)
    return bool(artifact_dir) and (Path(artifact_dir) / "score.py").is_file()


def _teardown(model: Any) -> None:
    """Best effort: a failed delete must not hide the test's own result."""
    deployment = getattr(model, "model_deployment", None)
    for action in (lambda: deployment and deployment.delete(), lambda: model.delete()):
        try:
            action()
        except Exception as exc:  # report, keep tearing down
            import warnings

            warnings.warn(f"dockyard deployed_model teardown: {type(exc).__name__}: {exc}", stacklevel=1)
