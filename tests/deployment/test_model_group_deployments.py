"""A MODEL_GROUP deployment serves every member of a model group behind one URL (process runtime):
``predict`` reaches the member its ``model-name`` / ``model-version`` headers name (ADS's
``ModelDeployment.predict(model_name=, model_version=)``), by inference key, model OCID or display
name; a request naming none, or one the group does not hold, is answered in OCI's error shape."""
from __future__ import annotations

import oci
import pytest
import requests

from tests.deployment import helpers
from toolkit.catalog.session import connect

M = oci.data_science.models
SHAPE = "VM.Standard.E4.Flex"


@pytest.fixture(scope="module")
def group_deployment(emulator, tmp_path_factory):
    """A two-model group (an adder and a classifier, in a version set) deployed on the process runtime."""
    from tests.deployment.conftest import pointing_at

    with pointing_at(emulator):
        session = connect()
        compartment = session.compartment(None)
        project = session.project(None, compartment)
        adder = helpers.save_to_catalog(helpers.pickle_artifact(tmp_path_factory.mktemp("adder")), "adder-model")
        classifier = helpers.save_to_catalog(helpers.sklearn_artifact(tmp_path_factory.mktemp("cls")), "cls-model")
        version_set = session.ds.create_model_version_set(M.CreateModelVersionSetDetails(
            compartment_id=compartment, project_id=project, name="group-members")).data
        session.ds.update_model(adder, M.UpdateModelDetails(model_version_set_id=version_set.id, version_label="v1"))
        members = [M.MemberModelDetails(model_id=adder, inference_key="adder"),
                   M.MemberModelDetails(model_id=classifier, inference_key="classifier")]
        group = session.ds.create_model_group(M.CreateModelGroupDetails(
            create_type="CREATE", compartment_id=compartment, project_id=project, display_name="two-models",
            model_group_details=M.HomogeneousModelGroupDetails(),
            member_model_entries=M.MemberModelEntries(member_model_details=members))).data
        deployment = session.ds.create_model_deployment(M.CreateModelDeploymentDetails(
            compartment_id=compartment, project_id=project, display_name="group-deployment",
            model_deployment_configuration_details=M.ModelGroupDeploymentConfigurationDetails(
                model_group_configuration_details=M.ModelGroupConfigurationDetails(model_group_id=group.id),
                infrastructure_configuration_details=M.InstancePoolInfrastructureConfigurationDetails(
                    instance_configuration=M.InstanceConfiguration(instance_shape_name=SHAPE),
                    scaling_policy=M.FixedSizeScalingPolicy(instance_count=1))))).data
        active = oci.wait_until(session.ds, session.ds.get_model_deployment(deployment.id),
                                evaluate_response=lambda r: r.data.lifecycle_state in ("ACTIVE", "FAILED"),
                                max_wait_seconds=180, max_interval_seconds=1).data
        assert active.lifecycle_state == "ACTIVE", active.lifecycle_details
        try:
            yield {"session": session, "deployment": active, "adder": adder, "classifier": classifier,
                   "group": group}
        finally:
            session.ds.delete_model_deployment(deployment.id)


def _predict(deployment, **headers) -> requests.Response:
    names = {"model-name": headers.get("name"), "model-version": headers.get("version")}
    return requests.post(f"{deployment.model_deployment_url}/predict", json={"data": [[1.0, 1.0]]},
                         headers={k: v for k, v in names.items() if v is not None}, timeout=30)


def test_the_deployment_reads_back_as_a_model_group_deployment(group_deployment):
    deployment = group_deployment["deployment"]
    config = deployment.model_deployment_configuration_details
    assert isinstance(config, M.ModelGroupDeploymentConfigurationDetails)
    assert config.model_group_configuration_details.model_group_id == group_deployment["group"].id
    infrastructure = config.infrastructure_configuration_details
    assert infrastructure.instance_configuration.instance_shape_name == SHAPE
    assert infrastructure.scaling_policy.instance_count == 1
    assert deployment.model_deployment_system_data.current_instance_count == 1


def test_predict_reaches_the_member_its_inference_key_names(group_deployment):
    deployment = group_deployment["deployment"]
    assert _predict(deployment, name="adder", version="v1").json() == {"prediction": [102.0]}
    assert _predict(deployment, name="classifier", version="1").json() == {"prediction": [1]}


