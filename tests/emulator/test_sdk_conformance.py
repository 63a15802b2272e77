"""Each served model/project/work-request operation called through the real ``oci`` SDK with valid
input: its answer deserialises into the SDK's model with every field OCI marks mandatory filled
(present and not null; tests/emulator/data/oci_mandatory_fields.json, from the OCI Go SDK's tags)."""
from __future__ import annotations

import io
import time
import zipfile
from types import SimpleNamespace
from typing import Any, Callable

import oci
import pytest
from oci.data_science import models as m

from tests.emulator.sdk_operations import sdk_operations
from tests.emulator.test_operation_coverage import MANDATORY

BUCKET = "conformance-references"
KEY, KEY_VERSION = "ocid1.key.oc1.iad.aaaaaaaaconformance", "ocid1.keyversion.oc1.iad.aaaaaaaaconformance"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("score.py", "def load_model():\n    return None\n\ndef predict(data, model=None):\n    return {}\n")
    return buffer.getvalue()


@pytest.fixture
def world(clients, ds, compartment, project) -> SimpleNamespace:
    """One of everything the operations need, in the test's own compartment."""
    w = SimpleNamespace(ds=ds, compartment=compartment, project=project)
    w.version_set = ds.create_model_version_set(m.CreateModelVersionSetDetails(
        compartment_id=compartment, project_id=project.id, name="conformance")).data
    w.model = ds.create_model(m.CreateModelDetails(
        compartment_id=compartment, project_id=project.id, display_name="conformance",
        model_version_set_id=w.version_set.id, version_label="v1",
        custom_metadata_list=[m.Metadata(key="readme", value="r", category="Other")])).data
    ds.create_model_artifact(w.model.id, _zip(), content_disposition='attachment; filename="model.zip"')
    ds.create_model_custom_metadatum_artifact(w.model.id, "readme", b"readme")
    ds.create_model_provenance(w.model.id, m.CreateModelProvenanceDetails(git_branch="main"))
    w.signature = ds.create_model_artifact_signature(m.CreateModelArtifactSignatureDetails(
        compartment_id=compartment, kms_key_id=KEY, kms_key_version_id=KEY_VERSION,
        signing_algorithm="SHA_256_RSA_PKCS_PSS"), w.model.id).data
    w.deployment = ds.create_model_deployment(m.CreateModelDeploymentDetails(
        compartment_id=compartment, project_id=project.id, display_name="conformance",
        freeform_tags={"dockyard-runtime": "process"},
        model_deployment_configuration_details=m.SingleModelDeploymentConfigurationDetails(
            model_configuration_details=m.ModelConfigurationDetails(
                model_id=w.model.id, instance_configuration=m.InstanceConfiguration(
                    instance_shape_name="VM.Standard.E4.Flex"))))).data
    deadline = time.monotonic() + 120
    while ds.get_model_deployment(w.deployment.id).data.lifecycle_state == "CREATING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    w.work_request = ds.list_work_requests(compartment).data[0].id
    w.spare_project = ds.create_project(m.CreateProjectDetails(compartment_id=compartment)).data
    w.history = ds.create_model_group_version_history(m.CreateModelGroupVersionHistoryDetails(
        compartment_id=compartment, project_id=project.id, display_name="conformance")).data
    w.group = _group(w, model_group_version_history_id=w.history.id)
    ds.create_model_group_artifact(w.group.id, _zip())
    w.namespace, w.bucket = clients.objects.get_namespace().data, f"{BUCKET}-{compartment[-12:]}"
    clients.objects.create_bucket(w.namespace, oci.object_storage.models.CreateBucketDetails(
        name=w.bucket, compartment_id=compartment))
    clients.objects.put_object(w.namespace, w.bucket, "m/score.py", b"def load_model():\n    return None\n")
    return w


def _group(w: SimpleNamespace, **fields: Any) -> m.ModelGroup:
    """An ACTIVE homogeneous group of the world's model."""
    return w.ds.create_model_group(m.CreateModelGroupDetails(
        create_type="CREATE", compartment_id=w.compartment, project_id=w.project.id,
        model_group_details=m.HomogeneousModelGroupDetails(),
        member_model_entries=m.MemberModelEntries(member_model_details=[
            m.MemberModelDetails(model_id=w.model.id, inference_key="conformance")]), **fields)).data


