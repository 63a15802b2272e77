"""Model version sets: create, get, list by name, update, delete (with a work request), and the
versionId/versionLabel of their models."""
from __future__ import annotations

import oci

M = oci.data_science.models


def _create(ds, compartment, project, name="set"):
    return ds.create_model_version_set(M.CreateModelVersionSetDetails(
        compartment_id=compartment, project_id=project.id, name=name, description="d"))


def test_version_set_crud(ds, compartment, project, service_error):
    created = _create(ds, compartment, project, "fraud")
    version_set = created.data
    assert version_set.id.startswith("ocid1.datasciencemodelversionset.oc1.iad.")
    assert version_set.lifecycle_state == "ACTIVE" and version_set.name == "fraud"
    assert ds.get_model_version_set(version_set.id).data.description == "d"

    by_name = ds.list_model_version_sets(compartment, name="fraud", limit=1).data
    assert [s.id for s in by_name] == [version_set.id]
    assert ds.list_model_version_sets(compartment, name="other").data == []

    updated = ds.update_model_version_set(version_set.id, M.UpdateModelVersionSetDetails(description="new"),
                                          if_match=created.headers["etag"])
    assert updated.data.description == "new"
    stale = service_error(lambda: ds.update_model_version_set(
        version_set.id, M.UpdateModelVersionSetDetails(description="x"), if_match=created.headers["etag"]))
    assert stale.status == 412

    assert service_error(lambda: _create(ds, compartment, project, "fraud")).status == 409


def test_models_get_increasing_version_ids(ds, compartment, project, make_model, service_error):
    version_set = _create(ds, compartment, project).data
    first = make_model(model_version_set_id=version_set.id, version_label="v1")
    second = make_model(model_version_set_id=version_set.id, version_label="v2")
    assert (first.version_id, second.version_id) == (1, 2)
    assert second.model_version_set_name == "set"
    duplicate = service_error(lambda: make_model(model_version_set_id=version_set.id, version_label="v1"))
    assert duplicate.status == 409

    loose = make_model()
    moved = ds.update_model(loose.id, M.UpdateModelDetails(model_version_set_id=version_set.id, version_label="v3")).data
    assert (moved.version_id, moved.version_label, moved.model_version_set_id) == (3, "v3", version_set.id)


def test_delete_refuses_while_models_remain(ds, compartment, project, make_model, service_error):
    version_set = _create(ds, compartment, project).data
    make_model(model_version_set_id=version_set.id)
    error = service_error(lambda: ds.delete_model_version_set(version_set.id))
    assert (error.status, error.code) == (409, "IncorrectState")


def test_delete_with_related_models_through_a_work_request(ds, compartment, project, make_model, service_error):
    version_set = _create(ds, compartment, project).data
    models = [make_model(model_version_set_id=version_set.id) for _ in range(2)]
    keep = make_model()
    response = ds.delete_model_version_set(version_set.id, is_delete_related_models=True)
    assert response.status == 202
    work_request = ds.get_work_request(response.headers["opc-work-request-id"]).data
    assert (work_request.status, work_request.percent_complete) == ("SUCCEEDED", 100.0)
    assert work_request.operation_type == "MODELVERSIONSET_DELETE"
    assert work_request.resources[0].identifier == version_set.id
    for model in models:
        assert ds.get_model(model.id).data.lifecycle_state == "DELETED"
    assert ds.get_model(keep.id).data.lifecycle_state == "ACTIVE"
    assert ds.get_model_version_set(version_set.id).data.lifecycle_state == "DELETED"


def test_delete_waits_with_the_sdk_waiter(ds, compartment, project):
    version_set = _create(ds, compartment, project).data
    composite = oci.data_science.DataScienceClientCompositeOperations(ds)
    result = composite.delete_model_version_set_and_wait_for_state(
        version_set.id, wait_for_states=["SUCCEEDED"], waiter_kwargs={"max_wait_seconds": 10, "max_interval_seconds": 1})
    assert result.data.status == "SUCCEEDED"


def test_concurrent_creates_get_distinct_version_ids(ds, compartment, project):
    from concurrent.futures import ThreadPoolExecutor

    version_set = _create(ds, compartment, project).data

    def create(_index: int) -> int:
        return ds.create_model(M.CreateModelDetails(compartment_id=compartment, project_id=project.id,
                                                    model_version_set_id=version_set.id)).data.version_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        version_ids = list(pool.map(create, range(24)))
    assert sorted(version_ids) == list(range(1, 25))
