"""Model provenance and the artifacts of custom/defined metadata."""
from __future__ import annotations

import oci

M = oci.data_science.models


def test_provenance_create_get_update(ds, make_model, service_error):
    model = make_model()
    assert service_error(lambda: ds.get_model_provenance(model.id)).status == 404
    created = ds.create_model_provenance(model.id, M.CreateModelProvenanceDetails(
        repository_url="https://git.example/repo", git_branch="main", git_commit="abc123",
        script_dir="/src", training_script="train.py", training_id="ocid1.datasciencejob.oc1.iad.x"))
    assert created.data.git_commit == "abc123" and created.headers["etag"]
    assert ds.get_model_provenance(model.id).data.training_script == "train.py"
    assert service_error(lambda: ds.create_model_provenance(model.id, M.CreateModelProvenanceDetails())).status == 409

    updated = ds.update_model_provenance(model.id, M.UpdateModelProvenanceDetails(git_commit="def456"),
                                         if_match=created.headers["etag"])
    assert updated.data.git_commit == "def456" and updated.data.git_branch == "main"
    stale = service_error(lambda: ds.update_model_provenance(model.id, M.UpdateModelProvenanceDetails(git_commit="x"),
                                                             if_match=created.headers["etag"]))
    assert stale.status == 412


def test_custom_metadatum_artifact(ds, make_model, service_error):
    model = make_model(custom_metadata_list=[M.Metadata(key="readme", value="see artifact", category="Other")])
    disposition = 'form-data; name="file"; filename="readme.md"'
    assert ds.create_model_custom_metadatum_artifact(model.id, "readme", b"# hello", content_disposition=disposition).status == 204
    assert ds.get_model(model.id).data.custom_metadata_list[0].has_artifact is True

    head = ds.head_model_custom_metadatum_artifact(model.id, "readme").headers
    assert int(head["content-length"]) == 7 and head["content-disposition"] == disposition
    assert ds.get_model_custom_metadatum_artifact_content(model.id, "readme").data.content == b"# hello"

    conflict = service_error(lambda: ds.create_model_custom_metadatum_artifact(model.id, "readme", b"again"))
    assert conflict.status == 409
    ds.update_model_custom_metadatum_artifact(model.id, "readme", b"# v2")
    assert ds.get_model_custom_metadatum_artifact_content(model.id, "readme").data.content == b"# v2"

    assert ds.delete_model_custom_metadatum_artifact(model.id, "readme").status == 204
    assert ds.get_model(model.id).data.custom_metadata_list[0].has_artifact is False
    assert service_error(lambda: ds.head_model_custom_metadatum_artifact(model.id, "readme")).status == 404


def test_defined_metadatum_artifact(ds, make_model, service_error):
    model = make_model(defined_metadata_list=[M.Metadata(key="Hyperparameters", value="{}")])
    ds.create_model_defined_metadatum_artifact(model.id, "Hyperparameters", b'{"C": 1.0}')
    assert ds.get_model_defined_metadatum_artifact_content(model.id, "Hyperparameters").data.content == b'{"C": 1.0}'
    unknown = service_error(lambda: ds.create_model_defined_metadatum_artifact(model.id, "NotAKey", b"x"))
    assert (unknown.status, unknown.code) == (404, "NotAuthorizedOrNotFound")


def test_model_delete_removes_provenance_and_metadata_artifacts(ds, emulator, make_model):
    model = make_model(custom_metadata_list=[M.Metadata(key="readme", value="x")])
    ds.create_model_provenance(model.id, M.CreateModelProvenanceDetails(git_branch="main"))
    ds.create_model_custom_metadatum_artifact(model.id, "readme", b"x")
    ds.create_model_artifact(model.id, b"zip")
    ds.delete_model(model.id)
    db = emulator.state.db
    assert db.get("modelprovenance", model.id) is None
    assert db.get("modelartifact", model.id) is None
    assert db.get("metadatumartifact", f"{model.id}/customMetadata/readme") is None