def _archived_model(w: SimpleNamespace) -> str:
    """A model whose artifact archives at once (archiveAfterDays 0: due at the next request)."""
    model = w.ds.create_model(m.CreateModelDetails(compartment_id=w.compartment, project_id=w.project.id,
                                                   retention_setting=m.RetentionSetting(archive_after_days=0))).data
    w.ds.create_model_artifact(model.id, _zip())
    deadline = time.monotonic() + 30
    while w.ds.get_model(model.id).data.retention_operation_details.archive_state != "SUCCEEDED":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return model.id


def _calls(w: SimpleNamespace) -> dict[str, Callable[[], Any]]:
    """One valid call per operation (by SDK method name); destructive ones act on spare resources."""
    ds, c, model, sig, group, history = w.ds, w.compartment, w.model.id, w.signature.id, w.group.id, w.history.id
    spare = lambda: ds.create_model(m.CreateModelDetails(compartment_id=c, project_id=w.project.id)).data.id  # noqa: E731
    return {
        "activate_model": lambda: ds.activate_model(model),
        "deactivate_model": lambda: ds.deactivate_model(spare()),
        "change_model_compartment": lambda: ds.change_model_compartment(spare(), m.ChangeModelCompartmentDetails(compartment_id=c)),
        "change_project_compartment": lambda: ds.change_project_compartment(w.spare_project.id, m.ChangeProjectCompartmentDetails(compartment_id=c)),
        "change_model_version_set_compartment": lambda: ds.change_model_version_set_compartment(w.version_set.id, m.ChangeModelVersionSetCompartmentDetails(compartment_id=c)),
        "change_model_deployment_compartment": lambda: ds.change_model_deployment_compartment(w.deployment.id, m.ChangeModelDeploymentCompartmentDetails(compartment_id=c)),
        "change_model_artifact_signature_compartment": lambda: ds.change_model_artifact_signature_compartment(m.ChangeModelArtifactSignatureCompartmentDetails(compartment_id=c), model, sig),
        "cancel_work_request": None,  # 409 for every work request a served operation makes: test_ds_work_request_cancel
        "create_model": lambda: ds.create_model(m.CreateModelDetails(compartment_id=c, project_id=w.project.id)),
        "create_model_artifact": lambda: ds.create_model_artifact(spare(), _zip()),
        "create_model_artifact_signature": lambda: ds.create_model_artifact_signature(m.CreateModelArtifactSignatureDetails(compartment_id=c, kms_key_id=KEY, kms_key_version_id=KEY_VERSION, signing_algorithm="SHA_512_RSA_PKCS_PSS"), model),
        "create_model_custom_metadatum_artifact": lambda: ds.create_model_custom_metadatum_artifact(ds.create_model(m.CreateModelDetails(compartment_id=c, project_id=w.project.id, custom_metadata_list=[m.Metadata(key="k", value="v", category="Other")])).data.id, "k", b"x"),
        "create_model_defined_metadatum_artifact": lambda: ds.create_model_defined_metadatum_artifact(ds.create_model(m.CreateModelDetails(compartment_id=c, project_id=w.project.id, defined_metadata_list=[m.Metadata(key="UseCaseType", value="regression")])).data.id, "UseCaseType", b"x"),
        "create_model_deployment": None,  # made by the fixture (world.deployment): get_model_deployment checks its answer
        "create_model_provenance": lambda: ds.create_model_provenance(spare(), m.CreateModelProvenanceDetails(git_branch="x")),
        "create_model_version_set": lambda: ds.create_model_version_set(m.CreateModelVersionSetDetails(compartment_id=c, project_id=w.project.id, name="another")),
        "create_project": lambda: ds.create_project(m.CreateProjectDetails(compartment_id=c)),
        "delete_model": lambda: ds.delete_model(spare()),
        "delete_model_artifact_signature": lambda: ds.delete_model_artifact_signature(model, ds.create_model_artifact_signature(m.CreateModelArtifactSignatureDetails(compartment_id=c, kms_key_id=KEY, kms_key_version_id=KEY_VERSION, signing_algorithm="SHA_224_RSA_PKCS_PSS"), model).data.id),
        "delete_model_custom_metadatum_artifact": None,  # the world's readme is read below; deleting it is test_ds_provenance_and_metadata's
        "delete_model_defined_metadatum_artifact": None,
        "delete_model_deployment": None,  # asynchronous teardown of the world's deployment: test_deployments'
        "delete_model_version_set": lambda: ds.delete_model_version_set(ds.create_model_version_set(m.CreateModelVersionSetDetails(compartment_id=c, project_id=w.project.id, name="doomed")).data.id),
        "delete_project": lambda: ds.delete_project(ds.create_project(m.CreateProjectDetails(compartment_id=c)).data.id),
        "export_model_artifact": None, "import_model_artifact": None,  # need a bucket: test_ds_artifacts
        "get_model": lambda: ds.get_model(model),
        "get_model_artifact_content": lambda: ds.get_model_artifact_content(model),
        "get_model_artifact_signature": lambda: ds.get_model_artifact_signature(model, sig),
        "get_model_custom_metadatum_artifact_content": lambda: ds.get_model_custom_metadatum_artifact_content(model, "readme"),
        "get_model_defined_metadatum_artifact_content": None,
        "get_model_deployment": lambda: ds.get_model_deployment(w.deployment.id),
        "get_model_provenance": lambda: ds.get_model_provenance(model),
        "get_model_version_set": lambda: ds.get_model_version_set(w.version_set.id),
        "get_project": lambda: ds.get_project(w.project.id),
        "get_work_request": lambda: ds.get_work_request(w.work_request),
        "head_model_artifact": lambda: ds.head_model_artifact(model),
        "head_model_custom_metadatum_artifact": lambda: ds.head_model_custom_metadatum_artifact(model, "readme"),
        "head_model_defined_metadatum_artifact": None,
        "list_model_artifact_signatures": lambda: ds.list_model_artifact_signatures(model, c),
        "list_model_deployment_model_states": lambda: ds.list_model_deployment_model_states(w.deployment.id, c),
        "list_model_deployment_shapes": lambda: ds.list_model_deployment_shapes(c),
        "list_model_deployments": lambda: ds.list_model_deployments(c),
        "list_model_version_sets": lambda: ds.list_model_version_sets(c),
        "list_models": lambda: ds.list_models(c),
        "list_projects": lambda: ds.list_projects(c),
        "list_work_request_errors": lambda: ds.list_work_request_errors(w.work_request),
        "list_work_request_logs": lambda: ds.list_work_request_logs(w.work_request),
        "list_work_requests": lambda: ds.list_work_requests(c),
        "update_model": lambda: ds.update_model(model, m.UpdateModelDetails(description="d")),
        "update_model_artifact_signature": lambda: ds.update_model_artifact_signature(m.UpdateModelArtifactSignatureDetails(display_name="renamed"), model, sig),
        "update_model_custom_metadatum_artifact": lambda: ds.update_model_custom_metadatum_artifact(model, "readme", b"readme 2"),
        "update_model_defined_metadatum_artifact": None,
        "update_model_deployment": None,  # restarts the deployment: test_deployments'
        "update_model_provenance": lambda: ds.update_model_provenance(model, m.UpdateModelProvenanceDetails(git_branch="dev")),
        "update_model_version_set": lambda: ds.update_model_version_set(w.version_set.id, m.UpdateModelVersionSetDetails(description="d")),
        "update_project": lambda: ds.update_project(w.project.id, m.UpdateProjectDetails(description="d")),
        "verify_model_artifact_signature": lambda: ds.verify_model_artifact_signature(model, sig),
        "activate_model_deployment": None, "deactivate_model_deployment": None,  # start/stop servers: test_deployments'
        "restore_archived_model_artifact": lambda: ds.restore_archived_model_artifact(_archived_model(w)),
        "register_model_artifact_reference": lambda: ds.register_model_artifact_reference(
            m.RegisterModelArtifactReferenceDetails(model_artifact_references=[m.OSSModelArtifactReferenceDetails(
                namespace=w.namespace, bucket_name=w.bucket, prefix="m/")]), spare()),
        "create_model_group": lambda: ds.create_model_group(m.CreateModelGroupDetails(
            create_type="CREATE", compartment_id=c, project_id=w.project.id,
            model_group_details=m.HomogeneousModelGroupDetails(),
            member_model_entries=m.MemberModelEntries(member_model_details=[m.MemberModelDetails(model_id=model)]))),
        "get_model_group": lambda: ds.get_model_group(group),
        "list_model_groups": lambda: ds.list_model_groups(c),
        "update_model_group": lambda: ds.update_model_group(group, m.UpdateModelGroupDetails(description="d")),
        "deactivate_model_group": lambda: ds.deactivate_model_group(_group(w).id),
        "activate_model_group": lambda: ds.activate_model_group(ds.deactivate_model_group(_group(w).id).data.id),
        "delete_model_group": lambda: ds.delete_model_group(_group(w).id),
        "change_model_group_compartment": lambda: ds.change_model_group_compartment(group, m.ChangeModelGroupCompartmentDetails(compartment_id=c)),
        "list_model_group_models": lambda: ds.list_model_group_models(group, c),
        "create_model_group_artifact": lambda: ds.create_model_group_artifact(_group(w).id, _zip()),
        "get_model_group_artifact_content": lambda: ds.get_model_group_artifact_content(group),
        "head_model_group_artifact": lambda: ds.head_model_group_artifact(group),
        "create_model_group_version_history": lambda: ds.create_model_group_version_history(m.CreateModelGroupVersionHistoryDetails(compartment_id=c, project_id=w.project.id)),
        "get_model_group_version_history": lambda: ds.get_model_group_version_history(history),
        "list_model_group_version_histories": lambda: ds.list_model_group_version_histories(c),
        "update_model_group_version_history": lambda: ds.update_model_group_version_history(history, m.UpdateModelGroupVersionHistoryDetails(description="d")),
        "delete_model_group_version_history": lambda: ds.delete_model_group_version_history(ds.create_model_group_version_history(m.CreateModelGroupVersionHistoryDetails(compartment_id=c, project_id=w.project.id)).data.id),
        "change_model_group_version_history_compartment": lambda: ds.change_model_group_version_history_compartment(history, m.ChangeModelGroupVersionHistoryCompartmentDetails(compartment_id=c)),
    }


