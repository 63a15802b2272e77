"""A model's catalog record: get, list, update (etag-guarded; metadata merged by key), delete (refused
while deployments use it, found with Resource Search as ADS does), and the version set a record names."""
from __future__ import annotations

import itertools
import re
from typing import Any, Iterator, Mapping

import oci
from oci.data_science.models import Metadata, UpdateModelDetails
from oci.resource_search.models import StructuredSearchDetails

from emulator.contracts.states import LIVE_DEPLOYMENT_STATES
from toolkit.catalog.errors import CatalogError, ModelInUseError
from toolkit.catalog.session import CatalogSession, connect, iter_records
from toolkit.catalog.version_set import find_by_name
from toolkit.catalog.wire import from_wire, to_wire

VERSION_SET_OCID = re.compile(r"^ocid1\.datasciencemodelversionset\.")


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
        "custom_metadata_list": metadata_list(custom_metadata_list),
        "defined_metadata_list": metadata_list(defined_metadata_list),
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
        auth=auth_for(model, auth, profile),
        profile=profile,
        **fields,
    )


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
    session = connect(auth_for(model, auth, profile), profile, timeout)
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


def auth_for(model: Any, auth: Any, profile: str | None) -> Any:
    """Explicit ``auth`` wins, then an explicit ``profile``, then the auth the model was built with."""
    if auth is not None or profile or isinstance(model, str):
        return auth
    return getattr(model, "auth", None)


def metadata_list(items: Any) -> list[Metadata] | None:
    """Wire dicts (``key, value, description, category, hasArtifact``) to SDK Metadata objects."""
    return None if items is None else [from_wire(Metadata, item) for item in items]


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
