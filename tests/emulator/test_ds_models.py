"""Models through the real SDK: create (idempotent), get, list with every filter, sort and
pagination, update with etags, activate/deactivate, delete."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import oci
import pytest

from emulator.wire import now

M = oci.data_science.models


def test_create_and_get_model(ds, make_model):
    schema = json.dumps({"schema": [{"name": "x", "dtype": "float64"}], "version": "1.1"})
    model = make_model(display_name="m", description="d", input_schema=schema,
                       custom_metadata_list=[M.Metadata(key="SlugName", value="py311", category="Training Environment")],
                       defined_metadata_list=[M.Metadata(key="Framework", value="scikit-learn")])
    assert model.id.startswith("ocid1.datasciencemodel.oc1.iad.")
    assert model.lifecycle_state == "ACTIVE" and model.category == "USER" and not model.is_model_by_reference
    fetched = ds.get_model(model.id).data
    assert fetched.input_schema == schema
    assert fetched.custom_metadata_list[0].key == "SlugName"
    assert fetched.defined_metadata_list[0].value == "scikit-learn"
    assert fetched.created_by.startswith("ocid1.user.")


def test_retry_token_returns_the_first_model(ds, compartment, project, service_error):
    details = M.CreateModelDetails(compartment_id=compartment, project_id=project.id, display_name="once")
    first = ds.create_model(details, opc_retry_token="token-1").data
    again = ds.create_model(details, opc_retry_token="token-1").data
    assert again.id == first.id
    assert len(ds.list_models(compartment).data) == 1
    other = M.CreateModelDetails(compartment_id=compartment, project_id=project.id, display_name="different")
    error = service_error(lambda: ds.create_model(other, opc_retry_token="token-1"))
    assert (error.status, error.code) == (409, "InvalidatedRetryToken")


def test_list_filters(ds, compartment, project, make_model):
    version_set = ds.create_model_version_set(M.CreateModelVersionSetDetails(
        compartment_id=compartment, project_id=project.id, name="vs-filters")).data
    a = make_model(display_name="a", model_version_set_id=version_set.id, version_label="v1")
    b = make_model(display_name="b", model_version_set_id=version_set.id, version_label="v2")
    c = make_model(display_name="c")
    ds.deactivate_model(c.id)

    def names(**filters):
        return sorted(m.display_name for m in ds.list_models(compartment, **filters).data)

    assert names() == ["a", "b", "c"]
    assert names(project_id=project.id) == ["a", "b", "c"]
    assert names(display_name="b") == ["b"]
    assert names(lifecycle_state="INACTIVE") == ["c"]
    assert names(model_version_set_name="vs-filters") == ["a", "b"]
    assert names(model_version_set_name="vs-filters", version_label="v2") == ["b"]
    assert names(id=a.id) == ["a"]
    summary = ds.list_models(compartment, id=b.id).data[0]
    assert (summary.model_version_set_id, summary.version_id, summary.version_label) == (version_set.id, 2, "v2")


def test_sort_orders(ds, compartment, make_model):
    for name in ("m2", "m3", "m1"):
        make_model(display_name=name)
    assert [m.display_name for m in ds.list_models(compartment).data] == ["m1", "m3", "m2"]
    assert [m.display_name for m in ds.list_models(compartment, sort_order="ASC").data] == ["m2", "m3", "m1"]
    by_name = ds.list_models(compartment, sort_by="displayName", sort_order="ASC").data
    assert [m.display_name for m in by_name] == ["m1", "m2", "m3"]


def test_pagination_over_250_models(ds, compartment, make_model):
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda index: make_model(display_name=f"m{index:03d}"), range(250)))

    first = ds.list_models(compartment, limit=100, sort_by="displayName", sort_order="ASC")
    assert len(first.data) == 100 and first.has_next_page and first.headers["opc-next-page"]
    everything = oci.pagination.list_call_get_all_results(ds.list_models, compartment, limit=100,
                                                          sort_by="displayName", sort_order="ASC").data
    assert [m.display_name for m in everything] == [f"m{i:03d}" for i in range(250)]
    newest_first, page, pages = [], None, 0
    while True:
        response = ds.list_models(compartment, limit=100, page=page)
        newest_first += [m.time_created for m in response.data]
        pages, page = pages + 1, response.next_page
        if page is None:
            break
    assert pages == 3 and len(newest_first) == 250 and newest_first == sorted(newest_first, reverse=True)


def test_update_with_etag(ds, make_model, service_error):
    model = make_model(display_name="before")
    etag = ds.get_model(model.id).headers["etag"]
    updated = ds.update_model(model.id, M.UpdateModelDetails(display_name="after", freeform_tags={"k": "v"},
                                                             custom_metadata_list=[M.Metadata(key="k", value="v")]),
                              if_match=etag)
    assert updated.data.display_name == "after" and updated.data.freeform_tags == {"k": "v"}
    assert updated.data.custom_metadata_list[0].key == "k"
    error = service_error(lambda: ds.update_model(model.id, M.UpdateModelDetails(display_name="again"), if_match=etag))
    assert (error.status, error.code) == (412, "NoEtagMatch")
    assert ds.get_model(model.id).data.display_name == "after"
    error = service_error(lambda: ds.delete_model(model.id, if_match=etag))
    assert error.status == 412


def test_activate_and_deactivate(ds, make_model, service_error):
    model = make_model()
    assert ds.deactivate_model(model.id).data.lifecycle_state == "INACTIVE"
    assert ds.deactivate_model(model.id).data.lifecycle_state == "INACTIVE"  # already there: a no-op
    assert ds.activate_model(model.id).data.lifecycle_state == "ACTIVE"
    assert ds.activate_model(model.id).data.lifecycle_state == "ACTIVE"  # ADS's Model.commit() relies on it
    ds.delete_model(model.id)
    assert service_error(lambda: ds.activate_model(model.id)).code == "IncorrectState"


def test_delete_model_leaves_a_deleted_tombstone(ds, compartment, make_model):
    model = make_model()
    assert ds.delete_model(model.id).status == 204
    assert ds.get_model(model.id).data.lifecycle_state == "DELETED"
    assert ds.list_models(compartment, lifecycle_state="ACTIVE").data == []


def test_model_in_unknown_project_is_404(ds, compartment, service_error):
    details = M.CreateModelDetails(compartment_id=compartment, project_id="ocid1.datascienceproject.oc1.iad.nothere")
    error = service_error(lambda: ds.create_model(details))
    assert (error.status, error.code) == (404, "NotAuthorizedOrNotFound")


@pytest.mark.parametrize("sort_by, first_ascending", [
    ("timeCreated", "c"),  # made first
    ("displayName", "a"),
    ("lifecycleState", "b"),  # the only ACTIVE one: ACTIVE < INACTIVE
])
def test_every_sort_key_orders_the_list(ds, compartment, make_model, sort_by, first_ascending):
    made = {name: make_model(display_name=name) for name in ("c", "b", "a")}
    for name in ("c", "a"):
        ds.deactivate_model(made[name].id)
    ascending = [m.display_name for m in ds.list_models(compartment, sort_by=sort_by, sort_order="ASC").data]
    descending = [m.display_name for m in ds.list_models(compartment, sort_by=sort_by, sort_order="DESC").data]
    assert ascending[0] == first_ascending and descending[-1] == first_ascending
    assert sorted(ascending) == ["a", "b", "c"] and descending == ascending[::-1]


def test_a_deployed_model_cannot_be_deleted(ds, emulator, make_model, service_error):
    model = make_model()
    deployment = {"id": "ocid1.datasciencemodeldeployment.oc1.iad.guard", "compartmentId": model.compartment_id,
                  "lifecycleState": "ACTIVE", "timeCreated": now(),
                  "modelDeploymentConfigurationDetails": {"modelConfigurationDetails": {"modelId": model.id}}}
    emulator.state.db.insert("modeldeployment", deployment)
    try:
        error = service_error(lambda: ds.delete_model(model.id))
        assert (error.status, error.code) == (409, "IncorrectState")
        emulator.state.db.update("modeldeployment", deployment["id"], {**deployment, "lifecycleState": "DELETED"})
        assert ds.delete_model(model.id).status == 204
    finally:
        emulator.state.db.delete("modeldeployment", deployment["id"])
