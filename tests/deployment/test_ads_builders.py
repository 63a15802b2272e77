"""ADS's deployment API against the emulator (process runtime): the builders, ADS's YAML spec and
``dockyard deploy -f``, update/restart, the logs object, and what a record with several instances says."""
from __future__ import annotations

import io
import textwrap
import threading
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.deployment import helpers
from toolkit import (
    DataScienceModel,
    GenericModel,
    ModelDeployment,
    ModelDeploymentCondaRuntime,
    ModelDeploymentContainerRuntime,
    ModelDeploymentInfrastructure,
)
from toolkit.catalog.session import connect
from toolkit.cli import cli
from toolkit.deployment.spec import SpecError

ROWS = [[0.0, 0.0], [1.0, 1.0]]

# The conda-runtime spec ADS's `ads opctl init` writes (ADS tests/unitary/.../modeldeployment_conda.yaml),
# with its <placeholders> filled in by the test.
ADS_CONDA_SPEC = """
kind: deployment
spec:
  description: The model deployment description
  displayName: Model Deployment
  freeformTags:
    key1: value1
  infrastructure:
    kind: infrastructure
    spec:
      bandwidthMbps: 10
      compartmentId: <COMPARTMENT_OCID>
      logGroupId: ocid1.loggroup.oc1.iad.aaaalogs
      logId: ocid1.log.oc1.iad.aaaalog
      projectId: <PROJECT_OCID>
      replica: 1
      shapeName: VM.Standard.E4.Flex
      shapeConfigDetails:
        ocpus: 1
        memoryInGBs: 16
      webConcurrency: 2
    type: datascienceModelDeployment
  runtime:
    kind: runtime
    spec:
      deploymentMode: HTTPS_ONLY
      env:
        key: value
      modelUri: <MODEL_URI>
    type: conda
type: modelDeployment
"""


def _filled(spec: str, **values: str) -> str:
    for key, value in values.items():
        spec = spec.replace(f"<{key}>", value)
    return spec


def _session_ids() -> tuple[str, str]:
    session = connect()
    compartment = session.compartment(None)
    return compartment, session.project(None, compartment)


def test_builders_deploy_a_catalog_model_with_adss_infrastructure_and_runtime(emulator, sklearn_model_id):
    compartment, project = _session_ids()
    infrastructure = (ModelDeploymentInfrastructure()
                      .with_compartment_id(compartment).with_project_id(project)
                      .with_shape_name("VM.Standard.E4.Flex").with_shape_config_details(ocpus=2, memory_in_gbs=32)
                      .with_replica(1).with_bandwidth_mbps(20).with_web_concurrency(2)
                      .with_access_log("ocid1.loggroup.oc1..a", "ocid1.log.oc1..access")
                      .with_predict_log("ocid1.loggroup.oc1..p", "ocid1.log.oc1..predict")
                      .with_subnet_id("ocid1.subnet.oc1..s"))
    runtime = ModelDeploymentCondaRuntime().with_model_uri(sklearn_model_id).with_env({"GREETING": "hi"})
    deployment = (ModelDeployment().with_display_name("built").with_description("from builders")
                  .with_freeform_tags(team="ml").with_infrastructure(infrastructure).with_runtime(runtime))
    assert deployment.deploy(runtime="process") is deployment
    assert deployment.lifecycle_state == "ACTIVE"
    assert deployment.predict(data=ROWS) == {"prediction": [0, 1]}

    record = ModelDeployment.from_id(deployment.id).record
    config = record.model_deployment_configuration_details
    instance = config.model_configuration_details.instance_configuration
    assert (instance.model_deployment_instance_shape_config_details.ocpus, instance.subnet_id) == (2, "ocid1.subnet.oc1..s")
    assert config.model_configuration_details.bandwidth_mbps == 20
    assert config.environment_configuration_details.environment_variables == {"GREETING": "hi", "WEB_CONCURRENCY": "2"}
    assert (record.category_log_details.access.log_id, record.category_log_details.predict.log_group_id) == \
        ("ocid1.log.oc1..access", "ocid1.loggroup.oc1..p")
    assert record.freeform_tags["team"] == "ml" and record.description == "from builders"

    read_back = ModelDeployment.from_id(deployment.id)  # the builders describe a deployment of the catalog too
    assert read_back.infrastructure.web_concurrency == 2 and read_back.infrastructure.shape_config_details == \
        {"ocpus": 2, "memoryInGBs": 32}
    assert read_back.runtime.env == {"GREETING": "hi"} and read_back.runtime.model_uri == sklearn_model_id
    deployment.delete()


