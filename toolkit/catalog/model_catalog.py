"""Models in the catalog, through the official ``oci`` SDK only: save, load, list, update, delete.

``GenericModel.save / from_model_catalog / from_id / delete`` delegate here; what they need of the
model is ``toolkit.catalog.protocol.CatalogModel``. The
steps follow ADS: introspect first and refuse a failing artifact, zip it with a SHA-256 manifest,
create the model with its metadata and schemas, record provenance, then stream the artifact.
The same calls hit the local emulator or OCI; only the profile differs.
"""
from __future__ import annotations

import itertools
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

import oci
from oci.data_science.models import (
    CreateModelDetails,
    CreateModelProvenanceDetails,
    Metadata,
    UpdateModelDetails,
)
from oci.resource_search.models import StructuredSearchDetails

from emulator.contracts import model_description
from emulator.contracts.limits import DIRECT_UPLOAD_BYTES
from emulator.contracts.states import LIVE_DEPLOYMENT_STATES
from toolkit.artifact.archive import ZipLimits, extract_fresh, zip_artifact
from toolkit.catalog import bucket_transfer, transfer
from toolkit.catalog import model_by_reference as by_reference
from toolkit.catalog.errors import CatalogError, IntrospectionFailedError, ModelInUseError
from toolkit.catalog.session import CatalogSession, connect, iter_records
from toolkit.catalog.version_set import experiment_version_set, find_by_name
from toolkit.catalog.wire import from_wire, to_wire

MODEL_OCID = re.compile(r"^ocid1\.datasciencemodel\.")
VERSION_SET_OCID = re.compile(r"^ocid1\.datasciencemodelversionset\.")
PROVENANCE_FIELDS = ("repositoryUrl", "gitBranch", "gitCommit", "scriptDir", "trainingScript", "trainingId")


# --------------------------------------------------------------------------------------------
# Save
# --------------------------------------------------------------------------------------------

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
    session = connect(_auth_for(model, auth, profile), profile, timeout)
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


def _auth_for(model: Any, auth: Any, profile: str | None) -> Any:
    """Explicit ``auth`` wins, then an explicit ``profile``, then the auth the model was built with."""
    if auth is not None or profile or isinstance(model, str):
        return auth
    return getattr(model, "auth", None)


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
        defined_metadata_list=_metadata_list(metadata.get("definedMetadataList")),
        custom_metadata_list=_metadata_list(metadata.get("customMetadataList")),
        input_schema=metadata.get("inputSchema"),
        output_schema=metadata.get("outputSchema"),
        **{k: v for k, v in fields.items() if v is not None},
    )


def _metadata_list(items: Any) -> list[Metadata] | None:
    """Wire dicts (``key, value, description, category, hasArtifact``) to SDK Metadata objects."""
    return None if items is None else [from_wire(Metadata, item) for item in items]


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


def resolve_version_set_id(session: CatalogSession, version_set: Any, compartment_id: str, project_id: str) -> str | None:
    """A version set given as object, OCID or name, as its OCID (None when not given)."""
    if version_set is None or version_set == "":
        return None
    if hasattr(version_set, "id") and not isinstance(version_set, str):
        if not version_set.id:
            raise CatalogError("the ModelVersionSet has no id yet; call .create() first")
        return version_set.id
    if VERSION_SET_OCID.match(version_set):
        return version_set
    found = find_by_name(session, compartment_id, version_set)
    if found is None:
        raise CatalogError(
            f"model version set {version_set!r} not found in compartment {compartment_id}; create it with "
            f"ModelVersionSet(name={version_set!r}).create() or `dockyard version-sets create {version_set}`"
        )
    return found.id


# --------------------------------------------------------------------------------------------
# Load and download
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Get, list, update
# --------------------------------------------------------------------------------------------

def get_model(model_id: str, auth: Any = None, profile: str | None = None, timeout: float | tuple | None = None) -> Any:
    """The catalog record (``oci.data_science.models.Model``) of one model."""
    return connect(auth, profile, timeout).ds.get_model(model_id).data


def list_models(
    compartment_id: str | None = None,
    project_id: str | None = None,
    display_name: str | None = None,
    model_version_set_name: str | None = None,
    version_label: str | None = None,
    lifecycle_state: str | None = None,
    sort_by: str | None = None,
    sort_order: str | None = None,
    limit: int | None = None,
    page_size: int = 100,
    auth: Any = None,
    profile: str | None = None,
    timeout: float | tuple | None = None,
) -> Iterator[Any]:
    """Yield ``ModelSummary`` objects page by page (following ``opc-next-page``), up to ``limit``."""
    session = connect(auth, profile, timeout)
    filters = {
        "project_id": project_id,
        "display_name": display_name,
        "model_version_set_name": model_version_set_name,
        "version_label": version_label,
        "lifecycle_state": lifecycle_state,
        "sort_by": sort_by,
        "sort_order": sort_order,
    }
    pages = iter_records(
        session.ds.list_models,
        session.compartment(compartment_id),
        limit=min(page_size, limit) if limit else page_size,
        **{k: v for k, v in filters.items() if v is not None},
    )
    return itertools.islice(pages, limit) if limit else pages


