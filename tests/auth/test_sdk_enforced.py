"""The real oci SDK against an emulator that enforces signing: every call shape it signs
(JSON bodies, streamed artifact uploads without body headers, Object Storage puts) passes;
a key limited to one compartment cannot reach resources elsewhere, even by OCID."""
from __future__ import annotations

import hashlib

import oci
import pytest
from oci.data_science.models import CreateModelDetails, CreateProjectDetails

from emulator.auth import add_key
from toolkit.testing.credentials import make_api_key


@pytest.fixture(scope="module")
def admin(enforced, tmp_path_factory):
    key = make_api_key(tmp_path_factory.mktemp("admin"))
    add_key(enforced.state.db, key.tenancy, key.user, key.public_key_pem)
    return key


def _ds(key, url):
    return oci.data_science.DataScienceClient(key.config(), signer=key.signer(), service_endpoint=url)


def _model(ds, compartment):
    project = ds.create_project(CreateProjectDetails(compartment_id=compartment, display_name="p")).data
    return ds.create_model(CreateModelDetails(compartment_id=compartment, project_id=project.id, display_name="m")).data


def test_sdk_create_and_stream_an_artifact_with_signing_enforced(enforced, admin, tmp_path):
    ds = _ds(admin, enforced.url)
    model = _model(ds, admin.tenancy)
    blob = tmp_path / "artifact.zip"
    blob.write_bytes(b"PK" + b"z" * (2 * 1024 * 1024))
    with blob.open("rb") as fh:
        ds.create_model_artifact(model.id, fh, content_length=blob.stat().st_size,
                                 content_disposition=f'attachment; filename="{model.id}.zip"')
    head = ds.head_model_artifact(model.id).headers
    assert head["opc-content-sha256"] == hashlib.sha256(blob.read_bytes()).hexdigest()


def test_sdk_object_storage_put_passes(enforced, admin):
    from oci.object_storage.models import CreateBucketDetails

    client = oci.object_storage.ObjectStorageClient(admin.config(), signer=admin.signer(), service_endpoint=enforced.url)
    namespace = client.get_namespace().data
    client.create_bucket(namespace, CreateBucketDetails(name="artifacts", compartment_id=admin.tenancy))
    client.put_object(namespace, "artifacts", "a/b.zip", b"hello")
    assert client.get_object(namespace, "artifacts", "a/b.zip").data.content == b"hello"


def test_sdk_call_with_an_unregistered_key_raises_401(enforced, tmp_path):
    stranger = make_api_key(tmp_path)
    with pytest.raises(oci.exceptions.ServiceError) as info:
        _ds(stranger, enforced.url).list_projects(stranger.tenancy)
    assert info.value.status == 401 and info.value.code == "NotAuthenticated"


def test_limited_key_gets_404_for_a_model_in_another_compartment(enforced, admin, tmp_path):
    elsewhere = _model(_ds(admin, enforced.url), admin.tenancy)
    mine = "ocid1.compartment.oc1..aaaaaaaaminecompartment"
    limited = make_api_key(tmp_path, tenancy=admin.tenancy)
    add_key(enforced.state.db, limited.tenancy, limited.user, limited.public_key_pem, compartments=[mine])
    ds = _ds(limited, enforced.url)
    for call in (lambda: ds.get_model(elsewhere.id), lambda: ds.list_models(admin.tenancy),
                 lambda: ds.delete_model(elsewhere.id)):
        with pytest.raises(oci.exceptions.ServiceError) as info:
            call()
        assert info.value.status == 404 and info.value.code == "NotAuthorizedOrNotFound"
    assert ds.list_projects(mine).data == []
    assert _ds(admin, enforced.url).get_model(elsewhere.id).data.lifecycle_state == "ACTIVE"


def test_the_homes_own_local_profile_key_is_accepted_without_add_key(enforced, monkeypatch):
    """`dockyard emulator start --auth-mode enforce` still works with the local profile out of the box."""
    from toolkit import profiles

    monkeypatch.setenv("DOCKYARD_ENDPOINT", enforced.url)
    local = profiles.local_profile(home=enforced.state.config.home)
    ds = oci.data_science.DataScienceClient(local.config, **local.client_args())
    assert ds.list_projects(local.compartment_id).data == []
