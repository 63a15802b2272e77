"""A deployment the snapshot recorded ACTIVE serves again after a restore: on the same emulator (the
fixture case: its servers stopped, new ones started; process and Docker runtimes) and on another home,
with servers of its own (never the saving emulator's), and on a home no emulator serves, from the next
start."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from emulator.model_deployment.service import service_of
from emulator.snapshots import restore, save
from tests.deployment import helpers
from tests.deployment.conftest import start_emulator
from toolkit.deployment import ModelDeployment, deploy_model

pytestmark = pytest.mark.slow


@contextmanager
def pointing_at(running, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DOCKYARD_HOME", str(running.state.config.home))
    monkeypatch.setenv("DOCKYARD_ENDPOINT", running.url)
    monkeypatch.setenv("DOCKYARD_PROFILE", "local")
    monkeypatch.delenv("DOCKYARD_RUNTIME", raising=False)
    yield


def _pids(running, deployment_id: str) -> set[str]:
    return {handle.ref for handle in service_of(running.app).instances(deployment_id)}


def test_an_active_process_deployment_serves_again_after_a_restore(tmp_path: Path, monkeypatch):
    first = start_emulator(tmp_path / "first")
    second = None
    try:
        with pointing_at(first, monkeypatch):
            model_id = helpers.save_to_catalog(helpers.pickle_artifact(tmp_path / "artifact"))
            deployment = deploy_model(model_id, runtime="process")
            assert deployment.predict(json_input={"data": [[1]]}) == {"prediction": [101]}
        saved_pids = _pids(first, deployment.id)
        snapshot = tmp_path / "deployed.tar"
        save(first.state, snapshot)

        restore(first.state, snapshot)  # the fixture case: reset and restore the same emulator
        with pointing_at(first, monkeypatch):
            again = ModelDeployment.from_id(deployment.id)
            assert again.sync().lifecycle_state == "ACTIVE"
            assert again.predict(json_input={"data": [[2]]}) == {"prediction": [102]}
        assert _pids(first, deployment.id) and not _pids(first, deployment.id) & saved_pids

        second = start_emulator(tmp_path / "second")
        restore(second.state, snapshot)
        with pointing_at(second, monkeypatch):
            elsewhere = ModelDeployment.from_id(deployment.id)
            assert elsewhere.sync().lifecycle_state == "ACTIVE"
            assert elsewhere.predict(json_input={"data": [[3]]}) == {"prediction": [103]}
        assert not _pids(second, deployment.id) & _pids(first, deployment.id), "it took the other emulator's server"
        with pointing_at(first, monkeypatch):
            assert ModelDeployment.from_id(deployment.id).predict(json_input={"data": [[4]]}) == {"prediction": [104]}
        second.stop()
        second = None

        _restore_offline(snapshot, tmp_path / "third")  # no emulator serves it: the next one starts it
        second = start_emulator(tmp_path / "third")
        with pointing_at(second, monkeypatch):
            assert helpers.predict_when_back(deployment.id) == {"prediction": [101]}
    finally:
        first.stop()
        if second is not None:
            second.stop()


@pytest.mark.docker
def test_an_active_docker_deployment_serves_again_from_a_new_container_after_a_restore(tmp_path: Path, monkeypatch):
    """The fixture case with the Docker runtime: the restore stops the deployment's container and the
    recorded ACTIVE deployment comes up in a new one that predicts."""
    running = start_emulator(tmp_path / "home")
    home = running.state.config.home
    try:
        with pointing_at(running, monkeypatch):
            model_id = helpers.save_to_catalog(helpers.pickle_artifact(tmp_path / "artifact"))
            deployment = deploy_model(model_id, runtime="docker", show_progress=False)
            assert deployment.predict(json_input={"data": [[1]]}) == {"prediction": [101]}
            (saved,) = helpers.containers_of(home)
            snapshot = tmp_path / "docker.tar"
            save(running.state, snapshot)

            restore(running.state, snapshot)

            again = ModelDeployment.from_id(deployment.id)
            assert again.sync().lifecycle_state == "ACTIVE"
            assert again.predict(json_input={"data": [[2]]}) == {"prediction": [102]}
            (serving,) = helpers.containers_of(home)  # the saved one is gone
            assert serving.id != saved.id and serving.status == "running"
            again.delete()
            assert helpers.containers_of(home) == []
    finally:
        running.stop()


def _restore_offline(snapshot: Path, home: Path) -> None:
    from click.testing import CliRunner

    from toolkit.cli import cli

    result = CliRunner().invoke(cli, ["emulator", "snapshot", "restore", str(snapshot), "--home", str(home)])
    assert result.exit_code == 0, result.output
    assert "start with the next emulator" in result.output
