"""A model group pulled with its deployment: its members mapped to their local copies, its details
(type, custom metadata, a stacked group's base model), inference keys and version label, and a
homogeneous group's own artifact streamed and digest-checked. The local group carries a ``PulledFrom``
freeform tag (the source group's OCID) that a later pull finds it by.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from oci.data_science import models as ds_models

from emulator.contracts.states import ACTIVE
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession, iter_records
from toolkit.promote.digests import check_against_headers, headers_or_none, stream_to
from toolkit.promote.marker import PULL_KEY


def members(group: Any) -> list[tuple[str, str | None]]:
    """(model OCID, inference key) of each member of a group record."""
    entries = group.member_model_entries.member_model_details if group.member_model_entries else []
    return [(m.model_id, m.inference_key) for m in entries or []]


def find_copy(session: CatalogSession, compartment: str, source_group_id: str) -> Any:
    """An ACTIVE group an earlier pull of ``source_group_id`` created in ``compartment``, or None."""
    for summary in iter_records(session.ds.list_model_groups, compartment, lifecycle_state=ACTIVE):
        if (summary.freeform_tags or {}).get(PULL_KEY) == source_group_id:
            return session.ds.get_model_group(summary.id).data
    return None


def create_details(group: Any, copies: dict[str, str], compartment: str,
                   project: str | None) -> ds_models.CreateModelGroupDetails:
    """The local group: the source's name, description, tags, details and inference keys, each member
    (and a stacked group's base model) replaced by its local copy."""
    details = group.model_group_details  # the SDK's subtype (homogeneous, stacked, heterogeneous), as read
    if getattr(details, "base_model_id", None):
        details.base_model_id = copies[details.base_model_id]
    entries = [ds_models.MemberModelDetails(model_id=copies[model_id], inference_key=key)
               for model_id, key in members(group)]
    return ds_models.CreateModelGroupDetails(
        create_type="CREATE", compartment_id=compartment, project_id=project, display_name=group.display_name,
        description=group.description, version_label=group.version_label, model_group_details=details,
        member_model_entries=ds_models.MemberModelEntries(member_model_details=entries),
        freeform_tags={**(group.freeform_tags or {}), PULL_KEY: group.id}, defined_tags=group.defined_tags or None)


def _headers(session: CatalogSession, group_id: str) -> Any:
    return headers_or_none(session.ds.head_model_group_artifact, group_id)


def copy_artifact(src: CatalogSession, dst: CatalogSession, source_id: str, target_id: str, path: Path) -> str:
    """Stream the source group's artifact to ``path`` and upload it to the local group unless it already
    holds one; the local digest must match. Returns what was done ("none", "exists", "upload")."""
    if _headers(src, source_id) is None:
        return "none"
    if _headers(dst, target_id) is not None:
        return "exists"
    digest = stream_to(src.ds.get_model_group_artifact_content(source_id), path)
    with open(path, "rb") as body:
        dst.ds.create_model_group_artifact(target_id, body, content_length=digest.size,
                                           content_disposition=f'attachment; filename="{target_id}.zip"')
    headers = _headers(dst, target_id)
    if headers is None:
        raise CatalogError(f"the local model group {target_id} has no artifact after the upload")
    check_against_headers(headers, digest, "local model group")
    return "upload"

