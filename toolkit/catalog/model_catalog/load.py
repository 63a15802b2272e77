"""Loading a catalog model back: its record, provenance and artifact (downloaded, manifest-verified and
extracted within the zip limits, or the object versions a model by reference names)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import oci

from emulator.contracts import model_description
from toolkit.artifact.archive import ZipLimits, extract_fresh
from toolkit.catalog import bucket_transfer, transfer
from toolkit.catalog import model_by_reference as by_reference
from toolkit.catalog.session import CatalogSession, connect
from toolkit.catalog.wire import to_wire

PROVENANCE_FIELDS = ("repositoryUrl", "gitBranch", "gitCommit", "scriptDir", "trainingScript", "trainingId")


def load_model_from_catalog(
    cls: Any,
    model_id: str,
    artifact_dir: str | Path | None = None,
    auth: Any = None,
    profile: str | None = None,
    force_overwrite: bool = False,
    timeout: float | tuple | None = None,
    show_progress: bool | None = None,
    bucket_uri: str | None = None,
    remove_existing_artifact: bool = True,
    download: bool = True,
    region: str | None = None,
    **from_artifact_kwargs: Any,
) -> Any:
    """Download a catalog model's artifact, verify its manifest and build a ``cls`` from it.

    The artifact goes to ``artifact_dir`` (a new temp dir when None); the catalog record's
    metadata, schemas and provenance are then restored on the model, and ``model_id`` set.
    ``download=False`` (ADS's ``download_artifact=False``) skips the artifact: the model is built
    from the record alone, with no estimator.
    """
    session = connect(auth, profile, timeout)
    record = session.ds.get_model(model_id).data
    limits = ZipLimits.resolve(from_artifact_kwargs.get("max_unzipped_bytes"), from_artifact_kwargs.get("max_zip_ratio"))
    target = Path(artifact_dir) if artifact_dir else Path(tempfile.mkdtemp(prefix="dockyard-model-"))
    if download:
        try:
            _download_into(session, model_id, target, force_overwrite, show_progress, bucket_uri, limits,
                           remove_existing_artifact, region)
        except BaseException:
            if not artifact_dir:
                shutil.rmtree(target, ignore_errors=True)
            raise
        model = cls.from_model_artifact(str(target), auth=auth, **from_artifact_kwargs)
    else:
        options = {k: from_artifact_kwargs.pop(k, None)
                   for k in ("model_file_name", "ignore_conda_error", "max_unzipped_bytes", "max_zip_ratio")}
        model = cls(estimator=None, artifact_dir=str(target), auth=auth, **from_artifact_kwargs)
        model.model_file_name = options["model_file_name"]
    model.apply_catalog_metadata(to_wire(record), get_provenance(session, model_id))
    model.model_id = model_id
    return model


def download_artifact(
    model_id: str,
    target: str | Path,
    unzip: bool = True,
    force: bool = False,
    auth: Any = None,
    profile: str | None = None,
    timeout: float | tuple | None = None,
    show_progress: bool | None = None,
    bucket_uri: str | None = None,
    max_unzipped_bytes: int | str | None = None,
    max_zip_ratio: float | None = None,
    remove_existing_artifact: bool = True,
    region: str | None = None,
) -> Path:
    """Download a model's artifact: extracted and verified into a directory, or (``unzip=False``) as the zip.

    Extraction holds the zip to ``max_unzipped_bytes`` and ``max_zip_ratio`` (defaults from
    ``DOCKYARD_MAX_UNZIPPED_BYTES`` / ``DOCKYARD_MAX_ZIP_RATIO``) and leaves nothing behind when it fails."""
    session = connect(auth, profile, timeout)
    target = Path(target).expanduser()
    if unzip:
        limits = ZipLimits.resolve(max_unzipped_bytes, max_zip_ratio)
        return _download_into(session, model_id, target, force, show_progress, bucket_uri, limits,
                              remove_existing_artifact, region)
    if target.is_dir():
        target = target / f"{model_id}.zip"
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists; pass force/--force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    return _download_zip(session, model_id, target, show_progress, bucket_uri, remove_existing_artifact, region)


def _download_zip(session: CatalogSession, model_id: str, target: Path, show_progress: bool | None,
                  bucket_uri: str | None, remove_existing_artifact: bool = True, region: str | None = None) -> Path:
    if bucket_uri:
        return bucket_transfer.download_via_bucket(session, model_id, target, bucket_uri, remove_existing_artifact,
                                                   show_progress=show_progress, region=region)
    return transfer.download_artifact_zip(session.ds, model_id, target, show_progress)


def _download_into(session: CatalogSession, model_id: str, target: Path, force: bool, show_progress: bool | None,
                   bucket_uri: str | None = None, limits: ZipLimits | None = None,
                   remove_existing_artifact: bool = True, region: str | None = None) -> Path:
    """Stream the zip to a temp file, then extract it safely (manifest-verified) into ``target``; for a
    model by reference, fetch the object versions its description names instead."""
    with tempfile.TemporaryDirectory(prefix="dockyard-download-") as tmp:
        zip_path = _download_zip(session, model_id, Path(tmp) / "artifact.zip", show_progress, bucket_uri,
                                 remove_existing_artifact, region)
        description = model_description.read(zip_path)
        if description is None:
            return extract_fresh(zip_path, target, force=force, limits=limits)
    if target.exists() and any(target.iterdir()):
        if not force:
            raise FileExistsError(f"{target} is not empty; pass force/--force to replace it")
        shutil.rmtree(target)
    return by_reference.download_referenced(session, description, target)


def get_provenance(session: CatalogSession, model_id: str) -> dict[str, Any]:
    """The model's provenance in wire form; empty when none was recorded."""
    try:
        provenance = session.ds.get_model_provenance(model_id).data
    except oci.exceptions.ServiceError as exc:
        if exc.status == 404:
            return {}
        raise
    return {k: v for k, v in to_wire(provenance).items() if k in PROVENANCE_FIELDS}