def update_model(
    model_id: str,
    display_name: str | None = None,
    description: str | None = None,
    freeform_tags: dict[str, str] | None = None,
    defined_tags: dict[str, dict[str, Any]] | None = None,
    custom_metadata_list: list[Any] | None = None,
    defined_metadata_list: list[Any] | None = None,
    version_label: str | None = None,
    model_version_set: Any = None,
    auth: Any = None,
    profile: str | None = None,
    timeout: float | tuple | None = None,
    merge_custom_metadata: bool = False,
) -> Any:
    """Update a model's record; only the given fields change, guarded by the current etag.

    The etag read first is sent as ``if-match``, so an update racing another one fails with
    412 instead of silently overwriting it. ``custom_metadata_list`` replaces the list, as OCI's
    update does, unless ``merge_custom_metadata``: then its items replace those with the same key
    and the others (SlugName, ModelFileName, ...) stay.
    """
    session = connect(auth, profile, timeout)
    current = session.ds.get_model(model_id)
    if merge_custom_metadata and custom_metadata_list is not None:
        custom_metadata_list = merged_metadata(current.data.custom_metadata_list or [], custom_metadata_list)
    fields = {
        "display_name": display_name,
        "description": description,
        "freeform_tags": freeform_tags,
        "defined_tags": defined_tags,
        "custom_metadata_list": _metadata_list(custom_metadata_list),
        "defined_metadata_list": _metadata_list(defined_metadata_list),
        "version_label": version_label,
    }
    if model_version_set is not None:
        record = current.data
        fields["model_version_set_id"] = resolve_version_set_id(
            session, model_version_set, record.compartment_id, record.project_id
        )
    details = UpdateModelDetails(**{k: v for k, v in fields.items() if v is not None})
    return session.ds.update_model(model_id, details, if_match=current.headers.get("etag")).data


def merged_metadata(current: list[Any], changes: list[Any]) -> list[dict[str, Any]]:
    """``current`` (SDK objects or wire dicts) with ``changes`` applied by key: a changed item keeps the
    description and category it had unless the change gives its own; new keys are appended."""
    merged = {item["key"]: item for item in (_wire_item(m) for m in current)}
    for change in (_wire_item(m) for m in changes):
        old = merged.get(change["key"]) or {"category": "Other"}  # ADS's category for a new custom item
        merged[change["key"]] = {**old, **{k: v for k, v in change.items() if v is not None}}
    return list(merged.values())


def _wire_item(item: Any) -> dict[str, Any]:
    return dict(item) if isinstance(item, Mapping) else to_wire(item)


def update_model_metadata(model: Any, auth: Any = None, profile: str | None = None, **fields: Any) -> Any:
    """Push a saved model's current metadata (``catalog_metadata()``) to its catalog record."""
    if not getattr(model, "model_id", None):
        raise CatalogError("model is not saved to the catalog yet (no model_id); call .save() first")
    metadata = model.catalog_metadata()
    return update_model(
        model.model_id,
        custom_metadata_list=metadata.get("customMetadataList"),
        defined_metadata_list=metadata.get("definedMetadataList"),
        auth=_auth_for(model, auth, profile),
        profile=profile,
        **fields,
    )


# --------------------------------------------------------------------------------------------
# Delete
# --------------------------------------------------------------------------------------------

def delete_model(
    model: Any,
    delete_associated_model_deployment: bool = False,
    auth: Any = None,
    profile: str | None = None,
    timeout: float | tuple | None = None,
    wait_seconds: float = 600,
) -> None:
    """Delete a model (object with ``model_id``, or its OCID), refusing while deployments use it.

    As ADS does, deployments are found with Resource Search; with
    ``delete_associated_model_deployment=True`` they are deleted first (waiting for each).
    """
    model_id = model if isinstance(model, str) else getattr(model, "model_id", None)
    if not model_id:
        raise CatalogError("model is not saved to the catalog (no model_id); nothing to delete")
    session = connect(_auth_for(model, auth, profile), profile, timeout)
    deployments = deployments_using(session, model_id)
    if deployments and not delete_associated_model_deployment:
        raise ModelInUseError(model_id, deployments)
    for deployment_id in deployments:
        response = session.ds.delete_model_deployment(deployment_id)
        work_request = response.headers.get("opc-work-request-id")
        if work_request:
            session.wait_for_work_request(work_request, wait_seconds)
    session.ds.delete_model(model_id)
    if not isinstance(model, str):
        model.model_id = None


def deployments_using(session: CatalogSession, model_id: str) -> list[str]:
    """OCIDs of live model deployments of ``model_id`` (Resource Search, the query ADS runs)."""
    query = f"query datasciencemodeldeployment resources where ModelId='{model_id}'"
    details = StructuredSearchDetails(query=query, type="Structured", matching_context_type="NONE")
    try:
        items = list(iter_records(session.clients.resource_search.search_resources, details))
    except oci.exceptions.ServiceError as exc:
        if exc.status != 404 or not session.profile.is_local:
            raise
        return _deployments_by_listing(session, model_id)  # an emulator without Resource Search
    return [item.identifier for item in items if item.lifecycle_state in LIVE_DEPLOYMENT_STATES]


def _deployments_by_listing(session: CatalogSession, model_id: str) -> list[str]:
    """Fallback: scan the model's compartment's deployments for ones that serve it."""
    record = session.ds.get_model(model_id).data
    summaries = iter_records(session.ds.list_model_deployments, record.compartment_id)
    live = [s for s in summaries if s.lifecycle_state in LIVE_DEPLOYMENT_STATES]
    return [s.id for s in live if _serves(s, model_id)]


def _serves(summary: Any, model_id: str) -> bool:
    details = getattr(summary, "model_deployment_configuration_details", None)
    config = getattr(details, "model_configuration_details", None)
    return getattr(config, "model_id", None) == model_id
