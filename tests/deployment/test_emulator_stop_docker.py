"""``dockyard emulator stop`` leaves no Docker container behind (none keeps a port published for a
catalog nobody serves); the next start brings the ACTIVE deployment back in a new container. An
emulator that was killed leaves its containers, and ``stop`` removes those too. Real Docker, a real
detached emulator, the CLI as a user runs it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from emulator import daemon
from tests.deployment import helpers
from toolkit.deployment import ModelDeployment, deploy_model

pytestmark = pytest.mark.docker


def _dockyard(home, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKYARD_ENDPOINT", "DOCKYARD_RUNTIME")}
    env["DOCKYARD_HOME"] = str(home)
    done = subprocess.run([sys.executable, "-m", "toolkit.cli", *args], env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    return done


def test_stop_leaves_no_container_and_start_brings_the_deployment_back(daemon_home, tmp_path):
    _dockyard(daemon_home, "emulator", "start", "--detach")
    model_id = helpers.save_to_catalog(helpers.pickle_artifact(tmp_path / "artifact"))
    deployment = deploy_model(model_id, runtime="docker", show_progress=False)
    (container,) = helpers.containers_of(daemon_home)
    assert container.status == "running" and container.ports

    stopped = _dockyard(daemon_home, "emulator", "stop")

    assert "stopped the emulator" in stopped.stdout
    assert helpers.containers_of(daemon_home) == []
    _dockyard(daemon_home, "emulator", "start", "--detach")
    assert helpers.predict_when_back(deployment.id) == {"prediction": [101]}
    assert ModelDeployment.from_id(deployment.id).lifecycle_state == "ACTIVE"
    assert [c.status for c in helpers.containers_of(daemon_home)] == ["running"]
    _dockyard(daemon_home, "emulator", "stop")
    assert helpers.containers_of(daemon_home) == []


def test_stop_removes_the_containers_of_an_emulator_that_was_killed(daemon_home, tmp_path):
    _dockyard(daemon_home, "emulator", "start", "--detach")
    model_id = helpers.save_to_catalog(helpers.pickle_artifact(tmp_path / "artifact"))
    deploy_model(model_id, runtime="docker", show_progress=False)
    os.kill(daemon.status(daemon_home)["pid"], signal.SIGKILL)
    assert len(helpers.containers_of(daemon_home)) == 1  # a crash cannot clean up

    stopped = _dockyard(daemon_home, "emulator", "stop")

    assert "no emulator was running" in stopped.stdout
    assert helpers.containers_of(daemon_home) == []
