"""Saving a model to the catalog, as ADS does: introspect first and refuse a failing artifact, zip it
with a SHA-256 manifest, create the model with its metadata and schemas, record provenance, then
stream the artifact (directly, or through Object Storage past 2 GB); a failure after the create
deletes the half-saved model. ``model_by_reference=True`` keeps the files in a versioned bucket.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from oci.data_science.models import CreateModelDetails, CreateModelProvenanceDetails

from emulator.contracts.limits import DIRECT_UPLOAD_BYTES
from toolkit.artifact.archive import zip_artifact
from toolkit.catalog import bucket_transfer, transfer
from toolkit.catalog import model_by_reference as by_reference
from toolkit.catalog.errors import CatalogError, IntrospectionFailedError
from toolkit.catalog.model_catalog.records import auth_for, metadata_list, resolve_version_set_id
from toolkit.catalog.session import CatalogSession, connect
from toolkit.catalog.version_set import experiment_version_set
from toolkit.catalog.wire import from_wire


def save_model(
    model: Any,
    display_name: str | None = None,
    description: str | None = None,
    compartment_id: str | None = None,
    project_id: str | None = None,
    model_version_set: Any = None,
    version_label: str | None = None,
    ignore_introspection: bool = False,
    freeform_tags: dict[str, str] | None = None,
    defined_tags: dict[str, dict[str, Any]] | None = None,
    auth: Any = None,
    profile: str | None = None,
    timeout: float | tuple | None = None,
    show_progress: bool | None = None,
    bucket_uri: str | None = None,
    remove_existing_artifact: bool = True,
    overwrite_existing_artifact: bool = True,
    region: str | None = None,
    model_by_reference: bool = False,
) -> str:
    """Save a prepared model to the catalog and return its OCID (also set as ``model.model_id``).

    Refuses an artifact whose introspection fails (ADS behaviour) unless
    ``ignore_introspection=True``. ``model_version_set`` is a name, an OCID or a
    ``ModelVersionSet``. Artifacts over 2 GB need ``bucket_uri="oci://bucket@namespace/prefix"``
    (ADS rule) and then travel through Object Storage (``overwrite_existing_artifact``,
    ``remove_existing_artifact`` and ``region`` apply to that object). ``model_by_reference=True``
    leaves the files under ``bucket_uri`` (a versioned bucket) and the catalog holds their description.
    """
    artifact_dir = _artifact_dir(model)
    if not ignore_introspection:
        _require_introspection(model)
    session = connect(auth_for(model, auth, profile), profile, timeout)
    compartment = session.compartment(compartment_id)
    project = session.project(project_id, compartment)
    metadata = model.catalog_metadata()
    zipped = None if model_by_reference else zip_artifact(artifact_dir)
    try:
        if zipped is None:
            metadata, upload = _by_reference(session, metadata, artifact_dir, bucket_uri)
        else:
            upload = _uploader(zipped.size, bucket_uri, remove_existing_artifact, show_progress,
                               overwrite_existing_artifact, region)
        model_id = register_artifact(
            session, metadata, zipped.path if zipped else None, upload,
            compartment_id=compartment,
            project_id=project,
            display_name=display_name or _default_display_name(model),
            description=description,
            freeform_tags=freeform_tags,
            defined_tags=defined_tags,
            model_version_set_id=resolve_version_set_id(session, model_version_set or experiment_version_set(),
                                                        compartment, project),
            version_label=version_label,
        )
    finally:
        if zipped is not None:
            zipped.cleanup()
    model.model_id = model_id
    return model_id


def _by_reference(session: CatalogSession, metadata: Mapping[str, Any], artifact_dir: Path,
                  bucket_uri: str | None) -> tuple[dict[str, Any], Any]:
    """Put the artifact's files in the bucket; (the metadata with ADS's flag, the description's upload)."""
    if not bucket_uri:
        raise CatalogError("save(model_by_reference=True) keeps the artifact in Object Storage: pass "
                           "bucket_uri='oci://<versioned bucket>@<namespace>/<prefix>/'")
    description = by_reference.describe(session, [by_reference.upload_folder(session, artifact_dir, bucket_uri)])
    flagged = {**metadata, "customMetadataList": by_reference.with_flag(metadata.get("customMetadataList"))}
    return flagged, lambda s, model_id, _path: by_reference.upload_description(s, model_id, description)


