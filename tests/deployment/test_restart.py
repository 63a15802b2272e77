"""An emulator restart brings ACTIVE deployments back: a stop stops their servers (containers included),
the next start starts them again."""
from __future__ import annotations

import pytest

from emulator.model_deployment.service import service_of
from tests.deployment import helpers
from tests.deployment.conftest import start_emulator
from toolkit.deployment import ModelDeployment, deploy_model


@pytest.fixture
def own_emulator(tmp_path, monkeypatch):
    """An emulator of its own (this test stops and restarts it), found through the environment."""
    home = tmp_path / "home"

    def start():
        running = start_emulator(home)
        monkeypatch.setenv("DOCKYARD_HOME", str(home))
        monkeypatch.setenv("DOCKYARD_ENDPOINT", running.url)
        monkeypatch.setenv("DOCKYARD_PROFILE", "local")
        return running

    return start, tmp_path


def _restart_keeps_serving(own_emulator, runtime: str) -> None:
    start, tmp_path = own_emulator
    first = start()
    model_id = helpers.save_to_catalog(helpers.pickle_artifact(tmp_path / "artifact"))
    deployment = deploy_model(model_id, runtime=runtime)
    assert deployment.predict(json_input={"data": [[1]]}) == {"prediction": [101]}
    first.stop()

    second = start()
    try:
        again = ModelDeployment.from_id(deployment.id)
        assert helpers.wait_state(again, ("ACTIVE",)) == "ACTIVE"
        for _ in range(50):  # the server comes back on a background thread
            if service_of(second.app).upstream(deployment.id):
                break
            import time

            time.sleep(0.2)
        assert again.predict(json_input={"data": [[2]]}) == {"prediction": [102]}
        again.delete()
    finally:
        second.stop()


def test_restart_with_a_live_process_deployment(own_emulator):
    _restart_keeps_serving(own_emulator, "process")


@pytest.mark.docker
def test_restart_with_a_live_docker_deployment_starts_its_container_again(own_emulator):
    _restart_keeps_serving(own_emulator, "docker")