def test_an_ads_yaml_spec_deploys_an_artifact_folder_and_round_trips(emulator, tmp_path):
    artifact = helpers.pickle_artifact(tmp_path / "artifact")
    compartment, project = _session_ids()
    text = _filled(ADS_CONDA_SPEC, COMPARTMENT_OCID=compartment, PROJECT_OCID=project, MODEL_URI=str(artifact))
    deployment = ModelDeployment.from_yaml(text)
    assert deployment.infrastructure.replica == 1 and deployment.runtime.type == "conda"
    again = ModelDeployment.from_yaml(deployment.to_yaml())
    assert again.to_dict() == deployment.to_dict()

    deployment.deploy(runtime="process")
    assert deployment.runtime.model_uri.startswith("ocid1.datasciencemodel.")  # the folder was saved first
    assert deployment.predict(data=[[1, 2]]) == {"prediction": [103]}
    assert deployment.record.freeform_tags["key1"] == "value1"
    shown = yaml.safe_load(deployment.to_yaml())
    assert shown["spec"]["infrastructure"]["spec"]["webConcurrency"] == 2
    assert shown["spec"]["runtime"]["spec"]["env"] == {"key": "value"}
    assert DataScienceModel.from_id(deployment.model_id).display_name == "Model Deployment"
    deployment.delete()


def test_dockyard_deploy_f_takes_the_same_spec_file(emulator, tmp_path):
    artifact = helpers.pickle_artifact(tmp_path / "artifact")
    compartment, project = _session_ids()
    spec = tmp_path / "deployment.yaml"
    spec.write_text(_filled(ADS_CONDA_SPEC, COMPARTMENT_OCID=compartment, PROJECT_OCID=project, MODEL_URI="artifact"))
    result = CliRunner().invoke(cli, ["deploy", "-f", str(spec), "--runtime", "process", "--json"])
    assert result.exit_code == 0, result.output
    deployment = ModelDeployment.from_id(yaml.safe_load(result.output)["id"])
    assert deployment.lifecycle_state == "ACTIVE" and deployment.display_name == "Model Deployment"
    assert deployment.predict(data=[[1]]) == {"prediction": [101]}
    deployment.delete()
    assert CliRunner().invoke(cli, ["deploy", "-f", str(spec), "--image", "x"]).exit_code == 2


def test_deploy_f_takes_the_compartment_and_project_from_the_command_line(emulator, tmp_path):
    artifact = helpers.pickle_artifact(tmp_path / "artifact")
    compartment, project = _session_ids()
    spec = tmp_path / "deployment.yaml"  # the spec as `ads opctl init` writes it, placeholders left in
    spec.write_text(_filled(ADS_CONDA_SPEC, MODEL_URI=str(artifact)))
    result = CliRunner().invoke(cli, ["deploy", "-f", str(spec), "--runtime", "process", "--json",
                                      "--compartment-id", compartment, "--project-id", project])
    assert result.exit_code == 0, result.output
    record = yaml.safe_load(result.output)
    assert (record["compartmentId"], record["projectId"]) == (compartment, project)
    ModelDeployment.from_id(record["id"]).delete()
    wrong = CliRunner().invoke(cli, ["deploy", record["id"], "-f", str(spec)])
    assert wrong.exit_code == 2 and "deployment OCID, not a model OCID" in wrong.output


def test_a_spec_that_cannot_deploy_says_what_is_wrong(emulator, tmp_path):
    with pytest.raises(SpecError, match="spec.runtime.type must be one of conda, container"):
        ModelDeployment.from_yaml("kind: deployment\nspec:\n  runtime:\n    type: triton\n")
    with pytest.raises(SpecError, match="no model"):
        ModelDeployment().with_runtime(ModelDeploymentCondaRuntime()).deploy()
    with pytest.warns(UserWarning, match="unknown key 'shapeNmae'"):
        ModelDeploymentInfrastructure({"shapeNmae": "x", "bandWidthMbps": 5})  # ADS's docs' spelling is matched
    assert ModelDeploymentInfrastructure({"bandWidthMbps": 5}).bandwidth_mbps == 5
    with pytest.raises(NotImplementedError, match="Triton"):
        ModelDeploymentContainerRuntime().with_inference_server()
    spec = tmp_path / "bad.yaml"
    spec.write_text("kind: deployment\nspec:\n  runtime: {type: conda, spec: {}}\n")
    result = CliRunner().invoke(cli, ["deploy", "-f", str(spec)])
    assert result.exit_code == 1 and "no model" in result.output


