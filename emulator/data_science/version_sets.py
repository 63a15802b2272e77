"""Model version sets: named groups of models with auto-incremented ``versionId`` and labels."""
from __future__ import annotations

from typing import Any

from emulator.data_science import projects, records
from emulator.data_science.errors import version_set_name_taken, version_set_not_found
from emulator.contracts.states import VERSION_SET_ACTIVE, VERSION_SET_STATES
from emulator.ocid import new_ocid
from emulator.state import EmulatorState
from emulator.store import Database, kinds
from emulator.wire import now

KIND = kinds.MODEL_VERSION_SET
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
            # OCI's API marks description mandatory on the answer: a set created without one has an
            # empty description, not a null one (inferred; the Go SDK's ModelVersionSet tags it so)
            "description": body.get("description") or "",
            "lifecycleState": VERSION_SET_ACTIVE,
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


def summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in SUMMARY}
