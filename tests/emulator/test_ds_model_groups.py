"""Model groups and their version histories through the real ``oci`` SDK: create (with its work
request), get, list, update, activate/deactivate, members, the group artifact, clone, version
histories, compartment moves, delete (tombstone, work request) and OCI's error answers."""
from __future__ import annotations

import io
import zipfile

import oci
import pytest

M = oci.data_science.models


def _create_group(ds, compartment, project, members, **fields):
    return ds.create_model_group(M.CreateModelGroupDetails(
        create_type="CREATE", compartment_id=compartment, project_id=project.id,
        model_group_details=fields.pop("details", M.HomogeneousModelGroupDetails()),
        member_model_entries=M.MemberModelEntries(member_model_details=[
            M.MemberModelDetails(model_id=model.id, inference_key=key) for model, key in members]),
        **fields))


@pytest.fixture
def two_models(make_model):
    return make_model(display_name="square"), make_model(display_name="root")


def test_create_answers_the_group_and_a_succeeded_work_request(ds, compartment, project, two_models):
    square, root = two_models
    created = _create_group(ds, compartment, project, [(square, "square"), (root, "root")], display_name="g")
    group = created.data
    assert group.id.startswith("ocid1.datasciencemodelgroup.oc1.iad.")
    assert (group.lifecycle_state, group.create_type, group.display_name) == ("ACTIVE", "CREATE", "g")
    assert group.model_group_details.type == "HOMOGENEOUS"
    assert [(m.model_id, m.inference_key) for m in group.member_model_entries.member_model_details] == [
        (square.id, "square"), (root.id, "root")]
    work = ds.get_work_request(created.headers["opc-work-request-id"]).data
    assert (work.operation_type, work.status) == ("MODEL_GROUP_CREATE", "SUCCEEDED")
    assert [r.identifier for r in work.resources] == [group.id]
    assert ds.get_model_group(group.id).data.member_model_entries.member_model_details[1].model_id == root.id

    members = ds.list_model_group_models(group.id, compartment, sort_by="displayName").data
    assert [(m.model_id, m.inference_key, m.display_name) for m in members] == [
        (root.id, "root", "root"), (square.id, "square", "square")]
    summaries = ds.list_model_groups(compartment, lifecycle_state="ACTIVE").data
    assert [s.id for s in summaries] == [group.id] and summaries[0].model_group_details.type == "HOMOGENEOUS"


def test_invalid_members_are_refused(ds, compartment, project, two_models, service_error):
    square, _ = two_models
    duplicate = service_error(lambda: _create_group(ds, compartment, project, [(square, "k"), (square, "k")]))
    assert duplicate.status == 400
    unknown = M.Model(id=square.id.replace("amaaaaaa", "amaaaaab"))
    assert service_error(lambda: _create_group(ds, compartment, project, [(unknown, "k")])).status == 404
    ds.deactivate_model(square.id)
    assert service_error(lambda: _create_group(ds, compartment, project, [(square, "k")])).status == 409
    stacked = M.StackedModelGroupDetails(base_model_id=two_models[1].id)
    ds.activate_model(square.id)
    assert service_error(lambda: _create_group(ds, compartment, project, [(square, "k")], details=stacked)).status == 400


def test_update_states_etag_and_delete(ds, compartment, project, two_models, service_error):
    group_response = _create_group(ds, compartment, project, [(two_models[0], None)])
    group = group_response.data
    updated = ds.update_model_group(group.id, M.UpdateModelGroupDetails(description="new", display_name="g2"),
                                    if_match=group_response.headers["etag"])
    assert (updated.data.description, updated.data.display_name) == ("new", "g2")
    stale = service_error(lambda: ds.update_model_group(group.id, M.UpdateModelGroupDetails(description="x"),
                                                        if_match=group_response.headers["etag"]))
    assert stale.status == 412

    assert ds.deactivate_model_group(group.id).data.lifecycle_state == "INACTIVE"
    assert service_error(lambda: ds.deactivate_model_group(group.id)).status == 409
    assert ds.activate_model_group(group.id).data.lifecycle_state == "ACTIVE"

    deleted = ds.delete_model_group(group.id)
    assert deleted.status == 202
    work = ds.get_work_request(deleted.headers["opc-work-request-id"]).data
    assert (work.operation_type, work.status) == ("MODEL_GROUP_DELETE", "SUCCEEDED")
    assert ds.get_model_group(group.id).data.lifecycle_state == "DELETED"  # a tombstone, readable
    assert service_error(lambda: ds.activate_model_group(group.id)).status == 409
    assert ds.get_model(two_models[0].id).data.lifecycle_state == "ACTIVE"  # members stay
    missing = service_error(lambda: ds.get_model_group(group.id.replace("amaaaaaa", "amaaaaab")))
    assert (missing.status, missing.code) == (404, "NotAuthorizedOrNotFound")


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_group_artifact_is_stored_once(ds, compartment, project, two_models, service_error):
    group = _create_group(ds, compartment, project, [(two_models[0], "a")]).data
    assert service_error(lambda: ds.head_model_group_artifact(group.id)).status == 404
    body = _zip({"score.py": "def load_model():\n    return 1\n", "runtime.yaml": "MODEL_ARTIFACT_VERSION: '3.0'\n"})
    ds.create_model_group_artifact(group.id, body, content_disposition='attachment; filename="group.zip"')
    head = ds.head_model_group_artifact(group.id)
    assert head.headers["content-disposition"] == "attachment; filename=group.zip"
    assert ds.get_model_group_artifact_content(group.id).data.content == body
    again = service_error(lambda: ds.create_model_group_artifact(group.id, body))
    assert again.status == 409