def test_update_restart_and_the_logs_object(emulator, sklearn_model_id):
    model = GenericModel.from_id(sklearn_model_id, download_artifact=False)
    deployment = model.deploy(display_name="to-update", runtime="process", deployment_bandwidth_mbps=10)
    model.predict(ROWS, auto_serialize_data=False)

    updated = model.update_deployment(description="updated", bandwidth_mbps=30, env={"MODE": "b"})
    assert updated.description == "updated" and updated.infrastructure.bandwidth_mbps == 30
    assert updated.runtime.env == {"MODE": "b"}
    with pytest.raises(TypeError, match="not a field of the deployment"):
        deployment.update(colour="blue")
    assert GenericModel.update_deployment(model_deployment_id=deployment.id, display_name="renamed").display_name == \
        "renamed"  # on the class, as ADS allows
    assert model.restart_deployment().lifecycle_state == "ACTIVE"
    assert deployment.predict(json_input={"data": ROWS}) == {"prediction": [0, 1]}

    logs = deployment.logs()
    assert isinstance(logs, list) and logs  # still the list older code iterates
    out = io.StringIO()
    with redirect_stdout(out):
        logs.tail(limit=2)
    assert len(out.getvalue().splitlines()) >= 2 and "[" in out.getvalue()
    out = io.StringIO()
    with redirect_stdout(out):
        deployment.logs("access").head(limit=1)
    assert "[access]" in out.getvalue()
    frame = deployment.show_logs(limit=5)
    assert list(frame.columns) == ["type", "id", "message", "time"] and len(frame) > 0

    out = io.StringIO()
    with redirect_stdout(out):
        deployment.logs("access").watch(interval=0.1, stop_condition=lambda: True)
    assert "[access]" in out.getvalue() and "[predict]" not in out.getvalue()
    out = io.StringIO()
    timer = threading.Timer(1.0, deployment.deactivate)
    timer.start()
    with redirect_stdout(out):
        watched = deployment.watch(interval=0.2)  # returns once the deployment is deactivated
    timer.join()
    assert watched.lifecycle_state == "INACTIVE" and "POST /predict" in out.getvalue()
    model.delete_deployment()
    with pytest.raises(ValueError, match="deploy\\(\\) first"):
        GenericModel().restart_deployment()


def test_replica_n_runs_n_servers_behind_one_url(emulator, sklearn_model_id):
    deployment = ModelDeployment().with_infrastructure(ModelDeploymentInfrastructure().with_replica(3)) \
        .with_runtime(ModelDeploymentCondaRuntime().with_model_uri(sklearn_model_id)).deploy(runtime="process")
    assert deployment.infrastructure.replica == 3
    assert deployment.sync().record.model_deployment_system_data.current_instance_count == 3
    deployment.delete()


def test_prepare_save_deploy_in_one_call(emulator, tmp_path):
    from sklearn.linear_model import LinearRegression

    from toolkit import SklearnModel

    model = SklearnModel(LinearRegression().fit([[0.0], [1.0]], [1.0, 3.0]), artifact_dir=str(tmp_path / "a"))
    deployment = model.prepare_save_deploy(X_sample=[[0.0], [2.0]], model_display_name="psd",
                                           deployment_display_name="psd-api", runtime="process",
                                           freeform_tags={"via": "psd"})
    assert deployment is model.model_deployment and deployment.display_name == "psd-api"
    assert model.predict([[2.0]])["prediction"] == pytest.approx([5.0])
    assert connect().ds.get_model(model.model_id).data.freeform_tags == {"via": "psd"}
    summary = model.summary_status().reset_index()
    assert set(summary.loc[summary.Step == "deploy()", "Status"]) == {"ACTIVE"}
    assert set(summary.loc[summary.Step == "predict()", "Status"]) == {"Done"}
    model.delete(delete_associated_model_deployment=True)
