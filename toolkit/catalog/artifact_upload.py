"""``model.upload_artifact(uri)``: the artifact zip (the very zip save() sends) to a path or a bucket.

ADS's rule for names: a ``uri`` that ends in ``/`` is a folder, and the zip is called
``<model OCID>.zip`` in it (``artifact.zip`` for a model not saved yet). ``oci://bucket@namespace/...``
goes to Object Storage through the profile's client (the emulator serves it locally), anything
else is a local path. An existing target is replaced only with ``force_overwrite=True``.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import oci

from toolkit.artifact.archive import zip_artifact
from toolkit.catalog.bucket_transfer import BucketUri, object_exists
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import connect


def upload_artifact_zip(artifact_dir: Path, uri: str, *, model_id: str | None = None, auth: Any = None,
                        profile: str | None = None, force_overwrite: bool = False) -> str:
    """Zip ``artifact_dir`` to ``uri``; returns the file path or ``oci://`` URI written."""
    if not uri:
        raise ValueError("upload_artifact() needs a uri: a local path or oci://bucket@namespace/prefix/.")
    if not Path(artifact_dir).is_dir():
        raise CatalogError(f"no prepared artifact at {artifact_dir}; call prepare() first")
    zip_name = f"{model_id}.zip" if model_id else "artifact.zip"
    zipped = zip_artifact(Path(artifact_dir))
    try:
        if uri.startswith("oci://"):
            return _to_bucket(zipped.path, uri, zip_name, auth, profile, force_overwrite)
        return _to_path(zipped.path, uri, zip_name, force_overwrite)
    finally:
        zipped.cleanup()


def _to_path(zip_path: Path, uri: str, zip_name: str, force_overwrite: bool) -> str:
    target = Path(uri).expanduser()
    if uri.endswith(("/", "\\")) or target.is_dir():
        target = target / zip_name
    if target.exists() and not force_overwrite:
        raise FileExistsError(f"{target} exists; pass force_overwrite=True to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(zip_path, target)
    return str(target)


def _to_bucket(zip_path: Path, uri: str, zip_name: str, auth: Any, profile: str | None, force_overwrite: bool) -> str:
    location = BucketUri.parse(uri)
    name = f"{location.prefix}/{zip_name}".lstrip("/") if uri.endswith("/") or not location.prefix \
        else location.prefix
    session = connect(auth, profile)
    if not force_overwrite and object_exists(session, location, name):
        raise CatalogError(f"oci://{location.bucket}@{location.namespace}/{name} exists; pass force_overwrite=True "
                           "to replace it")
    manager = oci.object_storage.UploadManager(session.clients.object_storage, allow_multipart_uploads=True)
    manager.upload_file(location.namespace, location.bucket, name, str(zip_path))
    return f"oci://{location.bucket}@{location.namespace}/{name}"