def test_a_member_answers_to_its_model_ocid_and_display_name(group_deployment):
    deployment = group_deployment["deployment"]
    assert _predict(deployment, name=group_deployment["adder"]).json() == {"prediction": [102.0]}
    assert _predict(deployment, name="cls-model").json() == {"prediction": [1]}


def test_a_request_naming_no_member_or_an_unknown_one_is_refused(group_deployment):
    deployment = group_deployment["deployment"]
    nameless = _predict(deployment)
    assert nameless.status_code == 400
    assert nameless.json()["code"] == "InvalidParameter" and "adder" in nameless.json()["message"]
    unknown = _predict(deployment, name="nobody", version="v1")
    assert unknown.status_code == 404 and unknown.json()["code"] == "NotFound"
    wrong_version = _predict(deployment, name="adder", version="v9")
    assert wrong_version.status_code == 404 and "v9" in wrong_version.json()["message"], wrong_version.text


def test_model_states_list_every_member_under_its_inference_key(group_deployment):
    session, deployment = group_deployment["session"], group_deployment["deployment"]
    states = session.ds.list_model_deployment_model_states(deployment.id, deployment.compartment_id).data
    assert sorted((s.inference_key, s.model_id, s.state) for s in states) == sorted([
        ("adder", group_deployment["adder"], "SUCCESS"), ("classifier", group_deployment["classifier"], "SUCCESS")])


def test_the_toolkit_handle_predicts_by_model_name_and_version(group_deployment):
    from toolkit.deployment import ModelDeployment

    handle = ModelDeployment.from_id(group_deployment["deployment"].id)
    rows = {"data": [[1.0, 1.0]]}
    assert handle.predict(json_input=rows, model_name="adder", model_version="v1") == {"prediction": [102.0]}
    assert handle.predict(json_input=rows, model_name="classifier", model_version="1") == {"prediction": [1]}
    with pytest.raises(ValueError, match="together"):
        handle.predict(json_input=rows, model_name="adder")


def test_the_toolkit_builds_and_deploys_a_model_group_predicted_member_by_member(group_deployment):
    """The toolkit's own API end to end, as ADS's: DataScienceModelGroup, then the runtime's
    with_model_group_id deployed through the builders (a MODEL_GROUP configuration)."""
    from toolkit import (DataScienceModelGroup, ModelDeployment, ModelDeploymentCondaRuntime,
                         ModelDeploymentInfrastructure)

    group = (DataScienceModelGroup().with_display_name("toolkit-group")
             .with_member_models([{"model_id": group_deployment["adder"], "inference_key": "adder"},
                                  {"model_id": group_deployment["classifier"], "inference_key": "classifier"}])
             .create(poll_interval=1))
    deployment = (ModelDeployment().with_display_name("toolkit-group-deployment")
                  .with_infrastructure(ModelDeploymentInfrastructure().with_shape_name(SHAPE).with_replica(1))
                  .with_runtime(ModelDeploymentCondaRuntime().with_model_group_id(group.id))
                  .deploy(max_wait_time=300, poll_interval=1))
    try:
        assert deployment.lifecycle_state == "ACTIVE", deployment.lifecycle_details
        config = deployment.record.model_deployment_configuration_details
        assert isinstance(config, M.ModelGroupDeploymentConfigurationDetails)
        assert config.model_group_configuration_details.model_group_id == group.id
        assert config.infrastructure_configuration_details.instance_configuration.instance_shape_name == SHAPE
        assert (deployment.runtime.model_group_id, deployment.model_id) == (group.id, None)
        assert deployment.infrastructure.replica == 1
        rows = {"data": [[1.0, 1.0]]}
        assert deployment.predict(json_input=rows, model_name="adder", model_version="v1") == {"prediction": [102.0]}
        assert deployment.predict(json_input=rows, model_name="classifier", model_version="1") == {"prediction": [1]}
        assert ModelDeployment.from_yaml(deployment.to_yaml()).runtime.model_group_id == group.id
    finally:
        deployment.delete(wait_for_completion=True, poll_interval=1)
