"""Models by reference, as ADS makes them: the artifact's files stay in a versioned Object Storage
bucket and the catalog holds ADS's ``model_description.json`` (``emulator.contracts.model_description``)
naming each object's version, with the custom metadata ``modelDescription`` = ``true``.

``describe`` is ADS's ``_prepare_file_description_artifact`` (after its check that every bucket
keeps versions: ``BucketNotVersionedError`` there, :class:`CatalogError` here); ``upload_description``
sends it as the artifact; ``download_referenced`` is what a download or a load does when the
catalog's artifact is such a description: it fetches the named versions into the folder, each
object's name below its prefix, as the deployment lays them out.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import oci

from emulator.contracts import model_description
from toolkit.catalog.bucket_transfer import BucketUri
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession

FLAG = {"key": model_description.FLAG_KEY, "value": "true", "description": "model by reference flag",
        "category": "Other"}  # what ADS adds to the custom metadata


def with_flag(custom_metadata: list[dict] | None) -> list[dict]:
    """The model's custom metadata (wire form) with ADS's ``modelDescription`` flag set."""
    return [item for item in custom_metadata or [] if item.get("key") != FLAG["key"]] + [dict(FLAG)]


def upload_folder(session: CatalogSession, folder: Path, uri: str) -> str:
    """Put every file of ``folder`` under ``uri``'s prefix (the bucket must keep versions); returns
    the prefix URI the model will refer to."""
    location = BucketUri.parse(uri)
    require_versioning(session, location)
    objects = session.clients.object_storage
    prefix = f"{location.prefix}/" if location.prefix else ""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with open(path, "rb") as body:
            objects.put_object(location.namespace, location.bucket, prefix + path.relative_to(folder).as_posix(), body)
    return f"oci://{location.bucket}@{location.namespace}/{prefix}"


def require_versioning(session: CatalogSession, location: BucketUri) -> None:
    bucket = session.clients.object_storage.get_bucket(location.namespace, location.bucket).data
    if bucket.versioning != "Enabled":
        raise CatalogError(f"Model artifact bucket oci://{location.bucket}@{location.namespace} is not versioned. "
                           "Enable versioning on the bucket to proceed with model creation by reference.")


def describe(session: CatalogSession, uris: list[str]) -> dict[str, Any]:
    """ADS's description of the objects under each ``oci://bucket@namespace/prefix`` with their
    current versions; refuses a zip or a local path, an unversioned bucket and an empty prefix."""
    objects = session.clients.object_storage
    models = []
    for uri in uris:
        if not uri.startswith("oci://") or uri.endswith(".zip"):
            raise CatalogError("Artifact path cannot be a zip file or local directory for model creation by reference.")
        location = BucketUri.parse(uri)
        require_versioning(session, location)
        prefix = uri.split("/", 3)[3] if uri.count("/") >= 3 else ""
        listed = oci.pagination.list_call_get_all_results(objects.list_objects, location.namespace, location.bucket,
                                                          prefix=prefix, fields="name,etag,size").data.objects
        if not listed:
            raise CatalogError(f"The path {uri} does not exist or no objects were found in the path.")
        versions = {v.etag: v.version_id for v in oci.pagination.list_call_get_all_results(
            objects.list_object_versions, location.namespace, location.bucket, prefix=prefix, fields="etag").data}
        models.append({"namespace": location.namespace, "bucketName": location.bucket, "prefix": prefix,
                       "objects": [{"name": o.name, "version": versions[o.etag], "sizeInBytes": o.size}
                                   for o in listed]})
    return model_description.document(models)


def upload_description(session: CatalogSession, model_id: str, description: dict[str, Any]) -> None:
    """The description as the model's artifact (a JSON file, as ADS uploads it)."""
    session.ds.create_model_artifact(model_id, json.dumps(description, indent=2).encode(),
                                     content_disposition=model_description.CONTENT_DISPOSITION)


def download_referenced(session: CatalogSession, description: dict[str, Any], target: Path) -> Path:
    """Fetch every object version the description names into ``target`` (name below its prefix)."""
    objects = session.clients.object_storage
    root = target.resolve()
    for entry in description.get("models") or []:
        for item in entry.get("objects") or []:
            destination = (target / model_description.relative_name(item["name"], entry.get("prefix"))).resolve()
            if not destination.is_relative_to(root):
                raise CatalogError(f"the referenced object name {item['name']!r} leaves {target}")
            destination.parent.mkdir(parents=True, exist_ok=True)
            response = objects.get_object(entry["namespace"], entry["bucketName"], item["name"],
                                          version_id=item.get("version") or None)
            with open(destination, "wb") as out:
                for chunk in response.data.raw.stream(1 << 20, decode_content=False):
                    out.write(chunk)
    return target
