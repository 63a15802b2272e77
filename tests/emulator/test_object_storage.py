"""Object Storage: namespace, put/get/head/list/delete, multipart through the SDK's UploadManager,
and artifact export/import between buckets and models."""
from __future__ import annotations

import base64
import hashlib
import os
import uuid

import oci
import pytest

M = oci.data_science.models


@pytest.fixture
def bucket() -> str:
    return f"b-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def store(clients):
    return clients.objects


@pytest.fixture
def namespace(store) -> str:
    return store.get_namespace().data


def test_put_get_head_list_delete(store, namespace, bucket, service_error):
    put = store.put_object(namespace, bucket, "models/a.zip", b"alpha", opc_meta={"owner": "me"})
    assert put.headers["etag"] and put.headers["opc-content-md5"]
    store.put_object(namespace, bucket, "models/b.zip", b"beta")
    store.put_object(namespace, bucket, "other.txt", b"o")

    got = store.get_object(namespace, bucket, "models/a.zip")
    assert got.data.content == b"alpha" and got.headers["opc-meta-owner"] == "me"
    assert int(store.head_object(namespace, bucket, "models/b.zip").headers["content-length"]) == 4
    part = store.get_object(namespace, bucket, "models/a.zip", range="bytes=1-2")
    assert part.status == 206 and part.data.content == b"lp"

    listing = store.list_objects(namespace, bucket, prefix="models/").data
    assert [o.name for o in listing.objects] == ["models/a.zip", "models/b.zip"]
    folded = store.list_objects(namespace, bucket, delimiter="/").data
    assert [o.name for o in folded.objects] == ["other.txt"] and folded.prefixes == ["models/"]
    paged = store.list_objects(namespace, bucket, limit=2).data
    assert len(paged.objects) == 2 and paged.next_start_with == "other.txt"

    assert store.delete_object(namespace, bucket, "models/a.zip").status == 204
    error = service_error(lambda: store.get_object(namespace, bucket, "models/a.zip"))
    assert (error.status, error.code) == (404, "ObjectNotFound")
    assert service_error(lambda: store.list_objects(namespace, "no-such-bucket")).code == "BucketNotFound"


def test_get_and_head_answer_with_every_header_oci_sends(store, namespace, bucket):
    put = store.put_object(namespace, bucket, "pack", b"numpy\n", content_type="text/plain",
                           content_disposition='attachment; filename="pack.txt"', cache_control="no-cache",
                           opc_meta={"manifest": '{"slug": "x"}'})
    for response in (store.head_object(namespace, bucket, "pack"), store.get_object(namespace, bucket, "pack")):
        headers = response.headers
        assert headers["version-id"] == put.headers["version-id"] and headers["etag"] == put.headers["etag"]
        assert headers["content-md5"] == put.headers["opc-content-md5"] and headers["accept-ranges"] == "bytes"
        assert (headers["content-length"], headers["content-type"], headers["storage-tier"]) == ("6", "text/plain", "Standard")
        assert headers["last-modified"].endswith(" GMT") and headers["opc-meta-manifest"] == '{"slug": "x"}'
        assert (headers["content-disposition"], headers["cache-control"]) == ('attachment; filename="pack.txt"', "no-cache")
    second = store.put_object(namespace, bucket, "pack", b"pandas\n")
    assert second.headers["version-id"] != put.headers["version-id"]
    assert "content-disposition" not in store.head_object(namespace, bucket, "pack").headers


def test_namespace_metadata_names_the_namespace(store, namespace):
    metadata = store.get_namespace_metadata(namespace).data
    assert metadata.namespace == namespace and metadata.default_swift_compartment_id.startswith("ocid1.tenancy.")


def test_create_and_get_bucket(store, namespace, bucket, service_error):
    details = oci.object_storage.models.CreateBucketDetails(name=bucket, compartment_id="ocid1.compartment.oc1..aaaa")
    created = store.create_bucket(namespace, details).data
    assert created.name == bucket and created.id.startswith("ocid1.bucket.")
    assert store.get_bucket(namespace, bucket).data.compartment_id == "ocid1.compartment.oc1..aaaa"
    assert service_error(lambda: store.create_bucket(namespace, details)).status == 409


def test_content_md5_is_checked(store, namespace, bucket, service_error):
    error = service_error(lambda: store.put_object(namespace, bucket, "x", b"data", content_md5="AAAAAAAAAAAAAAAAAAAAAA=="))
    assert error.status == 400
    assert service_error(lambda: store.head_object(namespace, bucket, "x")).status == 404