def test_a_large_group_artifact_reports_the_sha256_of_its_bytes(ds, compartment, project, two_models):
    """Over the upload spool's threshold the SHA-256 is computed on the first read, not during the upload."""
    import hashlib
    import os

    from emulator.store.upload_spool import THRESHOLD

    group = _create_group(ds, compartment, project, [(two_models[0], "a")]).data
    body = _zip({"score.py": "def load_model():\n    return 1\n", "weights.hex": os.urandom(THRESHOLD).hex()})
    assert len(body) > THRESHOLD
    ds.create_model_group_artifact(group.id, body)
    assert ds.head_model_group_artifact(group.id).headers["opc-content-sha256"] == hashlib.sha256(body).hexdigest()
    assert ds.get_model_group_artifact_content(group.id).data.content == body


def test_version_history_and_clone(ds, compartment, project, two_models, make_model, service_error):
    square, root = two_models
    first = _create_group(ds, compartment, project, [(square, "square"), (root, "root")]).data
    history = ds.create_model_group_version_history(M.CreateModelGroupVersionHistoryDetails(
        compartment_id=compartment, project_id=project.id, display_name="lineage", latest_model_group_id=first.id)).data
    assert (history.lifecycle_state, history.latest_model_group_id) == ("ACTIVE", first.id)
    joined = ds.get_model_group(first.id).data
    assert (joined.model_group_version_history_id, joined.model_group_version_history_name, joined.version_id) == (
        history.id, "lineage", 1)

    better_root = make_model(display_name="root v2")
    clone = ds.create_model_group(M.CloneModelGroupDetails(
        compartment_id=compartment, project_id=project.id,
        model_group_clone_source_details=M.CloneCreateFromModelGroupVersionHistoryDetails(
            source_id=history.id,
            modify_model_group_details=M.ModifyModelGroupDetails(
                display_name="v2", model_group_version_history_id=history.id, version_label="v2"),
            patch_model_group_member_model_details=M.PatchModelGroupMemberModelDetails(items=[
                M.PatchRemoveMemberModels(values=[M.MemberModelDetails(model_id=root.id)]),
                M.PatchInsertNewMemberModels(values=[M.MemberModelDetails(model_id=better_root.id,
                                                                          inference_key="root")])])))).data
    assert (clone.create_type, clone.source_model_group_id, clone.version_id, clone.version_label) == (
        "CLONE", first.id, 2, "v2")
    assert [m.model_id for m in clone.member_model_entries.member_model_details] == [square.id, better_root.id]
    assert ds.get_model_group_version_history(history.id).data.latest_model_group_id == clone.id
    assert [g.id for g in ds.list_model_groups(compartment, model_group_version_history_id=history.id,
                                               sort_by="timeCreated", sort_order="ASC").data] == [first.id, clone.id]

    renamed = ds.update_model_group_version_history(
        history.id, M.UpdateModelGroupVersionHistoryDetails(display_name="lineage2", latest_model_group_id=first.id))
    assert (renamed.data.display_name, renamed.data.latest_model_group_id) == ("lineage2", first.id)
    assert [h.id for h in ds.list_model_group_version_histories(compartment).data] == [history.id]
    assert service_error(lambda: ds.delete_model_group_version_history(history.id)).status == 409
    for group in (first, clone):
        ds.delete_model_group(group.id)
    deleted = ds.delete_model_group_version_history(history.id)
    work = ds.get_work_request(deleted.headers["opc-work-request-id"]).data
    assert (work.operation_type, work.status) == ("MODEL_GROUP_VERSION_HISTORY_DELETE", "SUCCEEDED")
    assert ds.get_model_group_version_history(history.id).data.lifecycle_state == "DELETED"


def test_compartment_moves(ds, compartment, project, two_models):
    group = _create_group(ds, compartment, project, [(two_models[0], "a")]).data
    history = ds.create_model_group_version_history(M.CreateModelGroupVersionHistoryDetails(
        compartment_id=compartment, project_id=project.id)).data
    other = compartment + "x"
    ds.change_model_group_compartment(group.id, M.ChangeModelGroupCompartmentDetails(compartment_id=other))
    ds.change_model_group_version_history_compartment(
        history.id, M.ChangeModelGroupVersionHistoryCompartmentDetails(compartment_id=other))
    assert ds.get_model_group(group.id).data.compartment_id == other
    assert ds.list_model_groups(compartment).data == []
    assert [h.id for h in ds.list_model_group_version_histories(other).data] == [history.id]


def test_resource_search_finds_groups(clients, compartment, project, two_models):
    group = _create_group(clients.ds, compartment, project, [(two_models[0], "a")]).data
    details = oci.resource_search.models.StructuredSearchDetails(
        query=f"query datasciencemodelgroup resources where compartmentId = '{compartment}'")
    found = clients.search.search_resources(details).data.items
    assert [(item.identifier, item.resource_type) for item in found] == [(group.id, "DataScienceModelGroup")]
