"""Model group version histories: the lineage of a model group, each new group joining it with the
next ``versionId`` and becoming its ``latestModelGroupId`` (what a clone from the history copies)."""
from __future__ import annotations

from typing import Any

from oci.data_science.models import ModelGroupVersionHistory as _History

from emulator.contracts.states import RESOURCE_DELETED
from emulator.data_science import projects, records, work_requests
from emulator.errors import OCIError, incorrect_state, not_found
from emulator.ocid import new_ocid
from emulator.state import EmulatorState
from emulator.store import Database
from emulator.wire import new_etag, now

KIND = "modelgroupversionhistory"
STATES = tuple(v for k, v in vars(_History).items() if k.startswith("LIFECYCLE_STATE_"))
UPDATABLE = ("displayName", "description", "freeformTags", "definedTags")
SUMMARY = ("id", "compartmentId", "projectId", "displayName", "latestModelGroupId", "freeformTags",
           "definedTags", "systemTags", "lifecycleState", "lifecycleDetails", "timeCreated", "timeUpdated",
           "createdBy")


def history_not_found(ident: str) -> OCIError:
    return not_found("model group version history", ident)


def get(db: Database, history_id: str) -> dict[str, Any]:
    return records.load_live(db, KIND, history_id, history_not_found, "model group version history")


def read(db: Database, history_id: str) -> dict[str, Any]:
    return records.load(db, KIND, history_id, history_not_found)


def create(state: EmulatorState, body: dict[str, Any], created_by: str) -> dict[str, Any]:
    from emulator.data_science import model_groups

    db = state.db
    with db.transaction():
        projects.get(db, body["projectId"])
        time = now()
        record = {
            "id": new_ocid("datasciencemodelgroupversionhistory", state.config.region),
            "compartmentId": body["compartmentId"],
            "projectId": body["projectId"],
            "displayName": body.get("displayName") or f"modelGroupVersionHistory{time[:19].replace(':', '')}",
            "description": body.get("description"),
            "latestModelGroupId": None,
            "freeformTags": body.get("freeformTags") or {},
            "definedTags": body.get("definedTags") or {},
            "systemTags": {},
            "lifecycleState": "ACTIVE",
            "lifecycleDetails": None,
            "timeCreated": time,
            "timeUpdated": time,
            "createdBy": created_by,
            "_lastVersionId": 0,
        }
        records.insert(db, KIND, record)
        if body.get("latestModelGroupId"):
            model_groups.update(db, body["latestModelGroupId"], {"modelGroupVersionHistoryId": record["id"]}, None)
        return db.get(KIND, record["id"])


def next_version_id(db: Database, history_id: str) -> int:
    """The next version number; never reused, even after groups are deleted."""
    record = get(db, history_id)
    record["_lastVersionId"] = int(record.get("_lastVersionId", 0)) + 1
    db.update(KIND, history_id, record)
    return record["_lastVersionId"]


def set_latest(db: Database, history_id: str, group_id: str) -> None:
    record = get(db, history_id)
    record["latestModelGroupId"] = group_id
    record["timeUpdated"] = now()
    records.save(db, KIND, record)


def update(db: Database, history_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
    """Names and tags change; a new ``latestModelGroupId`` joins that group to the history."""
    from emulator.data_science import model_groups

    with db.transaction():
        record = get(db, history_id)
        records.check_etag(record, if_match)
        records.apply(record, body, UPDATABLE)
        record["timeUpdated"] = now()
        records.save(db, KIND, record)
        latest = body.get("latestModelGroupId")
        if latest and latest != record.get("latestModelGroupId"):
            group = model_groups.get(db, latest)
            if group.get("modelGroupVersionHistoryId") == history_id:
                set_latest(db, history_id, latest)
            else:
                model_groups.update(db, latest, {"modelGroupVersionHistoryId": history_id}, None)
        return db.get(KIND, history_id)


def delete(state: EmulatorState, history_id: str, if_match: str | None) -> dict[str, Any]:
    """Delete through a MODEL_GROUP_VERSION_HISTORY_DELETE work request; 409 while live groups are in it."""
    from emulator.data_science import model_groups

    db = state.db
    with db.transaction():
        record = get(db, history_id)
        records.check_etag(record, if_match)
        members = {"modelGroupVersionHistoryId": history_id,
                   "lifecycleState": records.not_deleted(model_groups.STATES)}
        if db.count(model_groups.KIND, members):
            raise incorrect_state(f"Model group version history {history_id} still has model groups; "
                                  "delete them first.")
        state.tombstones.bury(KIND, record, new_etag())
    return work_requests.completed(db, "MODEL_GROUP_VERSION_HISTORY_DELETE", record["compartmentId"],
                                   [work_requests.resource("modelgroupversionhistory", history_id,
                                                           RESOURCE_DELETED,
                                                           f"/modelGroupVersionHistory/{history_id}")],
                                   f"Deleted model group version history {history_id}", state.config.region)


def summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in SUMMARY}
