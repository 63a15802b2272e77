"""Pulling a deployment from the "cloud" stand-in: its model, its configuration, and with deploy=True
the same deployment recreated on the laptop; the cloud side is only read."""
from __future__ import annotations

import pytest
import requests

from toolkit.promote import PULL_KEY, PullError, pull

from .conftest import CLOUD_PROFILE, READER_PROFILE


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
        result = pull(source_id, READER_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, deploy=True)

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

        again = pull(source_id, READER_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, deploy=True)
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
        result = pull(source_id, READER_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url,
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
        plan = pull(source_id, READER_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, dry_run=True)
        env = plan.deployment_configuration["modelDeploymentConfigurationDetails"]["environmentConfigurationDetails"]
        assert env["image"] == image and env["serverPort"] == 8080 and env["healthCheckPort"] == 8081
        assert env["entrypoint"] == ["python", "-m", "scorer"] and env["cmd"] == ["--workers", "2"]
        assert env["environmentVariables"]["MODEL_DIR"] == "/opt/ds/model/deployed_model"

        with pytest.raises(PullError, match=f"(?s)step 'deploy'.*docker pull {image}") as info:
            pull(source_id, READER_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, deploy=True,
                 wait_seconds=120)
        assert "ModelDeploymentFailed" in str(info.value)  # the local engine's own reason comes first
        assert cloud_requests.writes() == []
    finally:
        _delete(session_for(CLOUD_PROFILE, cloud_env.url, None), source_id)


@pytest.mark.slow
def test_pull_deploy_of_a_model_group_deployment_brings_the_group_and_its_members(promoted, cloud_env, laptop,
                                                                                 cloud_requests, tmp_path):
    import oci

    from toolkit.catalog.model_catalog import save_model
    from toolkit.promote import promote_model
    from toolkit.promote.transfer import session_for

    from .conftest import LinearModel

    M = oci.data_science.models
    _, promotion = promoted
    second = LinearModel(tmp_path / "second")
    save_model(second, display_name="linear-second")
    second_far = promote_model(second.model_id, CLOUD_PROFILE, endpoint=cloud_env.url,
                               compartment_id=cloud_env.compartment_id, project_id=cloud_env.project_id)
    cloud = session_for(CLOUD_PROFILE, cloud_env.url, None)
    members = [M.MemberModelDetails(model_id=promotion.target_model_id, inference_key="alpha"),
               M.MemberModelDetails(model_id=second_far.target_model_id, inference_key="beta")]
    group = cloud.ds.create_model_group(M.CreateModelGroupDetails(
        create_type="CREATE", compartment_id=cloud_env.compartment_id, project_id=cloud_env.project_id,
        display_name="two-linear", version_label="g1", model_group_details=M.HomogeneousModelGroupDetails(),
        member_model_entries=M.MemberModelEntries(member_model_details=members))).data
    source_id = cloud.ds.create_model_deployment(M.CreateModelDeploymentDetails(
        compartment_id=cloud_env.compartment_id, project_id=cloud_env.project_id, display_name="group-endpoint",
        model_deployment_configuration_details=M.ModelGroupDeploymentConfigurationDetails(
            deployment_type="MODEL_GROUP",
            model_group_configuration_details=M.ModelGroupConfigurationDetails(model_group_id=group.id),
            infrastructure_configuration_details=M.InstancePoolInfrastructureConfigurationDetails(
                infrastructure_type="INSTANCE_POOL",
                instance_configuration=M.InstanceConfiguration(instance_shape_name="VM.Standard.E4.Flex"),
                scaling_policy=M.FixedSizeScalingPolicy(policy_type="FIXED_SIZE", instance_count=1))))).data.id
    cloud_requests.entries.clear()
    local = _laptop(laptop)
    try:
        plan = pull(source_id, READER_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, deploy=True,
                    dry_run=True)
        actions = {s.name: s.action for s in plan.steps}
        assert actions["model-group"] == "would create" and actions["deploy"] == "would create"
        assert plan.target_model_group_id is None

        result = pull(source_id, READER_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, deploy=True)

        assert result.source_model_group_id == group.id and result.target_model_group_id
        assert set(result.member_copies) == {promotion.target_model_id, second_far.target_model_id}
        local_group = local.ds.get_model_group(result.target_model_group_id).data
        assert local_group.display_name == "two-linear" and local_group.version_label == "g1"
        assert sorted((m.model_id, m.inference_key) for m in local_group.member_model_entries.member_model_details) \
            == sorted([(result.member_copies[promotion.target_model_id], "alpha"),
                       (result.member_copies[second_far.target_model_id], "beta")])
        copy = local.ds.get_model_deployment(result.deployment_id).data
        assert copy.model_deployment_configuration_details.model_group_configuration_details.model_group_id \
            == result.target_model_group_id
        response = requests.post(f"{result.deployment_url}/predict", json=[{"x": 3.0}],
                                 headers={"model-name": "beta"}, timeout=60)
        assert response.status_code == 200, response.text
        assert response.json() == {"prediction": [7.0]}

        again = pull(source_id, READER_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url, deploy=True)
        actions = {s.name: s.action for s in again.steps}
        assert actions["model-group"] == "reuse" and actions["deploy"] == "reuse"
        assert again.target_model_group_id == result.target_model_group_id
        assert cloud_requests.writes() == []
    finally:
        for summary in local.ds.list_model_deployments(local.compartment(None)).data:
            if (summary.freeform_tags or {}).get(PULL_KEY) == source_id and summary.lifecycle_state == "ACTIVE":
                _delete(local, summary.id)
        _delete(cloud, source_id)


@pytest.mark.slow
def test_a_model_groups_own_artifact_is_pulled_and_digest_checked(promoted, cloud_env, laptop, cloud_requests,
                                                                  tmp_path):
    import shutil

    import oci

    from toolkit.promote.transfer import session_for

    from .conftest import LinearModel

    M = oci.data_science.models
    local_model, promotion = promoted
    cloud = session_for(CLOUD_PROFILE, cloud_env.url, None)
    group = cloud.ds.create_model_group(M.CreateModelGroupDetails(
        create_type="CREATE", compartment_id=cloud_env.compartment_id, project_id=cloud_env.project_id,
        display_name="with-artifact", model_group_details=M.HomogeneousModelGroupDetails(),
        member_model_entries=M.MemberModelEntries(member_model_details=[
            M.MemberModelDetails(model_id=promotion.target_model_id, inference_key="only")]))).data
    archive = shutil.make_archive(str(tmp_path / "group"), "zip", LinearModel(tmp_path / "group-artifact").artifact_dir)
    with open(archive, "rb") as body:
        cloud.ds.create_model_group_artifact(group.id, body, content_disposition='attachment; filename="group.zip"')
    infrastructure = M.InstancePoolInfrastructureConfigurationDetails(
        infrastructure_type="INSTANCE_POOL", instance_configuration=M.InstanceConfiguration(
            instance_shape_name="VM.Standard.E4.Flex"),
        scaling_policy=M.FixedSizeScalingPolicy(policy_type="FIXED_SIZE", instance_count=1))
    source_id = cloud.ds.create_model_deployment(M.CreateModelDeploymentDetails(
        compartment_id=cloud_env.compartment_id, project_id=cloud_env.project_id, display_name="group-with-artifact",
        model_deployment_configuration_details=M.ModelGroupDeploymentConfigurationDetails(
            deployment_type="MODEL_GROUP", infrastructure_configuration_details=infrastructure,
            model_group_configuration_details=M.ModelGroupConfigurationDetails(model_group_id=group.id)))).data.id
    cloud_requests.entries.clear()
    try:
        result = pull(source_id, READER_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url)

        assert {s.name: s.action for s in result.steps}["group-artifact"] == "upload"
        local = _laptop(laptop)
        local_sha = local.ds.head_model_group_artifact(result.target_model_group_id).headers["opc-content-sha256"]
        assert local_sha == cloud.ds.head_model_group_artifact(group.id).headers["opc-content-sha256"]
        again = pull(source_id, READER_PROFILE, endpoint=cloud_env.url, target_endpoint=laptop.url)
        assert {s.name: s.action for s in again.steps}["group-artifact"] == "exists"
        assert result.deployment_id is None and cloud_requests.writes() == []
    finally:
        _delete(cloud, source_id)
