"""Deployment test fixtures: one emulator per session (own home, ephemeral port) that the toolkit
finds through DOCKYARD_ENDPOINT, and models saved in its catalog once per session."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.deployment import helpers


def start_emulator(home: Path):
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background
    from toolkit import settings

    return start_in_background(EmulatorConfig(home=home, host="127.0.0.1", port=0, runtime="process",
                                              base_image=settings.base_image(), max_payload_bytes=1024 * 1024,
                                              autoscaling_time_scale=0.02))  # PT3M lasts 3.6 s


@pytest.fixture(scope="session")
def deploy_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dockyard-deploy-home")


@contextmanager
def emulator_in(home: Path) -> Iterator[object]:
    """An emulator on ``home`` (see start_emulator), stopped with every container of its home on exit."""
    running = start_emulator(home)
    try:
        yield running
    finally:
        running.stop()
        _remove_containers(home)


@pytest.fixture(scope="session")
def emulator(deploy_home: Path) -> Iterator[object]:
    with emulator_in(deploy_home) as running:
        yield running


@contextmanager
def pointing_at(running: object) -> Iterator[None]:
    """The toolkit's local profile uses ``running`` (set only while needed: other suites in the same
    pytest session may have their own emulator)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCKYARD_HOME", str(running.state.config.home))
        mp.setenv("DOCKYARD_ENDPOINT", running.url)
        mp.setenv("DOCKYARD_PROFILE", "local")
        mp.delenv("DOCKYARD_RUNTIME", raising=False)
        yield


@pytest.fixture(autouse=True)
def _toolkit_uses_the_deployment_emulator(request: pytest.FixtureRequest) -> Iterator[None]:
    if "emulator" not in request.fixturenames:
        yield
        return
    with pointing_at(request.getfixturevalue("emulator")):
        yield


@pytest.fixture
def daemon_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A home of its own whose emulator runs detached (a real process a test may stop or kill), found
    by the toolkit's local profile through the home; stopped, its containers removed, afterwards."""
    from emulator import daemon

    home = tmp_path / "home"
    monkeypatch.setenv("DOCKYARD_HOME", str(home))
    monkeypatch.setenv("DOCKYARD_PROFILE", "local")
    monkeypatch.delenv("DOCKYARD_ENDPOINT", raising=False)
    monkeypatch.delenv("DOCKYARD_RUNTIME", raising=False)
    yield home
    daemon.stop(home)
    _remove_containers(home)


def _remove_containers(home: Path) -> None:
    from emulator.runtimes import docker_problem

    if docker_problem() is None:
        from emulator.runtimes.docker import DockerRuntime

        DockerRuntime(home, "unused").remove_all()


@pytest.fixture(scope="session")
def sklearn_model_id(emulator, tmp_path_factory) -> str:
    with pointing_at(emulator):
        return helpers.save_to_catalog(helpers.sklearn_artifact(tmp_path_factory.mktemp("sk")), "sklearn-model")


@pytest.fixture(scope="session")
def pickle_model_id(emulator, tmp_path_factory) -> str:
    with pointing_at(emulator):
        return helpers.save_to_catalog(helpers.pickle_artifact(tmp_path_factory.mktemp("pk")), "pickle-model")
