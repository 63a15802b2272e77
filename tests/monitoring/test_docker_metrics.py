"""CPU and memory of a container instance come from the Docker engine's stats, per container."""
from __future__ import annotations

import time

import pytest
import requests

from emulator.contracts.deployment_metrics import CPU_UTILIZATION, MEMORY_UTILIZATION, NAMESPACE
from emulator.monitoring.backend import metric_store
from emulator.model_deployment.service import service_of
from tests.deployment import helpers
from tests.deployment.artifacts import ECHO_SCORE, write_artifact
from tests.deployment.conftest import pointing_at

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_a_container_instance_reports_cpu_and_memory_by_its_container_id(monitored, tmp_path):
    from toolkit.deployment import deploy_model

    with pointing_at(monitored):
        model_id = helpers.save_to_catalog(write_artifact(tmp_path / "echo", ECHO_SCORE), "echo-docker")
        deployment = deploy_model(model_id, display_name="in-docker", runtime="docker")
    try:
        containers = {h.ref for h in service_of(monitored.app).instances(deployment.id)}
        for n in range(20):
            requests.post(f"{deployment.url}/predict", json={"data": [n]}, timeout=30).raise_for_status()
        store = metric_store(monitored.app)
        deadline = time.monotonic() + 30
        while True:
            seen = {name: {dict(p.dimensions)["instanceId"] for p in store.points(
                        NAMESPACE, name, time.time() - 120, time.time() + 1, fine=True) if p.resource_id == deployment.id}
                    for name in (CPU_UTILIZATION, MEMORY_UTILIZATION)}
            if all(seen.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert seen == {CPU_UTILIZATION: containers, MEMORY_UTILIZATION: containers}
    finally:
        with pointing_at(monitored):
            deployment.delete(wait_for_completion=True)
