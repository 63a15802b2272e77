"""ADS's DataScienceModelGroup workflow (create, update, list, from_id, deactivate, activate, delete) and a
two-model group deployment predicted member by member with ModelDeployment.predict(model_name=,
model_version=), unmodified ADS code.

Usage: model_group.py WORK_DIR
"""
import json
import os
import sys

from toolkit import connect_ads

connect_ads()

from ads.model.datascience_model import DataScienceModel  # noqa: E402
from ads.model.datascience_model_group import DataScienceModelGroup  # noqa: E402
from ads.model.deployment import (ModelDeployment, ModelDeploymentCondaRuntime,  # noqa: E402
                                  ModelDeploymentInfrastructure)
from ads.model.model_metadata import ModelCustomMetadata  # noqa: E402
from ads.model.model_version_set import ModelVersionSet  # noqa: E402

work_dir = sys.argv[1]
compartment = os.environ["NB_SESSION_COMPARTMENT_OCID"]
SCORE = "def load_model():\n    return {factor}\n\ndef predict(data, model=load_model()):\n" \
        "    return {{'prediction': [model * x for x in data['data']]}}\n"

version_set = ModelVersionSet(name="group-members", compartment_id=compartment,
                              project_id=os.environ["PROJECT_OCID"]).create()


def member(name, factor):
    artifact = os.path.join(work_dir, name)
    os.makedirs(artifact, exist_ok=True)
    with open(os.path.join(artifact, "score.py"), "w") as out:
        out.write(SCORE.format(factor=factor))
    with open(os.path.join(artifact, "runtime.yaml"), "w") as out:
        out.write("MODEL_ARTIFACT_VERSION: '3.0'\n")
    return (DataScienceModel().with_display_name(f"{name}-model").with_artifact(artifact)
            .with_model_version_set_id(version_set.id).with_version_label(f"{name}-v1").create())


doubler, negator = member("doubler", 2), member("negator", -1)
group = (DataScienceModelGroup()
         .with_display_name("two-members")
         .with_description("a doubler and a negator")
         .with_custom_metadata_list(ModelCustomMetadata.from_dict({"data": [  # ADS's create needs a list
             {"key": "owner", "value": "group-team", "category": "Other", "description": "who answers"}]}))
         .with_member_models([{"model_id": doubler.id, "inference_key": "doubler"},
                              {"model_id": negator.id, "inference_key": "negator"}])
         .create())
created_state = group.lifecycle_state
group.with_display_name("two-members-renamed").update()
listed = [g.id for g in DataScienceModelGroup.list(compartment_id=compartment)]
loaded = DataScienceModelGroup.from_id(group.id)

infrastructure = (ModelDeploymentInfrastructure()
                  .with_project_id(os.environ["PROJECT_OCID"])
                  .with_compartment_id(compartment)
                  .with_shape_name("VM.Standard.E4.Flex")
                  .with_shape_config_details(ocpus=1, memory_in_gbs=16)
                  .with_replica(1)
                  .with_bandwidth_mbps(10))
deployment = (ModelDeployment()
              .with_display_name("two-members-md")
              .with_infrastructure(infrastructure)
              .with_runtime(ModelDeploymentCondaRuntime().with_model_group_id(group.id))
              .deploy(wait_for_completion=True, poll_interval=1, max_wait_time=600))
doubled = deployment.predict(data={"data": [1, 2]}, model_name="doubler", model_version="doubler-v1")
negated = deployment.predict(data={"data": [1, 2]}, model_name=negator.id, model_version="negator-v1")
try:  # ADS hands a 4xx answer back as it came, or raises on it, depending on its version
    unknown = deployment.predict(data={"data": [1]}, model_name="tripler", model_version="v1")
except Exception as exc:  # noqa: BLE001
    unknown = str(exc)
deployment_group = deployment.runtime.model_group_id
deployment.delete(wait_for_completion=True, poll_interval=1)

group.deactivate()
deactivated = group.lifecycle_state
group.activate()
activated = group.lifecycle_state
group.delete()

print("RESULT " + json.dumps({
    "created_state": created_state,
    "group_id": group.id,
    "listed": listed,
    "loaded_name": loaded.display_name,
    "loaded_members": sorted(m["inference_key"] for m in loaded.member_models),
    "deployment_group": deployment_group,
    "doubled": doubled,
    "negated": negated,
    "unknown": unknown,
    "deactivated": deactivated,
    "activated": activated,
    "deleted": DataScienceModelGroup.from_id(group.id).lifecycle_state,
}))
