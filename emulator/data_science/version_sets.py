"""Model version sets: named groups of models with auto-incremented ``versionId`` and labels."""
from __future__ import annotations

from typing import Any

from emulator.data_science import records, work_requests
from emulator.data_science.errors import version_set_name_taken, version_set_not_found
from emulator.contracts.states import MODEL_STATES, VERSION_SET_STATES
from emulator.errors import incorrect_state
from emulator.ocid import new_ocid
from emulator.state import EmulatorState
from emulator.store import Database
from emulator.wire import new_etag, now

KIND = "modelversionset"
UPDATABLE = ("description", "freeformTags", "definedTags")
SUMMARY = ("id", "compartmentId", "projectId", "name", "lifecycleState", "timeCreated", "timeUpdated",
           "createdBy", "category", "freeformTags", "definedTags", "systemTags")


def get(db: Database, set_id: str) -> dict[str, Any]:
    """The version set for a write or to add a model to: 409 when deleted."""
    return records.load_live(db, KIND, set_id, version_set_not_found, "model version set")


def read(db: Database, set_id: str) -> dict[str, Any]:
    """The version set as GET answers it, a deleted one included (until its tombstone is purged)."""
    return records.load(db, KIND, set_id, version_set_not_found)


def create(state: EmulatorState, body: dict[str, Any], created_by: str) -> dict[str, Any]:
    from emulator.data_science import projects

    db = state.db
    with db.transaction():
        projects.get(db, body["projectId"])
        taken = {"compartmentId": body["compartmentId"], "name": body["name"],
                 "lifecycleState": records.not_deleted(VERSION_SET_STATES)}
        if db.count(KIND, taken):
            raise version_set_name_taken(body["name"])
        time = now()
        record = {
            "id": new_ocid("datasciencemodelversionset", state.config.region),
            "compartmentId": body["compartmentId"],
            "projectId": body["projectId"],
            "name": body["name"],
            "description": body.get("description"),
            "lifecycleState": "ACTIVE",
            "timeCreated": time,
            "timeUpdated": time,
            "createdBy": created_by,
            "category": "USER",
            "freeformTags": body.get("freeformTags") or {},
            "definedTags": body.get("definedTags") or {},
            "systemTags": {},
            "_lastVersionId": 0,
        }
        return records.insert(db, KIND, record)


def next_version_id(db: Database, set_id: str) -> int:
    """The next version number of the set; never reused, even after models are deleted."""
    with db.transaction():
        record = get(db, set_id)
        record["_lastVersionId"] = int(record.get("_lastVersionId", 0)) + 1
        db.update(KIND, set_id, record)  # a counter bump is not a user-visible change: same etag
        return record["_lastVersionId"]


def update(db: Database, set_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
    with db.transaction():
        record = get(db, set_id)
        records.check_etag(record, if_match)
        records.apply(record, body, UPDATABLE)
        record["timeUpdated"] = now()
        return records.save(db, KIND, record)


def delete(state: EmulatorState, set_id: str, if_match: str | None, delete_models: bool) -> dict[str, Any]:
    """Delete the set (and its models when asked) through a MODELVERSIONSET_DELETE work request.

    Without ``isDeleteRelatedModels`` a set that still has models is refused with 409, as in OCI."""
    from emulator.data_science import models

    db = state.db
    with db.transaction():
        record = get(db, set_id)
        records.check_etag(record, if_match)
        members = {"modelVersionSetId": set_id, "lifecycleState": records.not_deleted(MODEL_STATES)}
        member_ids = [m["id"] for m in db.list(models.KIND, members).items]
        if member_ids and not delete_models:
            raise incorrect_state(f"Model version set {set_id} still has {len(member_ids)} model(s); delete them "
                                  "or pass isDeleteRelatedModels=true.")
        resources = [work_requests.resource("modelversionset", set_id, "DELETED", f"/modelVersionSets/{set_id}")]
        request = work_requests.create(db, "MODELVERSIONSET_DELETE", record["compartmentId"], resources,
                                       state.config.region)
    work_requests.start(db, request["id"], f"Deleting model version set {set_id}")
    try:
        for index, model_id in enumerate(member_ids, start=1):
            models.delete(state, model_id, None)
            work_requests.progress(db, request["id"], 100.0 * index / (len(member_ids) + 1),
                                   f"Deleted model {model_id}")
        state.tombstones.bury(KIND, get(db, set_id), new_etag())
    except Exception as exc:  # record the failure where the client looks for it, then re-raise
        work_requests.fail(db, request["id"], "InternalServerError", str(exc))
        raise
    return work_requests.succeed(db, request["id"], f"Deleted model version set {set_id}")


def summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in SUMMARY}
