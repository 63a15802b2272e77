"""Projects: the container models and version sets belong to."""
from __future__ import annotations

from typing import Any

from emulator.data_science import records
from emulator.data_science.errors import project_not_found
from emulator.contracts.states import MODEL_STATES, PROJECT_ACTIVE, VERSION_SET_STATES
from emulator.errors import incorrect_state
from emulator.ocid import new_ocid
from emulator.state import EmulatorState
from emulator.store import Database, kinds
from emulator.wire import new_etag, now

KIND = kinds.PROJECT
UPDATABLE = ("displayName", "description", "freeformTags", "definedTags")
SUMMARY = ("id", "timeCreated", "displayName", "description", "compartmentId", "createdBy", "lifecycleState",
           "freeformTags", "definedTags", "systemTags")


def create(state: EmulatorState, body: dict[str, Any], created_by: str) -> dict[str, Any]:
    time = now()
    record = {
        "id": new_ocid("datascienceproject", state.config.region),
        "timeCreated": time,
        "displayName": body.get("displayName") or f"project{time[:19].replace(':', '')}",
        "description": body.get("description"),
        "compartmentId": body["compartmentId"],
        "createdBy": created_by,
        "lifecycleState": PROJECT_ACTIVE,
        "freeformTags": body.get("freeformTags") or {},
        "definedTags": body.get("definedTags") or {},
        "systemTags": {},
    }
    return records.insert(state.db, KIND, record)


def get(db: Database, project_id: str) -> dict[str, Any]:
    """The project for a write or to create something in it: 409 when deleted."""
    return records.load_live(db, KIND, project_id, project_not_found, "project")


def read(db: Database, project_id: str) -> dict[str, Any]:
    """The project as GET answers it, a deleted one included (until its tombstone is purged)."""
    return records.load(db, KIND, project_id, project_not_found)


def update(db: Database, project_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
    with db.transaction():
        record = get(db, project_id)
        records.check_etag(record, if_match)
        records.apply(record, body, UPDATABLE)
        return records.save(db, KIND, record)


def delete(state: EmulatorState, project_id: str, if_match: str | None) -> dict[str, Any]:
    """Delete an empty project (its tombstone stays readable); 409 while models or version sets live in it."""
    db = state.db
    with db.transaction():
        record = get(db, project_id)
        records.check_etag(record, if_match)
        for kind, what, states in ((kinds.MODEL, "models", MODEL_STATES),
                                   (kinds.MODEL_VERSION_SET, "model version sets", VERSION_SET_STATES)):
            if db.count(kind, {"projectId": project_id, "lifecycleState": records.not_deleted(states)}):
                raise incorrect_state(f"Project {project_id} still contains {what}; delete them first.")
        return state.tombstones.bury(KIND, record, new_etag())


def summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in SUMMARY}