def _outside_a_set(item: Any) -> bool:
    return item.model_version_set_id is None


# Mandatory fields (the Go SDK's tags) the emulator may answer null: (response model, field) -> (when the
# null is allowed, why it is OCI's answer too or the most faithful the facts allow; README: emulated / not
# emulated). Any other null mandatory field fails the test.
ALLOWED_NULLS: dict[tuple[str, str], tuple[Callable[[Any], bool], str]] = {
    **{(model_name, field): (_outside_a_set, "a model in no version set has no set, set name or version number")
       for model_name in ("Model", "ModelSummary") for field in ("modelVersionSetId", "modelVersionSetName", "versionId")},
    **{(model_name, "versionLabel"): (lambda item: item.version_label is None,
                                      "the label is the caller's (CreateModelDetails.versionLabel, optional)")
       for model_name in ("Model", "ModelSummary")},
    ("Model", "retentionSetting"): (lambda item: item.retention_setting is None,
                                    "retention is opt-in and OCI documents no default archiveAfterDays: a number "
                                    "here would schedule an archival nobody asked for"),
    ("Model", "retentionOperationDetails"): (lambda item: item.retention_setting is None,
                                             "no retention setting, no retention operation to report"),
    ("Model", "backupOperationDetails"): (lambda item: not item.backup_setting.is_backup_enabled,
                                          "backup is off (OCI's default: opt-in) and none of OCI's states "
                                          "PENDING/FAILED/SUCCEEDED says 'not asked'"),
}


