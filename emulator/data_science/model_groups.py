"""Model groups: a versioned, immutable set of member models (each with an optional inference key)
that one model deployment serves side by side (OCI's Multi-Model Serving).

A group is HOMOGENEOUS (members share one runtime; the group may carry a deployment artifact),
STACKED (a base model plus fine-tuned members) or HETEROGENEOUS (BYOC). It is created from members
(``createType`` CREATE) or cloned from a group or a version history's latest group with its
details modified and members patched (CLONE). Members never change after creation: a new member set
is a new group, joined to a version history that remembers the latest one.

Create and delete are asynchronous in OCI (the SDK's composite waits on the work request named by
``opc-work-request-id``); here they finish before the answer, with a SUCCEEDED work request.
"""
from __future__ import annotations

import copy
from typing import Any

from oci.data_science.models import ModelGroup as _ModelGroup
from oci.data_science.models import ModelGroupDetails as _Details

from emulator.contracts.states import LIVE_DEPLOYMENT_STATES, RESOURCE_CREATED, RESOURCE_DELETED, RESOURCE_UPDATED
from emulator.data_science import model_group_version_histories as histories
from emulator.data_science import models, projects, records, work_requests
from emulator.data_science.errors import not_active
from emulator.data_science.validation import normalize_metadata
from emulator.errors import OCIError, incorrect_state, invalid, not_found
from emulator.ocid import new_ocid
from emulator.state import EmulatorState
from emulator.store import Database, kinds
from emulator.wire import new_etag, now, require_ocid

KIND = "modelgroup"
STATES = tuple(v for k, v in vars(_ModelGroup).items() if k.startswith("LIFECYCLE_STATE_"))
ACTIVE, INACTIVE = _ModelGroup.LIFECYCLE_STATE_ACTIVE, _ModelGroup.LIFECYCLE_STATE_INACTIVE
TYPES = tuple(v for k, v in vars(_Details).items() if k.startswith("TYPE_"))
STACKED = _Details.TYPE_STACKED
UPDATABLE = ("displayName", "description", "freeformTags", "definedTags")
SUMMARY = ("id", "compartmentId", "projectId", "displayName", "createdBy", "timeCreated", "timeUpdated",
           "lifecycleState", "lifecycleDetails", "modelGroupVersionHistoryId", "modelGroupVersionHistoryName",
           "versionLabel", "versionId", "modelGroupDetails", "freeformTags", "definedTags", "systemTags")
MEMBER_SUMMARY = ("compartmentId", "projectId", "displayName", "createdBy", "timeCreated", "lifecycleState",
                  "lifecycleDetails", "category", "isModelByReference", "freeformTags", "definedTags")
# the field of a deployment record naming the model group it serves
DEPLOYED_GROUP_FIELD = "modelDeploymentConfigurationDetails.modelGroupConfigurationDetails.modelGroupId"


def group_not_found(ident: str) -> OCIError:
    return not_found("model group", ident)


def get(db: Database, group_id: str) -> dict[str, Any]:
    """The group for a write or a dependent operation (artifact, deployment): 409 when deleted."""
    return records.load_live(db, KIND, group_id, group_not_found, "model group")


def read(db: Database, group_id: str) -> dict[str, Any]:
    """The group as GET answers it, a deleted one included (until its tombstone is purged)."""
    return records.load(db, KIND, group_id, group_not_found)


