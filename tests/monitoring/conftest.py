"""Monitoring test fixtures: an emulator of the module's own (process runtime, own home, ephemeral
port; the deployment tests' settings), one echo deployment on it and a burst of predict calls
through its URL, some of them failing, so every metric has data."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import oci
import pytest
import requests

from tests.deployment import helpers
from tests.deployment.artifacts import ECHO_SCORE, write_artifact
from tests.deployment.conftest import emulator_in, pointing_at

CALLS, FAILURES = 40, 3  # the burst: CALLS answered 200, FAILURES answered 500 (score.py raises)


@dataclass
class Burst:
    """A deployment after its burst of calls, and how to reach its emulator."""

    emulator: Any
    deployment_id: str
    compartment_id: str
    started: float  # epoch seconds just before the first call

    def monitoring(self) -> oci.monitoring.MonitoringClient:
        from toolkit.profiles import resolve

        with pointing_at(self.emulator):
            profile = resolve("local")
        return oci.monitoring.MonitoringClient(profile.config, **profile.client_args())


@pytest.fixture(scope="module")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with emulator_in(tmp_path_factory.mktemp("monitoring-home")) as running:
        yield running


@pytest.fixture(scope="module")
def burst(monitored: Any, tmp_path_factory: pytest.TempPathFactory) -> Burst:
    from toolkit.deployment import deploy_model

    with pointing_at(monitored):
        model_id = helpers.save_to_catalog(write_artifact(tmp_path_factory.mktemp("echo"), ECHO_SCORE), "echo")
        deployment = deploy_model(model_id, display_name="monitored", runtime="process")
    started = time.time()
    calls = requests.Session()
    for n in range(CALLS):
        assert calls.post(f"{deployment.url}/predict", json={"data": [n]}, timeout=30).status_code == 200
    for _ in range(FAILURES):
        assert calls.post(f"{deployment.url}/predict", json={"boom": True}, timeout=30).status_code == 500
    wait_for_calls(monitored, deployment.id, CALLS + FAILURES)
    return Burst(monitored, deployment.id, deployment.record.compartment_id, started)


def wait_for_calls(running: Any, deployment_id: str, expected: int, timeout: float = 30) -> None:
    """Until the recorder (once a second) has stored ``expected`` calls of the deployment."""
    from emulator.contracts.deployment_metrics import NAMESPACE, PREDICT_REQUEST_COUNT
    from emulator.monitoring.backend import metric_store

    store = metric_store(running.app)
    deadline = time.monotonic() + timeout
    while True:
        points = store.points(NAMESPACE, PREDICT_REQUEST_COUNT, time.time() - 3600, time.time() + 1, fine=True)
        counted = sum(p.summary.total for p in points if p.resource_id == deployment_id)
        if counted >= expected:
            return
        assert time.monotonic() < deadline, f"the recorder stored {counted} of {expected} calls"
        time.sleep(0.3)


@pytest.fixture
def home_of(monitored: Any) -> Path:
    return Path(monitored.state.config.home)
