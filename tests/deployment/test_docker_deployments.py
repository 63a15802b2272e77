"""Deployments in real Docker containers: cached environment images, a killed container, BYOC."""
from __future__ import annotations

import pytest

from emulator.model_deployment.service import service_of
from tests.deployment import helpers
from toolkit.deployment import ModelDeployment, deploy_model

pytestmark = pytest.mark.docker
ROWS = [[0.0, 0.0], [1.0, 1.0]]


def _work_request_logs(deployment_id: str) -> str:
    from toolkit.catalog.session import connect

    ds = connect().ds
    work = ds.list_work_requests(ds.get_model_deployment(deployment_id).data.compartment_id,
                                 resource_id=deployment_id).data
    return "\n".join(e.message for w in work for e in ds.list_work_request_logs(w.id).data)


def test_sklearn_in_docker_deploy_predict_logs_deactivate_activate_delete(sklearn_model_id):
    deployment = deploy_model(sklearn_model_id, display_name="sk-docker", runtime="docker")
    assert deployment.lifecycle_state == "ACTIVE"
    assert deployment.predict(json_input={"data": ROWS}) == {"prediction": [0, 1]}
    assert any(e.type == "predict" and "/opt/ds/model/deployed_model" in e.message for e in deployment.logs())
    deployment.deactivate()
    deployment.activate()  # the second start reuses the environment image
    assert "cached" in _work_request_logs(deployment.id)
    assert deployment.predict(json_input={"data": ROWS}) == {"prediction": [0, 1]}
    deployment.delete()
    assert deployment.lifecycle_state == "DELETED"


def test_generic_cloudpickle_model_in_docker(pickle_model_id):
    deployment = deploy_model(pickle_model_id, runtime="docker")
    assert deployment.predict(json_input={"data": [[1, 2], [3]]}) == {"prediction": [103, 103]}
    deployment.delete()


def test_a_killed_container_turns_the_deployment_needs_attention(pickle_model_id, emulator):
    import docker

    deployment = deploy_model(pickle_model_id, runtime="docker")
    handle = service_of(emulator.app).upstream(deployment.id)
    docker.from_env().containers.get(handle.ref).kill()
    assert helpers.wait_state(deployment, ("NEEDS_ATTENTION",)) == "NEEDS_ATTENTION"
    assert any("stopped unexpectedly" in e.message for e in deployment.logs("predict"))
    deployment.activate()
    assert deployment.predict(json_input={"data": [[1]]}) == {"prediction": [101]}
    deployment.delete()


@pytest.fixture(scope="module")
def byoc_image() -> str:
    return helpers.build_byoc_image()


def test_bring_your_own_container_gets_ports_env_cmd_and_the_artifact(pickle_model_id, byoc_image):
    deployment = deploy_model(pickle_model_id, deployment_image=byoc_image, server_port=5000,
                              health_check_port=5001, entrypoint=["python3"], cmd=["/app/server.py"],
                              environment_variables={"GREETING": "hello", "SERVER_PORT": "5000",
                                                     "HEALTH_PORT": "5001"})
    answer = deployment.predict(json_input={"x": 1})
    assert answer["byoc"] is True and answer["greeting"] == "hello" and answer["echo"] == {"x": 1}
    assert "score.py" in answer["files"]
    record = ModelDeployment.from_id(deployment.id).record
    env = record.model_deployment_configuration_details.environment_configuration_details
    assert env.environment_configuration_type == "OCIR_CONTAINER" and env.server_port == 5000
    deployment.delete()


def test_a_bring_your_own_container_started_with_python_as_ads_examples_write_it_serves_on_port_8080(
        pickle_model_id):
    """ADS's BYOC examples write ``ENTRYPOINT ["python", "api.py"]``: the base image (in CI the offline
    dockyard/python:3.11-local) answers to ``python`` as python:3.11-slim does."""
    image = helpers.build_byoc_image("dockyard-test/byoc-python-entrypoint:latest", path="/app/api.py",
                                     instructions=("WORKDIR /app", 'ENTRYPOINT ["python", "api.py"]'))
    deployment = deploy_model(pickle_model_id, deployment_image=image)  # OCI's default ports: 8080 for both
    answer = deployment.predict(json_input={"data": [[1, 2]]})
    assert answer["byoc"] is True and answer["echo"] == {"data": [[1, 2]]} and "score.py" in answer["files"]
    deployment.delete()


def test_a_bring_your_own_container_that_cannot_start_leaves_no_container(pickle_model_id, byoc_image, emulator):
    """A bad cmd fails at `docker start`, after `docker create`: that container is removed too."""
    import docker

    from toolkit.catalog.errors import WorkRequestFailedError

    with pytest.raises(WorkRequestFailedError, match="no-such-binary"):
        deploy_model(pickle_model_id, deployment_image=byoc_image, server_port=5000, cmd=["/no-such-binary"])
    left = docker.from_env().containers.list(all=True, filters={"ancestor": byoc_image, "status": "created"})
    assert [c.name for c in left] == []
