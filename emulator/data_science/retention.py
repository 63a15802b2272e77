"""Model retention: a model's ``retentionSetting`` archives its artifact ``archiveAfterDays`` after
creation and deletes the archived model ``deleteAfterDays`` later; ``restoreArchivedModelArtifact``
makes an archived artifact readable again for ``restoreModelForHoursSpecified`` hours.

Days are long for a test suite: ``EmulatorConfig.retention_time_scale``
(``DOCKYARD_RETENTION_TIME_SCALE``) shrinks every retention duration, as the autoscaling time scale
shrinks a policy's (1e-5: a day lasts 0.864 s).

OCI's observable effect is kept: ``retentionOperationDetails`` (``archiveState``/``deleteState``
PENDING then SUCCEEDED or FAILED, with the scheduled times), ``lifecycleDetails`` naming the archive,
and an artifact that answers 409 IncorrectState to GET, HEAD, import and deploy until restored. The
model itself stays ACTIVE (OCI's Model has no archived lifecycle state).

Each model with a retention event ahead carries its next event time (``_retentionDue``); the
earliest one is kept in memory, so checking before a request costs one comparison, as tombstones do.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask

from emulator.errors import OCIError, incorrect_state, invalid
from emulator.state import EmulatorState, state_of
from emulator.store import kinds

DAY = 86400.0
HOUR = 3600.0
DEFAULT_RESTORE_HOURS = 24  # OCI documents no default for restoreModelForHoursSpecified: inferred
DUE = "_retentionDue"  # the time of the model's next retention event (archive, delete, re-archive)
RESTORED_UNTIL = "_restoredUntil"
ARCHIVED = "Model artifact archived: restore it (restoreArchivedModelArtifact) to read or deploy it"
PENDING, SUCCEEDED, FAILED = "PENDING", "SUCCEEDED", "FAILED"  # the SDK's RetentionOperationDetails states
EXTENSION = "dockyard.retention"


def _stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def check_setting(setting: Any) -> None:
    """400 unless ``setting`` is a RetentionSetting: ``archiveAfterDays`` required, both day counts
    non-negative integers."""
    if setting is None:
        return
    if not isinstance(setting.get("archiveAfterDays"), int) or isinstance(setting["archiveAfterDays"], bool):
        raise invalid("retentionSetting.archiveAfterDays is required and must be an integer number of days.")
    for name in ("archiveAfterDays", "deleteAfterDays"):
        value = setting.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise invalid(f"retentionSetting.{name} must be a non-negative integer number of days.")


def plan(record: dict[str, Any], scale: float) -> None:
    """(Re)schedule a live model's archival from its ``retentionSetting``: ``archiveAfterDays`` counts
    from the model's creation. An archived model keeps its state; a new setting applies to its deletion."""
    setting = record.get("retentionSetting")
    details = record.get("retentionOperationDetails") or {}
    if not setting:
        record["retentionOperationDetails"], record[DUE] = None, None
        return
    if details.get("archiveState") == SUCCEEDED:
        _plan_deletion(record, details, _epoch(details["timeArchivalScheduled"]), scale)
        return
    archive_at = _epoch(record["timeCreated"]) + setting["archiveAfterDays"] * DAY * scale
    record["retentionOperationDetails"] = {
        "archiveState": PENDING, "archiveStateDetails": None, "timeArchivalScheduled": _stamp(archive_at),
        "deleteState": None, "deleteStateDetails": None, "timeDeletionScheduled": None}
    record[DUE] = _stamp(archive_at)


def _plan_deletion(record: dict[str, Any], details: dict[str, Any], archived_at: float, scale: float) -> None:
    days = (record.get("retentionSetting") or {}).get("deleteAfterDays")
    if days is None:
        details.update(deleteState=None, timeDeletionScheduled=None)
        record[DUE] = record.get(RESTORED_UNTIL)
        return
    delete_at = archived_at + days * DAY * scale
    details.update(deleteState=PENDING, timeDeletionScheduled=_stamp(delete_at))
    record[DUE] = min(filter(None, (_stamp(delete_at), record.get(RESTORED_UNTIL))))
    record["retentionOperationDetails"] = details


def is_archived(model: dict[str, Any]) -> bool:
    """Archived and not restored: the artifact cannot be read."""
    details = model.get("retentionOperationDetails") or {}
    if details.get("archiveState") != SUCCEEDED:
        return False
    until = model.get(RESTORED_UNTIL)
    return not until or _epoch(until) <= time.time()


def check_readable(model: dict[str, Any]) -> None:
    """409 when the model's artifact is archived (reading, importing or deploying it needs a restore)."""
    if is_archived(model):
        raise incorrect_state(f"The artifact of model {model['id']} is archived; restore it with "
                              "restoreArchivedModelArtifact before reading or deploying it.")


