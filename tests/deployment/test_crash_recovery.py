"""kill -9 of a real emulator with deployments: the next start re-attaches to what still runs and
finishes what was half done, so nothing stays in a transitional state and nothing runs for nobody.

What recovery intends (``DeploymentService.resume``), as OCI's control plane finishes the work it
accepted:
- an ACTIVE deployment re-attaches to its servers: the same container, not a new one;
- an operation the emulator was killed in runs again under its own work request, which then ends:
  create, activate and update bring the deployment up (ACTIVE) with the configuration asked for,
  after stopping the servers its record names (a fresh Docker start also clears the containers no
  record names yet); delete and deactivate stop its servers (DELETED, INACTIVE).

A test-only pause (``service.PAUSE_ENV``) holds the emulator inside an operation's window, as the
blob store's pause does for ``tests/emulator/test_crash_windows.py``.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Iterator

import pytest

from emulator import daemon
from emulator.model_deployment.service import PAUSE_ENV
from emulator.runtimes.process import SERVER_LOG
from tests.deployment import helpers
from toolkit.catalog.session import connect
from toolkit.deployment import ModelDeployment, deploy_model

ONE = {"data": [[1]]}
ANSWER = {"prediction": [101]}  # the pickle artifact adds 100


def _start(home: Path, monkeypatch: pytest.MonkeyPatch, pause: str | None = None) -> int:
    """Start the home's emulator as a detached process, held in window ``pause`` when given (its flag
    file is ``home/../paused``); returns its pid."""
    with monkeypatch.context() as env:
        if pause:
            env.setenv(PAUSE_ENV, f"{pause}:{_flag(home)}")
        daemon.ensure_running(home)
    return daemon.status(home)["pid"]


def _flag(home: Path) -> Path:
    return home.parent / "paused"


def _kill9(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)  # our child: reaped, so no zombie looks like a running emulator


def _wait_until_paused(home: Path, pid: int, timeout: float = 600) -> None:
    """Until the emulator is in its window (a first Docker deploy may build its image first)."""
    deadline = time.monotonic() + timeout
    while not _flag(home).exists():
        assert daemon.status(home) and time.monotonic() < deadline, f"emulator {pid} never reached its window"
        time.sleep(0.1)


def _settled(deployment_id: str, operation: str) -> tuple[str, str]:
    """(lifecycle state, status of its ``operation`` work request) once the deployment has left its
    busy state: an operation that ended leaves neither CREATING/UPDATING/DELETING nor IN_PROGRESS."""
    deployment = ModelDeployment.from_id(deployment_id)
    state = helpers.wait_state(deployment, ("ACTIVE", "FAILED", "INACTIVE", "NEEDS_ATTENTION", "DELETED"), 300)
    ds, compartment = connect().ds, deployment.record.compartment_id
    deadline = time.monotonic() + 10  # the work request ends right after the state is written
    while True:
        (work,) = ds.list_work_requests(compartment, resource_id=deployment_id, operation_type=operation).data
        if work.status not in ("ACCEPTED", "IN_PROGRESS") or time.monotonic() > deadline:
            return state, work.status
        time.sleep(0.2)


def _server_pids(home: Path) -> set[int]:
    """Model server processes (process runtime) of ``home``'s deployments: their output goes to a
    deployment's server log under the home."""
    pids = set()
    for stdout in Path("/proc").glob("[0-9]*/fd/1"):
        try:
            target = Path(os.readlink(stdout))
            if target.name == SERVER_LOG and target.is_relative_to(home.resolve()):
                pids.add(int(stdout.parent.parent.name))
        except OSError:
            continue
    return pids


@pytest.fixture
def crash_home(daemon_home: Path) -> Iterator[Path]:
    """``daemon_home``, and no model server process of it left behind however the test ended."""
    yield daemon_home
    daemon.stop(daemon_home)
    for pid in _server_pids(daemon_home):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.docker
