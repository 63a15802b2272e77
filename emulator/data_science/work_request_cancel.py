"""``CancelWorkRequest``: stop an asynchronous operation that has not finished.

OCI cancels only a work request that is still ACCEPTED or IN_PROGRESS and whose operation can be
stopped; anything else is 409 IncorrectState (a finished one, or one of an operation that runs to
its end once accepted). The owner of an operation says it can be stopped by creating its work
request with :func:`mark_cancelable`, and stops when it sees the status CANCELED
(:mod:`emulator.data_science.work_requests` keeps a canceled request canceled: a late
succeed/fail of the operation does not overwrite it). No operation the emulator serves today marks
its work request cancelable: deployments, exports and imports run to their end once accepted.
"""
from __future__ import annotations

from typing import Any

from oci.data_science.models import WorkRequest as _WorkRequest

from emulator.data_science import work_requests as wr
from emulator.errors import incorrect_state, not_found
from emulator.store import Database
from emulator.wire import now

CANCELED = _WorkRequest.STATUS_CANCELED
UNFINISHED = (_WorkRequest.STATUS_ACCEPTED, _WorkRequest.STATUS_IN_PROGRESS)
_CANCELABLE = "_cancelable"  # private field of the work request record


def mark_cancelable(db: Database, wr_id: str) -> dict[str, Any]:
    """Declare that the operation behind ``wr_id`` stops when its work request is canceled."""
    with db.transaction():
        record = db.get(wr.KIND, wr_id)
        record[_CANCELABLE] = True
        return db.update(wr.KIND, wr_id, record)


def cancel(db: Database, wr_id: str) -> dict[str, Any]:
    """CANCELED, with the time and a log line; 404 unknown, 409 finished or not cancelable."""
    with db.transaction():
        record = db.get(wr.KIND, wr_id)
        if record is None:
            raise not_found("work request", wr_id)
        if record["status"] not in UNFINISHED:
            raise incorrect_state(f"Work request {wr_id} is {record['status']}; only an ACCEPTED or IN_PROGRESS "
                                  "work request can be canceled.")
        if not record.get(_CANCELABLE):
            raise incorrect_state(f"Work request {wr_id} ({record['operationType']}) cannot be canceled: "
                                  "this operation runs to its end once accepted.")
        record["status"] = CANCELED
        record["timeFinished"] = now()
        record.setdefault("_logs", []).append({"message": "Work request canceled", "timestamp": record["timeFinished"]})
        return db.update(wr.KIND, wr_id, record)
