"""Large artifacts through Object Storage, as ADS moves them (``bucket_uri=``, or beyond 2 GB).

Both ways of sending an artifact there (``save(bucket_uri=...)`` and ``promote``) go through
``upload_via_bucket``, so the staged object is removed once the catalog holds the artifact.

Save: the zip goes to ``oci://bucket@namespace/prefix/<model-ocid>.zip`` with the SDK's
``UploadManager`` (multipart, streamed from disk), then ``export_model_artifact`` has the service
copy it into the catalog (a work request). Load: ``import_model_artifact`` copies the catalog's
artifact into the bucket (a work request), then ``get_object`` streams it down. The emulator
serves Object Storage at the same endpoint, so this path runs offline too.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import oci
from oci.data_science.models import (
    ArtifactExportDetailsObjectStorage,
    ArtifactImportDetailsObjectStorage,
    ExportModelArtifactDetails,
    ImportModelArtifactDetails,
)

from toolkit.artifact.archive import CHUNK
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession
from toolkit.catalog.transfer import progress_bar


@dataclass(frozen=True)
class BucketUri:
    """``oci://bucket@namespace/prefix`` split into its parts."""

    bucket: str
    namespace: str
    prefix: str

    @classmethod
    def parse(cls, uri: str) -> "BucketUri":
        if not uri.startswith("oci://") or "@" not in uri.split("/")[2]:
            raise CatalogError(f"bucket_uri {uri!r} is not of the form oci://<bucket>@<namespace>/<prefix>")
        location = uri[len("oci://"):]
        bucket_ns, _, prefix = location.partition("/")
        bucket, _, namespace = bucket_ns.partition("@")
        if not bucket or not namespace:
            raise CatalogError(f"bucket_uri {uri!r} needs both a bucket and a namespace")
        return cls(bucket, namespace, prefix.strip("/"))

    def object_name(self, model_id: str) -> str:
        return f"{self.prefix}/{model_id}.zip" if self.prefix else f"{model_id}.zip"


def upload_via_bucket(
    session: CatalogSession, model_id: str, zip_path: Path, bucket_uri: str,
    remove_existing_artifact: bool = True, show_progress: bool | None = None, timeout: float = 3600,
    overwrite_existing_artifact: bool = True, region: str | None = None,
) -> None:
    """Upload the zip to the bucket, then export it into the model (waiting for the work request).

    ``overwrite_existing_artifact=False`` refuses an object already at that name (ADS's rule);
    ``region`` is the bucket's region when it is not the profile's."""
    uri = BucketUri.parse(bucket_uri)
    name = uri.object_name(model_id)
    if not overwrite_existing_artifact and object_exists(session, uri, name):
        raise CatalogError(f"oci://{uri.bucket}@{uri.namespace}/{name} exists and overwrite_existing_artifact=False; "
                           "remove it, or allow overwriting it")
    manager = oci.object_storage.UploadManager(session.clients.object_storage, allow_multipart_uploads=True)
    with progress_bar("Uploading artifact to Object Storage", zip_path.stat().st_size, show_progress) as advance:
        manager.upload_file(uri.namespace, uri.bucket, name, str(zip_path), progress_callback=advance)
    export_from_bucket(session, model_id, BucketUri(uri.bucket, uri.namespace, name), remove_existing_artifact,
                       timeout, region)


def export_from_bucket(session: CatalogSession, model_id: str, location: "BucketUri",
                       remove_existing_artifact: bool = True, timeout: float = 3600, region: str | None = None) -> None:
    """Have the service copy the zip at ``location`` (its ``prefix`` is the object name) into the
    model (a work request), then delete the object unless told to keep it."""
    source = ArtifactExportDetailsObjectStorage(
        namespace=location.namespace, source_bucket=location.bucket, source_object_name=location.prefix,
        source_region=region or session.profile.config.get("region"),
    )
    response = session.ds.export_model_artifact(model_id, ExportModelArtifactDetails(artifact_export_details=source))
    session.wait_for_work_request(response.headers["opc-work-request-id"], timeout)
    if remove_existing_artifact:
        session.clients.object_storage.delete_object(location.namespace, location.bucket, location.prefix)


def object_exists(session: CatalogSession, uri: BucketUri, name: str) -> bool:
    try:
        session.clients.object_storage.head_object(uri.namespace, uri.bucket, name)
    except oci.exceptions.ServiceError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def download_via_bucket(
    session: CatalogSession, model_id: str, target: Path, bucket_uri: str,
    remove_existing_artifact: bool = True, show_progress: bool | None = None, timeout: float = 3600,
    region: str | None = None,
) -> Path:
    """Import the model's artifact into the bucket (work request), then stream the object down."""
    uri = BucketUri.parse(bucket_uri)
    name = uri.object_name(model_id)
    destination = ArtifactImportDetailsObjectStorage(
        namespace=uri.namespace, destination_bucket=uri.bucket, destination_object_name=name,
        destination_region=region or session.profile.config.get("region"),
    )
    response = session.ds.import_model_artifact(model_id, ImportModelArtifactDetails(artifact_import_details=destination))
    session.wait_for_work_request(response.headers["opc-work-request-id"], timeout)
    storage = session.clients.object_storage
    obj = storage.get_object(uri.namespace, uri.bucket, name)
    size = obj.headers.get("content-length")
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "wb") as out, progress_bar("Downloading artifact", int(size) if size else None, show_progress) as advance:
            for chunk in obj.data.iter_content(CHUNK):
                out.write(chunk)
                advance(len(chunk))
        partial.replace(target)
    finally:
        obj.data.close()
        partial.unlink(missing_ok=True)
    if remove_existing_artifact:
        storage.delete_object(uri.namespace, uri.bucket, name)
    return target
