"""Large-artifact path (ADS ``bucket_uri``): upload via Object Storage + exportArtifact, download via
importArtifact + get_object, against the emulator's Object Storage."""
from __future__ import annotations

import uuid
from pathlib import Path

import oci
import pytest

from toolkit import profiles
from toolkit.catalog import model_catalog as mc
from toolkit.catalog.bucket_transfer import BucketUri
from toolkit.catalog.errors import CatalogError

from .stub_model import StubModel


@pytest.fixture()
def bucket_uri(catalog_env: Path) -> str:
    storage = profiles.object_storage_client()
    namespace = storage.get_namespace().data
    name = f"artifacts-{uuid.uuid4().hex[:8]}"
    details = oci.object_storage.models.CreateBucketDetails(name=name, compartment_id=profiles.resolve().compartment_id)
    storage.create_bucket(namespace, details)
    return f"oci://{name}@{namespace}/models"


def test_bucket_uri_parsing() -> None:
    assert BucketUri.parse("oci://b@ns/a/b/") == BucketUri("b", "ns", "a/b")
    assert BucketUri.parse("oci://b@ns").object_name("ocid1.x") == "ocid1.x.zip"
    with pytest.raises(CatalogError, match="oci://"):
        BucketUri.parse("s3://b/x")


def test_save_and_load_through_a_bucket(tmp_path: Path, project_id: str, bucket_uri: str) -> None:
    original = StubModel.prepared(tmp_path / "a")
    model_id = mc.save_model(original, project_id=project_id, bucket_uri=bucket_uri)
    uri = BucketUri.parse(bucket_uri)
    storage = profiles.object_storage_client()
    assert storage.list_objects(uri.namespace, uri.bucket).data.objects == []  # removed after export
    loaded = mc.load_model_from_catalog(StubModel, model_id, artifact_dir=tmp_path / "b", bucket_uri=bucket_uri)
    assert (Path(loaded.artifact_dir) / "weights.bin").read_bytes() == (tmp_path / "a" / "weights.bin").read_bytes()
    assert storage.list_objects(uri.namespace, uri.bucket).data.objects == []


def test_artifacts_over_2_gb_need_a_bucket(tmp_path: Path, project_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mc.save, "DIRECT_UPLOAD_BYTES", 10)  # the save step's limit
    with pytest.raises(CatalogError, match="bucket_uri"):
        mc.save_model(StubModel.prepared(tmp_path / "a"), project_id=project_id)
    assert list(mc.list_models(project_id=project_id)) == []
