"""Artifacts attached to one metadatum of a catalog model (a README, a chart), ADS's
``DataScienceModel.*_metadata_artifact`` methods over the ``oci`` SDK's metadatum-artifact calls.

The metadatum (``custom`` or ``defined``) must already be in the model's metadata list; its
artifact's content is given as bytes (``path_type="content"``), a local file (``"local"``) or an
``oci://bucket@namespace/object`` (``"oss"``), as ADS takes it. Answers are ADS's
``ModelMetadataArtifactDetails`` (the response's headers and status).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import oci

from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession

LOCAL, OSS, CONTENT = "local", "oss", "content"  # ADS's MetadataArtifactPathType values
KINDS = ("custom", "defined")
CONTENT_DISPOSITION = 'form-data; name="file"; filename="readme.*"'  # what ADS sends


@dataclass
class ModelMetadataArtifactDetails:
    """ADS's answer to a create, update or delete: the response's headers and status."""

    headers: dict[str, str]
    status: str


def content_of(artifact_path_or_content: str | bytes, path_type: str, session: CatalogSession) -> bytes:
    """The artifact's bytes, from the content itself, a local file or an ``oci://`` object."""
    kind = str(getattr(path_type, "value", path_type)).lower()
    if kind == CONTENT:
        if not isinstance(artifact_path_or_content, bytes):
            raise CatalogError(f"Invalid type of artifact content: {type(artifact_path_or_content)}. "
                               "It should be bytes.")
        return artifact_path_or_content
    if kind == LOCAL:
        path = Path(str(artifact_path_or_content)).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"File not found: {artifact_path_or_content}")
        return path.read_bytes()
    if kind == OSS:
        from toolkit.catalog.bucket_transfer import BucketUri

        uri = BucketUri.parse(str(artifact_path_or_content))
        return session.clients.object_storage.get_object(uri.namespace, uri.bucket, uri.prefix).data.content
    raise CatalogError(f"path_type {path_type!r}: one of {LOCAL!r}, {OSS!r}, {CONTENT!r}")


def upload(session: CatalogSession, model_id: str, kind: str, key: str, content: bytes,
           replace: bool) -> ModelMetadataArtifactDetails:
    """Create (``replace=False``) or update the metadatum's artifact."""
    call = _call(session, "update" if replace else "create", kind, "artifact")
    return _details(call(model_id, key, content, content_disposition=CONTENT_DISPOSITION))


def download(session: CatalogSession, model_id: str, kind: str, key: str) -> bytes:
    return _call(session, "get", kind, "artifact_content")(model_id, key).data.content


def delete(session: CatalogSession, model_id: str, kind: str, key: str) -> ModelMetadataArtifactDetails:
    return _details(_call(session, "delete", kind, "artifact")(model_id, key))


def exists(session: CatalogSession, model_id: str, kind: str, key: str) -> bool:
    """Whether the metadatum has an artifact (a HEAD; any error, as in ADS, is "no")."""
    try:
        return _call(session, "head", kind, "artifact")(model_id, key).status == 200
    except oci.exceptions.ServiceError:
        return False


def _call(session: CatalogSession, verb: str, kind: str, suffix: str) -> Any:
    if kind not in KINDS:
        raise ValueError(f"metadata kind {kind!r}: one of {KINDS}")
    return getattr(session.ds, f"{verb}_model_{kind}_metadatum_{suffix}")


def _details(response: Any) -> ModelMetadataArtifactDetails:
    return ModelMetadataArtifactDetails(headers=dict(response.headers), status=str(response.status))
