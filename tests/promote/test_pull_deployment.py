"""Pulling a deployment from the "cloud" stand-in: its model, its configuration, and with deploy=True
the same deployment recreated on the laptop; the cloud side is only read."""
from __future__ import annotations

import pytest
import requests

from toolkit.promote import PULL_KEY, PullError, pull

from .conftest import CLOUD_PROFILE


def _cloud_deployment(cloud, model_id, infrastructure, runtime, *, wait=True):
    """A deployment of ``model_id`` created in the cloud stand-in from the builders (as ADS sends it)."""
    from toolkit.deployment.translate import create_details
    from toolkit.promote.transfer import session_for

    session = session_for(CLOUD_PROFILE, cloud.url, None)
    details = create_details(model_id, infrastructure, runtime, display_name="prod-endpoint",
                             compartment_id=cloud.compartment_id, project_id=cloud.project_id)
    response = session.ds.create_model_deployment(details)
    if wait:
        session.wait_for_work_request(response.headers["opc-work-request-id"], 180)
    return response.data.id


def _delete(session, deployment_id):
    session.ds.delete_model_deployment(deployment_id)


def _laptop(laptop):
    from toolkit.catalog.session import connect
    from toolkit.profiles import local_profile

    return connect(local_profile(endpoint=laptop.url))


def _configuration(record):
    return record.model_deployment_configuration_details


@pytest.mark.slow
def test_pull_deploy_recreates_the_deployment_locally_and_it_predicts(promoted, cloud_env, laptop, cloud_requests):
    from toolkit.deployment.spec import ModelDeploymentCondaRuntime, ModelDeploymentInfrastructure
    from toolkit.promote.transfer import session_for

    _, promotion = promoted
    infrastructure = (ModelDeploymentInfrastructure().with_shape_name("VM.Standard.E4.Flex")
                      .with_shape_config_details(ocpus=2, memory_in_gbs=16).with_replica(2).with_bandwidth_mbps(20))
    runtime = ModelDeploymentCondaRuntime().with_env({"GREETING": "hello", "LOG_LEVEL": "debug"})
    source_id = _cloud_deployment(cloud_env, promotion.target_model_id, infrastructure, runtime)
    cloud_requests.entries.clear()
    local = _laptop(laptop)
    try:
        result = pull(source_id, CLOUD_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, deploy=True)

        assert result.source_deployment_id == source_id and result.source_model_id == promotion.target_model_id
        copy = local.ds.get_model_deployment(result.deployment_id).data
        config = _configuration(copy).model_configuration_details
        assert copy.display_name == "prod-endpoint" and copy.lifecycle_state == "ACTIVE"
        assert copy.freeform_tags[PULL_KEY] == source_id
        assert config.model_id == result.target_model_id and config.bandwidth_mbps == 20
        assert config.scaling_policy.instance_count == 2
        assert config.instance_configuration.instance_shape_name == "VM.Standard.E4.Flex"
        assert config.instance_configuration.model_deployment_instance_shape_config_details.ocpus == 2
        env = _configuration(copy).environment_configuration_details.environment_variables
        assert env["GREETING"] == "hello" and env["LOG_LEVEL"] == "debug"
        response = requests.post(f"{result.deployment_url}/predict", json=[{"x": 3.0}], timeout=60)
        assert response.status_code == 200, response.text
        assert response.json() == {"prediction": [7.0]}

        again = pull(source_id, CLOUD_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, deploy=True)
        assert again.deployment_id == result.deployment_id and again.reused
        assert {s.name: s.action for s in again.steps}["deploy"] == "reuse"
        assert cloud_requests.writes() == []
    finally:
        for summary in local.ds.list_model_deployments(local.compartment(None)).data:
            if (summary.freeform_tags or {}).get(PULL_KEY) == source_id and summary.lifecycle_state == "ACTIVE":
                _delete(local, summary.id)
        _delete(session_for(CLOUD_PROFILE, cloud_env.url, None), source_id)


@pytest.mark.slow
def test_pull_carries_an_autoscaling_policy_in_the_plan(promoted, cloud_env, laptop, cloud_requests):
    from toolkit.deployment.spec import ModelDeploymentCondaRuntime, ModelDeploymentInfrastructure
    from toolkit.promote.transfer import session_for

    _, promotion = promoted
    infrastructure = (ModelDeploymentInfrastructure().with_shape_name("VM.Standard.E4.Flex")
                      .with_auto_scaling("cpu_utilization", minimum_instance_count=1, maximum_instance_count=4,
                                         scale_out_threshold=65))
    source_id = _cloud_deployment(cloud_env, promotion.target_model_id, infrastructure,
                                  ModelDeploymentCondaRuntime())
    cloud_requests.entries.clear()
    try:
        result = pull(source_id, CLOUD_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url,
                      dry_run=True, deploy=True)
        policy = result.deployment_configuration["modelDeploymentConfigurationDetails"][
            "modelConfigurationDetails"]["scalingPolicy"]
        assert policy["policyType"] == "AUTOSCALING"
        autoscaling = policy["autoScalingPolicies"][0]
        assert autoscaling["maximumInstanceCount"] == 4
        assert autoscaling["rules"][0]["scaleOutConfiguration"]["threshold"] == 65
        assert {s.name: s.action for s in result.steps}["deploy"] == "would create"
        assert cloud_requests.writes() == []
    finally:
        _delete(session_for(CLOUD_PROFILE, cloud_env.url, None), source_id)


@pytest.mark.docker
@pytest.mark.slow
def test_pull_deploy_of_a_byoc_deployment_names_the_missing_image(promoted, cloud_env, laptop, cloud_requests):
    from toolkit.deployment.spec import ModelDeploymentContainerRuntime, ModelDeploymentInfrastructure
    from toolkit.promote.transfer import session_for

    _, promotion = promoted
    image = "iad.ocir.io/prodtenancy/scorer-never-pulled:1.0"
    runtime = (ModelDeploymentContainerRuntime().with_image(image).with_server_port(8080)
               .with_health_check_port(8081).with_entrypoint(["python", "-m", "scorer"]).with_cmd(["--workers", "2"])
               .with_env({"MODEL_DIR": "/opt/ds/model/deployed_model"}))
    source_id = _cloud_deployment(cloud_env, promotion.target_model_id, ModelDeploymentInfrastructure(), runtime,
                                  wait=False)
    cloud_requests.entries.clear()
    try:
        plan = pull(source_id, CLOUD_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, dry_run=True)
        env = plan.deployment_configuration["modelDeploymentConfigurationDetails"]["environmentConfigurationDetails"]
        assert env["image"] == image and env["serverPort"] == 8080 and env["healthCheckPort"] == 8081
        assert env["entrypoint"] == ["python", "-m", "scorer"] and env["cmd"] == ["--workers", "2"]
        assert env["environmentVariables"]["MODEL_DIR"] == "/opt/ds/model/deployed_model"

        with pytest.raises(PullError, match=f"(?s)step 'deploy'.*docker pull {image}") as info:
            pull(source_id, CLOUD_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, deploy=True,
                 wait_seconds=120)
        assert "ModelDeploymentFailed" in str(info.value)  # the local engine's own reason comes first
        assert cloud_requests.writes() == []
    finally:
        _delete(session_for(CLOUD_PROFILE, cloud_env.url, None), source_id)
