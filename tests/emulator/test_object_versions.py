"""Object versioning through the real SDK: a bucket created or updated with ``versioning`` Enabled keeps
every object write (ListObjectVersions: names in order, newest first, delete markers), reads and deletes
one version by ``version_id``; a bucket without versioning lists each object's current version alone."""
from __future__ import annotations

import uuid

import oci
import pytest

OS = oci.object_storage.models


@pytest.fixture
def store(clients):
    return clients.objects


@pytest.fixture
def namespace(store) -> str:
    return store.get_namespace().data


def _bucket(store, namespace: str, versioning: str | None = None) -> str:
    name = f"v-{uuid.uuid4().hex[:12]}"
    store.create_bucket(namespace, OS.CreateBucketDetails(name=name, compartment_id="ocid1.compartment.oc1..aaaavers",
                                                          versioning=versioning))
    return name


def _versions(store, namespace: str, bucket: str, **kwargs) -> list:
    return oci.pagination.list_call_get_all_results(store.list_object_versions, namespace, bucket, **kwargs).data


def test_a_versioned_bucket_keeps_every_write_and_reads_each_version(store, namespace):
    bucket = _bucket(store, namespace, "Enabled")
    assert store.get_bucket(namespace, bucket).data.versioning == "Enabled"
    first = store.put_object(namespace, bucket, "m/model.pkl", b"one").headers["version-id"]
    second = store.put_object(namespace, bucket, "m/model.pkl", b"two!").headers["version-id"]
    store.put_object(namespace, bucket, "m/score.py", b"s")

    listed = _versions(store, namespace, bucket, prefix="m/", fields="name,etag,size")
    assert [(v.name, v.version_id, v.size, v.is_delete_marker) for v in listed] == [
        ("m/model.pkl", second, 4, False), ("m/model.pkl", first, 3, False), ("m/score.py", listed[2].version_id, 1,
                                                                               False)]
    assert store.get_object(namespace, bucket, "m/model.pkl").data.content == b"two!"
    old = store.get_object(namespace, bucket, "m/model.pkl", version_id=first)
    assert old.data.content == b"one" and old.headers["version-id"] == first


def test_a_delete_in_a_versioned_bucket_leaves_a_marker_and_deleting_versions_promotes_the_next(
        store, namespace, service_error):
    bucket = _bucket(store, namespace, "Enabled")
    first = store.put_object(namespace, bucket, "a.txt", b"1").headers["version-id"]
    second = store.put_object(namespace, bucket, "a.txt", b"2").headers["version-id"]
    store.delete_object(namespace, bucket, "a.txt")
    assert service_error(lambda: store.get_object(namespace, bucket, "a.txt")).status == 404
    marker, *kept = _versions(store, namespace, bucket)
    assert marker.is_delete_marker and [v.version_id for v in kept] == [second, first]
    assert service_error(lambda: store.delete_bucket(namespace, bucket)).code == "BucketNotEmpty"

    store.delete_object(namespace, bucket, "a.txt", version_id=marker.version_id)
    assert store.get_object(namespace, bucket, "a.txt").data.content == b"2"
    store.delete_object(namespace, bucket, "a.txt", version_id=second)
    assert store.get_object(namespace, bucket, "a.txt").data.content == b"1"
    store.delete_object(namespace, bucket, "a.txt", version_id=first)
    assert _versions(store, namespace, bucket) == []
    store.delete_bucket(namespace, bucket)


def test_an_unversioned_bucket_lists_current_versions_until_versioning_is_enabled(store, namespace, service_error):
    bucket = _bucket(store, namespace)
    assert store.get_bucket(namespace, bucket).data.versioning == "Disabled"
    store.put_object(namespace, bucket, "x", b"old")
    current = store.put_object(namespace, bucket, "x", b"new").headers["version-id"]
    assert [(v.name, v.version_id) for v in _versions(store, namespace, bucket)] == [("x", current)]

    updated = store.update_bucket(namespace, bucket, OS.UpdateBucketDetails(versioning="Enabled")).data
    assert updated.versioning == "Enabled"
    store.put_object(namespace, bucket, "x", b"newer")
    assert [v.version_id for v in _versions(store, namespace, bucket)][1] == current
    error = service_error(lambda: store.update_bucket(namespace, bucket, {"versioning": "Disabled"}))
    assert (error.status, error.code) == (400, "InvalidParameter")


def test_object_versions_page_and_fold_at_the_delimiter(store, namespace):
    bucket = _bucket(store, namespace, "Enabled")
    for name in ("a", "a", "b", "dir/c"):
        store.put_object(namespace, bucket, name, b".")
    first = store.list_object_versions(namespace, bucket, limit=2, delimiter="/")
    assert [v.name for v in first.data.items] == ["a", "a"] and first.data.prefixes == ["dir/"]
    rest = store.list_object_versions(namespace, bucket, limit=2, delimiter="/", page=first.headers["opc-next-page"])
    assert [v.name for v in rest.data.items] == ["b"] and "opc-next-page" not in rest.headers
