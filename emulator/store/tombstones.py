"""Deleted resources stay readable, in state DELETED, until a retention period purges them.

OCI answers a GET of a deleted model, project, model version set or model deployment with the
resource in lifecycle state DELETED for a while, and its lists show it unless a ``lifecycleState``
filter leaves it out. ADS relies on that: ``delete()`` reads the model again right after the
DELETE. :meth:`Tombstones.bury` turns a record into its tombstone (state DELETED, ``_timeDeleted``);
tombstones older than the retention (``EmulatorConfig.tombstone_retention`` seconds) are purged.

Purging is checked before every request but costs one comparison: the time the earliest
tombstone falls due is kept in memory, and only a request after it runs the purge.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from emulator.contracts.states import TOMBSTONE_STATE
from emulator.store.db import Database

DELETED = TOMBSTONE_STATE
TIME_DELETED = "_timeDeleted"
PurgeHook = Callable[[dict[str, Any]], None]


def _stamp(moment: datetime) -> str:
    """The fixed-width RFC 3339 form records use (``emulator.wire.now``), so strings compare as times."""
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _parse(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


class Tombstones:
    """The tombstones of one emulator store: bury, purge when due, per-kind clean-up on purge."""

    def __init__(self, db: Database, retention: float) -> None:
        self.db = db
        self.retention = max(0.0, float(retention))
        self._kinds: dict[str, list[PurgeHook]] = {}
        self._lock = threading.Lock()
        self._due: float | None = None  # epoch seconds the earliest tombstone expires; None: none known

    def kind(self, kind: str, on_purge: PurgeHook | None = None) -> None:
        """Declare a kind whose records become tombstones (``on_purge(record)`` runs as one is purged)."""
        hooks = self._kinds.setdefault(kind, [])
        if on_purge is not None:
            hooks.append(on_purge)
        self.reschedule()

    def bury(self, kind: str, record: dict[str, Any], etag: str | None = None) -> dict[str, Any]:
        """Store ``record`` as deleted (state DELETED, the deletion time, a new etag when given)."""
        moment = datetime.now(timezone.utc)
        record["lifecycleState"] = DELETED
        record[TIME_DELETED] = _stamp(moment)
        if etag is not None:
            record["_etag"] = etag
        self.db.update(kind, record["id"], record)
        with self._lock:
            expires = moment.timestamp() + self.retention
            self._due = expires if self._due is None else min(self._due, expires)
        return record

    def purge_due(self) -> int:
        """Purge the tombstones past retention when one is due; returns how many went."""
        with self._lock:
            if self._due is None or time.time() < self._due:
                return 0
        return self.purge()

    def purge(self) -> int:
        """Remove every tombstone older than the retention, then note when the next one falls due."""
        cutoff = _stamp(datetime.now(timezone.utc) - timedelta(seconds=self.retention))
        purged = 0
        for kind, hooks in self._kinds.items():
            expired = self.db.list(kind, {"lifecycleState": DELETED}, conditions=[(TIME_DELETED, "<=", cutoff)]).items
            for record in expired:
                if self.db.delete(kind, record["id"]):
                    purged += 1
                    for hook in hooks:
                        hook(record)
        self.reschedule()
        return purged

    def reschedule(self) -> None:
        """Recompute when the earliest tombstone expires (at start, after a purge or a reset)."""
        earliest: float | None = None
        for kind in self._kinds:
            first = self.db.list(kind, {"lifecycleState": DELETED}, sort_by=TIME_DELETED, sort_order="ASC", limit=1,
                                 conditions=[(TIME_DELETED, ">", "")]).items
            if first:
                expires = _parse(first[0][TIME_DELETED]) + self.retention
                earliest = expires if earliest is None else min(earliest, expires)
        with self._lock:
            self._due = earliest