def test_killed_emulator_reattaches_to_the_running_container(crash_home, monkeypatch, tmp_path):
    _start(crash_home, monkeypatch)
    model_id = helpers.save_to_catalog(helpers.pickle_artifact(tmp_path / "artifact"))
    deployment = deploy_model(model_id, runtime="docker", show_progress=False)
    assert deployment.predict(json_input=ONE) == ANSWER
    (container,) = helpers.containers_of(crash_home)

    _kill9(daemon.status(crash_home)["pid"])
    assert [(c.id, c.status) for c in helpers.containers_of(crash_home)] == [(container.id, "running")]
    _start(crash_home, monkeypatch)

    assert helpers.predict_when_back(deployment.id) == ANSWER
    assert ModelDeployment.from_id(deployment.id).lifecycle_state == "ACTIVE"
    assert [(c.id, c.status) for c in helpers.containers_of(crash_home)] == [(container.id, "running")]
    ModelDeployment.from_id(deployment.id).delete()
    assert helpers.containers_of(crash_home) == []


@pytest.mark.docker
def test_create_killed_after_its_container_started_ends_active_in_one_container(crash_home, monkeypatch, tmp_path):
    """Killed while CREATING, its container healthy but named by no record yet: the create runs again,
    the leftover container is removed, and the deployment is ACTIVE in one new container."""
    pid = _start(crash_home, monkeypatch, pause="started")
    model_id = helpers.save_to_catalog(helpers.pickle_artifact(tmp_path / "artifact"))
    deployment = deploy_model(model_id, runtime="docker", wait_for_completion=False, show_progress=False)
    _wait_until_paused(crash_home, pid)
    (leftover,) = helpers.containers_of(crash_home)
    _kill9(pid)

    _start(crash_home, monkeypatch)

    assert _settled(deployment.id, "MODEL_DEPLOYMENT_CREATE") == ("ACTIVE", "SUCCEEDED")
    assert helpers.predict_when_back(deployment.id) == ANSWER
    (serving,) = helpers.containers_of(crash_home)
    assert serving.status == "running" and serving.id != leftover.id
    ModelDeployment.from_id(deployment.id).delete()
    assert helpers.containers_of(crash_home) == []


@pytest.mark.docker
def test_delete_killed_before_its_container_stopped_ends_deleted_with_no_container(crash_home, monkeypatch,
                                                                                  tmp_path):
    """Killed while DELETING, its container still running: the delete runs again and ends DELETED,
    its work request SUCCEEDED, and no container is left for the deleted deployment."""
    pid = _start(crash_home, monkeypatch, pause="stopping")
    model_id = helpers.save_to_catalog(helpers.pickle_artifact(tmp_path / "artifact"))
    deployment = deploy_model(model_id, runtime="docker", show_progress=False)
    deployment.delete(wait_for_completion=False)
    _wait_until_paused(crash_home, pid)
    assert [c.status for c in helpers.containers_of(crash_home)] == ["running"]
    _kill9(pid)

    _start(crash_home, monkeypatch)

    assert _settled(deployment.id, "MODEL_DEPLOYMENT_DELETE") == ("DELETED", "SUCCEEDED")
    assert helpers.containers_of(crash_home) == []


@pytest.mark.slow  # a daemon killed mid-update and started again, two generations of servers: 5 s and more
def test_update_killed_before_its_old_servers_stopped_ends_active_with_the_new_configuration(
        crash_home, monkeypatch, tmp_path):
    """Killed while UPDATING (one instance to two), the old server out of rotation but still running:
    the update runs again and ends ACTIVE with two instances, the old server stopped."""
    pid = _start(crash_home, monkeypatch, pause="stopping")
    model_id = helpers.save_to_catalog(helpers.pickle_artifact(tmp_path / "artifact"))
    deployment = deploy_model(model_id, runtime="process", show_progress=False)
    old_servers = _server_pids(crash_home)
    assert old_servers
    deployment.update(replica=2, wait_for_completion=False)
    _wait_until_paused(crash_home, pid)
    _kill9(pid)
    assert _server_pids(crash_home) == old_servers  # a crash stops nothing

    _start(crash_home, monkeypatch)

    assert _settled(deployment.id, "MODEL_DEPLOYMENT_UPDATE") == ("ACTIVE", "SUCCEEDED")
    again = ModelDeployment.from_id(deployment.id)
    assert again.record.model_deployment_system_data.current_instance_count == 2
    assert helpers.predict_when_back(deployment.id) == ANSWER
    assert not old_servers & _server_pids(crash_home)
    again.delete()
    assert _server_pids(crash_home) == set()