def _unfilled(item: Any, model_name: str) -> list[str]:
    wire = {v: k for k, v in item.attribute_map.items()}
    allowed = {field: when for (name, field), (when, _) in ALLOWED_NULLS.items() if name == model_name}
    return [field for field in MANDATORY[model_name]["mandatory"]
            if getattr(item, wire[field]) is None and not (field in allowed and allowed[field](item))]


def test_every_served_operation_answers_the_sdk_model_with_its_mandatory_fields(world):
    operations = sdk_operations()
    calls = _calls(world)
    assert not sorted({o.name for o in operations} - set(calls)), "add a call for each new operation to _calls"
    problems, checked = [], 0
    for operation in operations:
        call = calls[operation.name]
        if call is None:
            continue
        response = call()
        assert response.status in (200, 201, 202, 204), operation.name
        checked += 1
        if operation.response_type is None or operation.response_type not in MANDATORY:
            continue
        items = response.data if operation.is_list else [response.data]
        if operation.is_list and not items and operation.name != "list_work_request_errors":  # none failed
            problems.append(f"{operation.name}: empty list, nothing to check")
        expected = getattr(m, operation.response_type)
        for item in items:
            assert isinstance(item, expected), operation.name
            missing = _unfilled(item, operation.response_type)
            if missing:
                problems.append(f"{operation.name} -> {operation.response_type} without {missing}")
    print(f"\n{checked} operations called through the SDK")
    assert not problems, "\n".join(problems)
