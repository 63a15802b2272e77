"""Work requests: the record of an asynchronous operation that clients poll
(``GET /workRequests/{id}``) until ``percentComplete`` is 100 and ``status`` is final.

Any service uses these functions (model version set deletes, artifact export/import here,
model deployments in ``emulator.model_deployment``). They take the database explicitly so they
work from request handlers and background threads alike. Logs and errors are kept in the record's
private ``_logs``/``_errors`` lists.
"""
from __future__ import annotations

from typing import Any

from oci.data_science.models import WorkRequest as _WorkRequest

from emulator.contracts.states import ACCEPTED, IN_PROGRESS, SUCCEEDED, WORK_REQUEST_FAILED
from emulator.ocid import new_ocid
from emulator.store import Database, kinds
from emulator.wire import now

KIND = kinds.WORK_REQUEST


def resource(entity_type: str, identifier: str, action_type: str, entity_uri: str | None = None) -> dict[str, Any]:
    """One ``WorkRequestResource``: what the operation touched and how (CREATED/UPDATED/DELETED/...)."""
    return {"entityType": entity_type, "actionType": action_type, "identifier": identifier,
            "entityUri": entity_uri or f"/{entity_type}s/{identifier}"}


def create(db: Database, operation_type: str, compartment_id: str, resources: list[dict[str, Any]],
           region: str = "us-ashburn-1") -> dict[str, Any]:
    """A new work request in ACCEPTED state, 0 % complete."""
    record = {
        "id": new_ocid("datascienceworkrequest", region),
        "operationType": operation_type,
        "status": ACCEPTED,
        "compartmentId": compartment_id,
        "percentComplete": 0.0,
        "resources": resources,
        "timeAccepted": now(),
        "timeStarted": None,
        "timeFinished": None,
        "timeCreated": now(),
        "_logs": [],
        "_errors": [],
    }
    return db.insert(KIND, record)


def get(db: Database, wr_id: str) -> dict[str, Any] | None:
    return db.get(KIND, wr_id)


def _change(db: Database, wr_id: str, **changes: Any) -> dict[str, Any]:
    with db.transaction():
        record = db.get(KIND, wr_id)
        if record is None:
            raise KeyError(wr_id)
        if record["status"] == _WorkRequest.STATUS_CANCELED and "status" in changes:
            return record  # canceled stays canceled (emulator.data_science.work_request_cancel)
        for key, value in changes.items():
            if key == "log":
                record["_logs"].append({"message": value, "timestamp": now()})
            elif key == "error":
                record["_errors"].append({"code": value[0], "message": value[1], "timestamp": now()})
            else:
                record[key] = value
        return db.update(KIND, wr_id, record)


def start(db: Database, wr_id: str, message: str | None = None) -> dict[str, Any]:
    """ACCEPTED -> IN_PROGRESS."""
    changes: dict[str, Any] = {"status": IN_PROGRESS, "timeStarted": now()}
    if message:
        changes["log"] = message
    return _change(db, wr_id, **changes)


def progress(db: Database, wr_id: str, percent: float, message: str | None = None) -> dict[str, Any]:
    """Report progress (0-100) and optionally log what is happening."""
    changes: dict[str, Any] = {"percentComplete": float(max(0.0, min(100.0, percent)))}
    if message:
        changes["log"] = message
    return _change(db, wr_id, **changes)


def log(db: Database, wr_id: str, message: str) -> dict[str, Any]:
    return _change(db, wr_id, log=message)


def error(db: Database, wr_id: str, code: str, message: str) -> dict[str, Any]:
    return _change(db, wr_id, error=(code, message))


def succeed(db: Database, wr_id: str, message: str | None = None) -> dict[str, Any]:
    """Final state SUCCEEDED at 100 % (what ADS waits for)."""
    record = db.get(KIND, wr_id) or {}
    changes: dict[str, Any] = {"status": SUCCEEDED, "percentComplete": 100.0, "timeFinished": now()}
    if not record.get("timeStarted"):
        changes["timeStarted"] = changes["timeFinished"]
    if message:
        changes["log"] = message
    return _change(db, wr_id, **changes)


def fail(db: Database, wr_id: str, code: str, message: str) -> dict[str, Any]:
    """Final state FAILED; the error is listed under ``/errors`` and logged."""
    record = db.get(KIND, wr_id) or {}
    changes: dict[str, Any] = {"status": WORK_REQUEST_FAILED, "percentComplete": 100.0, "timeFinished": now(),
                               "error": (code, message), "log": f"{code}: {message}"}
    if not record.get("timeStarted"):
        changes["timeStarted"] = changes["timeFinished"]
    return _change(db, wr_id, **changes)


def completed(db: Database, operation_type: str, compartment_id: str, resources: list[dict[str, Any]],
              message: str, region: str = "us-ashburn-1") -> dict[str, Any]:
    """A work request for an operation that finished synchronously."""
    record = create(db, operation_type, compartment_id, resources, region)
    start(db, record["id"], f"{operation_type} started")
    return succeed(db, record["id"], message)


def logs(record: dict[str, Any]) -> list[dict[str, Any]]:
    return list(record.get("_logs", []))


def errors(record: dict[str, Any]) -> list[dict[str, Any]]:
    return list(record.get("_errors", []))
