"""Projects through the real SDK: create, get, list, update with etags, delete."""
from __future__ import annotations

import oci

M = oci.data_science.models
USER_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaacreatedbytest"


def test_project_lifecycle(ds, compartment, service_error):
    created = ds.create_project(M.CreateProjectDetails(compartment_id=compartment, display_name="alpha",
                                                       freeform_tags={"team": "ml"}))
    project = created.data
    assert project.id.startswith("ocid1.datascienceproject.oc1.iad.")
    assert project.lifecycle_state == "ACTIVE" and project.freeform_tags == {"team": "ml"}
    assert created.headers["etag"] and created.headers["opc-request-id"]

    fetched = ds.get_project(project.id)
    assert fetched.data.display_name == "alpha"

    updated = ds.update_project(project.id, M.UpdateProjectDetails(description="d"), if_match=fetched.headers["etag"])
    assert updated.data.description == "d" and updated.headers["etag"] != fetched.headers["etag"]

    stale = service_error(lambda: ds.update_project(project.id, M.UpdateProjectDetails(description="x"),
                                                    if_match=fetched.headers["etag"]))
    assert (stale.status, stale.code) == (412, "NoEtagMatch")

    deleted = ds.delete_project(project.id)
    assert deleted.status == 204 and deleted.headers["opc-work-request-id"]
    assert ds.get_project(project.id).data.lifecycle_state == "DELETED"  # a tombstone, as in OCI


def test_list_projects_filters_and_sorts(ds, compartment):
    for name in ("b", "a", "c"):
        ds.create_project(M.CreateProjectDetails(compartment_id=compartment, display_name=name))
    names = [p.display_name for p in ds.list_projects(compartment, sort_by="displayName", sort_order="ASC").data]
    assert names == ["a", "b", "c"]
    assert [p.display_name for p in ds.list_projects(compartment, display_name="b").data] == ["b"]
    newest_first = [p.display_name for p in ds.list_projects(compartment).data]
    assert newest_first == ["c", "a", "b"]


def test_project_with_models_cannot_be_deleted(ds, project, make_model, service_error):
    make_model(display_name="inside")
    error = service_error(lambda: ds.delete_project(project.id))
    assert (error.status, error.code) == (409, "IncorrectState")


def test_created_by_is_the_signing_user_or_else_the_local_profiles_user(ds, credentials, start_emulator, tmp_path):
    import requests

    from toolkit.profiles import ensure_local_credentials

    assert ds.create_project(M.CreateProjectDetails(compartment_id=USER_COMPARTMENT)).data.created_by == \
        credentials.config["user"]
    home = tmp_path / "home"
    local_user = oci.config.from_file(str(ensure_local_credentials(home)), "DEFAULT")["user"]
    running = start_emulator(home)
    unsigned = requests.post(running.url + "/20190101/projects", json={"compartmentId": USER_COMPARTMENT}, timeout=10)
    assert unsigned.json()["createdBy"] == local_user