def register_artifact(session: CatalogSession, metadata: Mapping[str, Any], zip_path: Path | None, upload: Any,
                      **fields: Any) -> str:
    """Create a model with ``metadata`` (``CatalogMetadata`` wire form) and ``fields``
    (CreateModelDetails' names), then its provenance and artifact (``upload(session, model_id, zip_path)``,
    see ``uploader``); a failure after create deletes the half-saved model."""
    return _create_with_artifact(session, _create_details(metadata, **fields), metadata.get("provenance"), zip_path,
                                 upload)


def uploader(size: int, bucket_uri: str | None = None, remove_existing_artifact: bool = True,
             show_progress: bool | None = None, overwrite_existing_artifact: bool = True,
             region: str | None = None) -> Any:
    """How a zip of ``size`` bytes reaches a model: directly, or through Object Storage (``bucket_uri``,
    required past 2 GB, as ADS rules)."""
    return _uploader(size, bucket_uri, remove_existing_artifact, show_progress, overwrite_existing_artifact, region)


def _artifact_dir(model: Any) -> Path:
    """The prepared artifact directory; saving an unprepared model is a usage error."""
    artifact_dir = getattr(model, "artifact_dir", None)
    if not artifact_dir or not Path(artifact_dir).is_dir():
        raise CatalogError(f"model has no prepared artifact (artifact_dir={artifact_dir!r}); call .prepare() first")
    return Path(artifact_dir)


def _require_introspection(model: Any) -> None:
    result = model.introspect()
    if not getattr(result, "passed", False):
        raise IntrospectionFailedError(getattr(result, "failures", []))


def _default_display_name(model: Any) -> str:
    """ADS names unnamed models itself; ours says what and when: ``SklearnModel-20250101-120000``."""
    return f"{type(model).__name__}-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}"


def _create_details(metadata: Mapping[str, Any], **fields: Any) -> CreateModelDetails:
    """CreateModelDetails from the model's wire-ready ``CatalogMetadata`` and the save arguments."""
    return CreateModelDetails(
        defined_metadata_list=metadata_list(metadata.get("definedMetadataList")),
        custom_metadata_list=metadata_list(metadata.get("customMetadataList")),
        input_schema=metadata.get("inputSchema"),
        output_schema=metadata.get("outputSchema"),
        **{k: v for k, v in fields.items() if v is not None},
    )


def _uploader(size: int, bucket_uri: str | None, remove_existing: bool, show_progress: bool | None,
              overwrite_existing: bool = True, region: str | None = None) -> Any:
    """How the zip reaches the model: directly, or (bucket_uri, required past 2 GB) via Object Storage."""
    if bucket_uri:
        return lambda session, model_id, path: bucket_transfer.upload_via_bucket(
            session, model_id, path, bucket_uri, remove_existing, show_progress,
            overwrite_existing_artifact=overwrite_existing, region=region,
        )
    if size > DIRECT_UPLOAD_BYTES:
        raise CatalogError(
            f"the artifact zip is {size / 1024**3:.1f} GB; artifacts over 2 GB must go through Object Storage: "
            "pass bucket_uri='oci://<bucket>@<namespace>/<prefix>'"
        )
    return lambda session, model_id, path: transfer.upload_artifact(session.ds, model_id, path, show_progress)


def _create_with_artifact(
    session: CatalogSession, details: CreateModelDetails, provenance: Any, zip_path: Path, upload: Any
) -> str:
    """Create model, provenance and artifact; a failure after create deletes the half-saved model."""
    model_id = session.ds.create_model(details).data.id
    try:
        if provenance and any(v is not None for v in provenance.values()):
            session.ds.create_model_provenance(model_id, _provenance_details(provenance))
        upload(session, model_id, zip_path)
    except BaseException:
        _delete_quietly(session, model_id)
        raise
    return model_id


def _provenance_details(provenance: Mapping[str, Any]) -> CreateModelProvenanceDetails:
    return from_wire(CreateModelProvenanceDetails, {k: v for k, v in provenance.items() if v is not None})


def _delete_quietly(session: CatalogSession, model_id: str) -> None:
    try:
        session.ds.delete_model(model_id)
    except Exception:  # best effort: the original error is the one to report
        pass