def restore_artifact(state: EmulatorState, model_id: str, hours: int | None,
                     if_match: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """RESTORE_ARCHIVED_MODEL, done at once (OCI takes hours): (the work request, the model)."""
    from emulator.data_science import models, records, work_requests

    with state.db.transaction():
        record = models.get(state.db, model_id)
        records.check_etag(record, if_match)
        restore(record, hours, state.config.retention_time_scale)
        records.save(state.db, models.KIND, record)
    done = work_requests.completed(
        state.db, "RESTORE_ARCHIVED_MODEL", record["compartmentId"],
        [work_requests.resource("model", model_id, "UPDATED", f"/models/{model_id}")],
        f"Artifact of model {model_id} restored until {record[RESTORED_UNTIL]}", state.config.region)
    return done, record


def restore(record: dict[str, Any], hours: int | None, scale: float) -> None:
    """Make an archived artifact readable for ``hours`` (scaled); 409 when it is not archived."""
    if (record.get("retentionOperationDetails") or {}).get("archiveState") != SUCCEEDED:
        raise incorrect_state(f"The artifact of model {record['id']} is not archived; there is nothing to restore.")
    until = time.time() + (hours or DEFAULT_RESTORE_HOURS) * HOUR * scale
    record[RESTORED_UNTIL] = _stamp(until)
    record["lifecycleDetails"] = f"Model artifact restored until {_stamp(until)}"
    due = record.get(DUE)
    record[DUE] = min(due, record[RESTORED_UNTIL]) if due else record[RESTORED_UNTIL]


class RetentionClock:
    """Runs the retention events that fell due, checked before every request (one comparison when none)."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._due: float | None = None
        self.reschedule()

    @property
    def scale(self) -> float:
        return float(self.state.config.retention_time_scale or 1.0)

    def note(self, record: dict[str, Any]) -> None:
        """A model was written: its next event may be the earliest."""
        if record.get(DUE):
            due = _epoch(record[DUE])
            with self._lock:
                self._due = due if self._due is None else min(self._due, due)

    def run_due(self) -> None:
        with self._lock:
            if self._due is None or time.time() < self._due:
                return
        cutoff = _stamp(time.time())
        for record in self.state.db.list(kinds.MODEL, conditions=[(DUE, ">", ""), (DUE, "<=", cutoff)]).items:
            self._advance(record["id"])
        self.reschedule()

    def reschedule(self) -> None:
        first = self.state.db.list(kinds.MODEL, sort_by=DUE, sort_order="ASC", limit=1,
                                   conditions=[(DUE, ">", "")]).items
        with self._lock:
            self._due = _epoch(first[0][DUE]) if first else None

    def _advance(self, model_id: str) -> None:
        """Apply the model's due event: archive, re-archive after a restore, or delete."""
        from emulator.data_science import records

        db, now = self.state.db, time.time()
        with db.transaction():
            record = db.get(kinds.MODEL, model_id)
            if record is None or not record.get(DUE) or _epoch(record[DUE]) > now:
                return
            details = record["retentionOperationDetails"]
            if details.get("archiveState") == PENDING:
                details.update(archiveState=SUCCEEDED, archiveStateDetails="Model artifact archived")
                record["lifecycleDetails"] = ARCHIVED
                _plan_deletion(record, details, _epoch(details["timeArchivalScheduled"]), self.scale)
            elif record.get(RESTORED_UNTIL) and _epoch(record[RESTORED_UNTIL]) <= now:
                record[RESTORED_UNTIL] = None
                record["lifecycleDetails"] = ARCHIVED
                _plan_deletion(record, details, _epoch(details["timeArchivalScheduled"]), self.scale)
            if details.get("deleteState") != PENDING or _epoch(details["timeDeletionScheduled"]) > now:
                records.save(db, kinds.MODEL, record)
                return
        self._delete(record, details)

    def _delete(self, record: dict[str, Any], details: dict[str, Any]) -> None:
        from emulator.data_science import cascade, records

        record[DUE] = None
        try:
            cascade.delete_model(self.state, record["id"], None)
        except OCIError as exc:  # a live deployment still serves it: OCI reports the deletion FAILED
            details.update(deleteState=FAILED, deleteStateDetails=exc.message)
            records.save(self.state.db, kinds.MODEL, record)
            return
        with self.state.db.transaction():
            gone = self.state.db.get(kinds.MODEL, record["id"])
            gone["retentionOperationDetails"] = {**details, "deleteState": SUCCEEDED,
                                                 "deleteStateDetails": "Deleted by its retention setting"}
            gone[DUE] = None
            self.state.db.update(kinds.MODEL, gone["id"], gone)


def install(app: Flask) -> None:
    """Give the app its clock and run due events before every request."""
    app.extensions[EXTENSION] = RetentionClock(state_of(app))
    app.before_request(lambda: clock().run_due())  # after a reset a stale time costs one empty query


def clock() -> RetentionClock:
    from flask import current_app

    return current_app.extensions[EXTENSION]