def test_large_object_is_checked_against_its_content_md5(store, namespace, bucket, service_error):
    """Bodies over a MiB are spooled and hashed while they arrive; the check is the same."""
    data = os.urandom(3 * 1024 * 1024 + 7)
    md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
    error = service_error(lambda: store.put_object(namespace, bucket, "big", data, content_md5="AAAAAAAAAAAAAAAAAAAAAA=="))
    assert error.status == 400
    assert service_error(lambda: store.head_object(namespace, bucket, "big")).status == 404
    assert store.put_object(namespace, bucket, "big", data, content_md5=md5).headers["opc-content-md5"] == md5
    assert store.get_object(namespace, bucket, "big").data.content == data


def test_multipart_upload_with_upload_manager(store, namespace, bucket, tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 123)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    manager = oci.object_storage.UploadManager(store, allow_multipart_uploads=True, allow_parallel_uploads=True)
    response = manager.upload_file(namespace, bucket, "big.bin", str(path), part_size=1024 * 1024)
    assert response.headers["opc-multipart-md5"].endswith("-4")
    got = store.get_object(namespace, bucket, "big.bin")
    assert hashlib.sha256(got.data.content).hexdigest() == hashlib.sha256(data).hexdigest()


def test_multipart_by_hand_list_parts_and_abort(store, namespace, bucket, service_error):
    details = oci.object_storage.models.CreateMultipartUploadDetails(object="obj")
    upload = store.create_multipart_upload(namespace, bucket, details).data
    etag = store.upload_part(namespace, bucket, "obj", upload.upload_id, 1, b"abc").headers["etag"]
    parts = store.list_multipart_upload_parts(namespace, bucket, "obj", upload.upload_id).data
    assert [(p.part_number, p.etag, p.size) for p in parts] == [(1, etag, 3)]
    bad = oci.object_storage.models.CommitMultipartUploadDetails(
        parts_to_commit=[oci.object_storage.models.CommitMultipartUploadPartDetails(part_num=1, etag="wrong")])
    assert service_error(lambda: store.commit_multipart_upload(namespace, bucket, "obj", upload.upload_id, bad)).status == 400
    store.abort_multipart_upload(namespace, bucket, "obj", upload.upload_id)
    assert service_error(lambda: store.list_multipart_upload_parts(namespace, bucket, "obj", upload.upload_id)).status == 404


def test_export_artifact_from_a_bucket_into_a_model(ds, store, namespace, bucket, make_model):
    data = os.urandom(200_000)
    store.put_object(namespace, bucket, "artifacts/model.zip", data)
    model = make_model()
    response = ds.export_model_artifact(model.id, M.ExportModelArtifactDetails(
        artifact_export_details=M.ArtifactExportDetailsObjectStorage(
            namespace=namespace, source_bucket=bucket, source_object_name="artifacts/model.zip",
            source_region="us-ashburn-1")))
    assert response.status == 202
    work_request = ds.get_work_request(response.headers["opc-work-request-id"]).data
    assert (work_request.operation_type, work_request.status) == ("EXPORT_MODEL_ARTIFACT", "SUCCEEDED")
    assert ds.get_model_artifact_content(model.id).data.content == data


def test_export_of_a_missing_object_fails_the_work_request(ds, namespace, bucket, make_model):
    model = make_model()
    response = ds.export_model_artifact(model.id, M.ExportModelArtifactDetails(
        artifact_export_details=M.ArtifactExportDetailsObjectStorage(
            namespace=namespace, source_bucket=bucket, source_object_name="missing.zip", source_region="us-ashburn-1")))
    request_id = response.headers["opc-work-request-id"]
    assert ds.get_work_request(request_id).data.status == "FAILED"
    assert ds.list_work_request_errors(request_id).data[0].code == "BucketNotFound"


def test_import_artifact_from_a_model_into_a_bucket(ds, store, namespace, bucket, make_model):
    model = make_model()
    ds.create_model_artifact(model.id, b"zip-bytes")
    response = ds.import_model_artifact(model.id, M.ImportModelArtifactDetails(
        artifact_import_details=M.ArtifactImportDetailsObjectStorage(
            namespace=namespace, destination_bucket=bucket, destination_object_name="out/model.zip",
            destination_region="us-ashburn-1")))
    assert ds.get_work_request(response.headers["opc-work-request-id"]).data.status == "SUCCEEDED"
    assert store.get_object(namespace, bucket, "out/model.zip").data.content == b"zip-bytes"


def test_object_names_with_slashes_spaces_and_unicode(store, namespace, bucket):
    name = "dir/sub dir/modèle #1%.zip"
    store.put_object(namespace, bucket, name, b"odd")
    assert store.get_object(namespace, bucket, name).data.content == b"odd"
    assert [o.name for o in store.list_objects(namespace, bucket, prefix="dir/sub dir/").data.objects] == [name]