def create(state: EmulatorState, body: dict[str, Any], created_by: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create (or clone) a group; returns it and its SUCCEEDED MODEL_GROUP_CREATE work request."""
    db = state.db
    with db.transaction():
        project = projects.get(db, body["projectId"])
        if project["lifecycleState"] != "ACTIVE":
            raise not_active("project", project["id"], project["lifecycleState"])
        source = _clone_source(db, body) if body.get("createType") == "CLONE" else body
        time = now()
        record = {
            "id": new_ocid("datasciencemodelgroup", state.config.region),
            "compartmentId": body["compartmentId"],
            "projectId": body["projectId"],
            "displayName": source.get("displayName") or f"modelGroup{time[:19].replace(':', '')}",
            "description": source.get("description"),
            "modelGroupDetails": _details(db, source.get("modelGroupDetails")),
            "memberModelEntries": {"memberModelDetails": _members(db, source.get("memberModelEntries"))},
            "freeformTags": source.get("freeformTags") or {},
            "definedTags": source.get("definedTags") or {},
            "systemTags": {},
            "lifecycleState": ACTIVE,
            "lifecycleDetails": None,
            "timeCreated": time,
            "timeUpdated": time,
            "createdBy": created_by,
            "modelGroupVersionHistoryId": None,
            "modelGroupVersionHistoryName": None,
            "versionLabel": source.get("versionLabel"),
            "versionId": None,
            "createType": body.get("createType") or "CREATE",
            "sourceModelGroupId": source.get("_sourceId"),
        }
        _check_base_model(record)
        _join_history(db, record, source.get("modelGroupVersionHistoryId"))
        records.insert(db, KIND, record)
    done = work_requests.completed(db, "MODEL_GROUP_CREATE", record["compartmentId"],
                                   [work_requests.resource("modelgroup", record["id"], RESOURCE_CREATED,
                                                           f"/modelGroups/{record['id']}")],
                                   f"Created model group {record['id']}", state.config.region)
    return record, done


def _details(db: Database, details: Any) -> dict[str, Any]:
    if not isinstance(details, dict) or details.get("type") not in TYPES:
        raise invalid(f"modelGroupDetails.type is required: one of {list(TYPES)}.")
    result = {"type": details["type"],
              "customMetadataList": normalize_metadata(details.get("customMetadataList"), "customMetadataList")}
    if details["type"] == STACKED:
        result["baseModelId"] = require_ocid(details.get("baseModelId"), "modelGroupDetails.baseModelId")
    return result


def _members(db: Database, entries: Any) -> list[dict[str, Any]]:
    """The member list: each model must exist and be ACTIVE; model ids and inference keys are unique."""
    items = (entries or {}).get("memberModelDetails") if isinstance(entries, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid("memberModelEntries.memberModelDetails must list at least one model.")
    members, seen_models, seen_keys = [], set(), set()
    for item in items:
        if not isinstance(item, dict):
            raise invalid("Each memberModelDetails item must be an object with modelId.")
        model_id = require_ocid(item.get("modelId"), "memberModelDetails.modelId")
        key = item.get("inferenceKey")
        if key is not None and (not isinstance(key, str) or not 1 <= len(key) <= 255):
            raise invalid("inferenceKey must be a string of 1 to 255 characters.")
        if model_id in seen_models or (key is not None and key in seen_keys):
            raise invalid(f"Model {model_id} or inference key {key!r} appears twice in the group.")
        model = models.get(db, model_id)
        if model["lifecycleState"] != "ACTIVE":
            raise not_active("model", model_id, model["lifecycleState"])
        seen_models.add(model_id)
        seen_keys.add(key)
        members.append({"modelId": model_id, "inferenceKey": key})
    return members


def _check_base_model(record: dict[str, Any]) -> None:
    base = record["modelGroupDetails"].get("baseModelId")
    if base and base not in member_ids(record):
        raise invalid(f"baseModelId {base} must be one of the group's member models.")


def _clone_source(db: Database, body: dict[str, Any]) -> dict[str, Any]:
    """The CREATE-shaped details of a clone: the source group's, modified and with members patched."""
    details = body.get("modelGroupCloneSourceDetails")
    if not isinstance(details, dict):
        raise invalid("modelGroupCloneSourceDetails is required when createType is CLONE.")
    source_id = require_ocid(details.get("sourceId"), "modelGroupCloneSourceDetails.sourceId")
    if details.get("modelGroupCloneSourceType") == "MODEL_GROUP_VERSION_HISTORY":
        source_id = histories.get(db, source_id).get("latestModelGroupId") or ""
    elif details.get("modelGroupCloneSourceType") != "MODEL_GROUP":
        raise invalid("modelGroupCloneSourceType must be MODEL_GROUP or MODEL_GROUP_VERSION_HISTORY.")
    source = copy.deepcopy(get(db, source_id))
    source["_sourceId"] = source_id
    source["modelGroupVersionHistoryId"] = None
    source["versionLabel"] = None
    for field, value in (details.get("modifyModelGroupDetails") or {}).items():
        if value is not None:
            source[field] = value
    members = source["memberModelEntries"]["memberModelDetails"]
    for patch in (details.get("patchModelGroupMemberModelDetails") or {}).get("items") or []:
        values = patch.get("values") or []
        if patch.get("operation") == "INSERT":
            members.extend(values)
        elif patch.get("operation") == "REMOVE":
            gone = {value.get("modelId") for value in values}
            members[:] = [member for member in members if member["modelId"] not in gone]
        else:
            raise invalid("patchModelGroupMemberModelDetails operations are INSERT or REMOVE.")
    return source


def _join_history(db: Database, record: dict[str, Any], history_id: str | None) -> None:
    """Add the group to a version history as its next version, and make it the history's latest."""
    if not history_id or history_id == record.get("modelGroupVersionHistoryId"):
        return
    history = histories.get(db, history_id)
    record["modelGroupVersionHistoryId"] = history_id
    record["modelGroupVersionHistoryName"] = history["displayName"]
    record["versionId"] = histories.next_version_id(db, history_id)
    histories.set_latest(db, history_id, record["id"])


def member_ids(record: dict[str, Any]) -> list[str]:
    return [member["modelId"] for member in record["memberModelEntries"]["memberModelDetails"]]


def update(db: Database, group_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
    """Names, tags, version label and version history change; members and details never do."""
    with db.transaction():
        record = get(db, group_id)
        records.check_etag(record, if_match)
        records.apply(record, body, UPDATABLE + ("versionLabel",))
        _join_history(db, record, body.get("modelGroupVersionHistoryId"))
        record["timeUpdated"] = now()
        return records.save(db, KIND, record)


def set_state(state: EmulatorState, group_id: str, target: str,
              if_match: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """activate/deactivate: ACTIVE <-> INACTIVE; 409 from any other state or when already there. The
    record, and the SUCCEEDED MODEL_GROUP_UPDATE work request whose id ADS's activate() and
    deactivate() wait on (``opc-work-request-id``; without one they poll forever)."""
    record = _switch(state.db, group_id, target, if_match)
    done = work_requests.completed(state.db, "MODEL_GROUP_UPDATE", record["compartmentId"],
                                   [work_requests.resource("modelgroup", group_id, RESOURCE_UPDATED,
                                                           f"/modelGroups/{group_id}")],
                                   f"Model group {group_id} is {target}", state.config.region)
    return record, done


def _switch(db: Database, group_id: str, target: str, if_match: str | None) -> dict[str, Any]:
    with db.transaction():
        record = get(db, group_id)
        records.check_etag(record, if_match)
        source = INACTIVE if target == ACTIVE else ACTIVE
        if record["lifecycleState"] != source:
            raise incorrect_state(f"Model group {group_id} is {record['lifecycleState']}; "
                                  f"it must be {source} to become {target}.")
        record["lifecycleState"] = target
        record["timeUpdated"] = now()
        return records.save(db, KIND, record)


def delete(state: EmulatorState, group_id: str, if_match: str | None) -> dict[str, Any]:
    """Delete the group (not its member models) through a MODEL_GROUP_DELETE work request; 409 while a
    live deployment serves it. The record stays readable as a tombstone, as in OCI."""
    from emulator.data_science import model_group_artifacts

    db = state.db
    with db.transaction():
        record = get(db, group_id)
        records.check_etag(record, if_match)
        _refuse_if_deployed(db, group_id)
        blob_names = model_group_artifacts.forget(db, group_id)
        record["lifecycleDetails"] = "Deleted"
        state.tombstones.bury(KIND, record, new_etag())
    for name in blob_names:
        state.blobs.delete(name)
    return work_requests.completed(db, "MODEL_GROUP_DELETE", record["compartmentId"],
                                   [work_requests.resource("modelgroup", group_id, RESOURCE_DELETED,
                                                           f"/modelGroups/{group_id}")],
                                   f"Deleted model group {group_id}", state.config.region)


def _refuse_if_deployed(db: Database, group_id: str) -> None:
    filters = {DEPLOYED_GROUP_FIELD: group_id, "lifecycleState": list(LIVE_DEPLOYMENT_STATES)}
    page = db.list(kinds.MODEL_DEPLOYMENT, filters, limit=1)
    if page.items:
        raise incorrect_state(f"Model group {group_id} is used by model deployment {page.items[0]['id']}; "
                              "delete the deployment first.")


def member_models(db: Database, record: dict[str, Any]) -> list[dict[str, Any]]:
    """``ModelGroupModelSummary`` of each member (its model record, deleted ones included)."""
    result = []
    for member in record["memberModelEntries"]["memberModelDetails"]:
        model = db.get(models.KIND, member["modelId"]) or {"lifecycleState": "DELETED"}
        summary = {k: model.get(k) for k in MEMBER_SUMMARY}
        summary.update(id=member["modelId"], modelId=member["modelId"], inferenceKey=member.get("inferenceKey"),
                       timeUpdated=model.get("timeUpdated") or model.get("timeCreated"), systemTags={})
        result.append(summary)
    return result


def summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in SUMMARY}
