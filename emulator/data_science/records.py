"""Load/save helpers every Data Science resource uses: 404 for unknown ids, 409 for writes to a
deleted one (its tombstone is still readable, as in OCI), a fresh etag on each write, the if-match
check (412) done inside the same transaction as the write."""
from __future__ import annotations

from typing import Any, Callable

from emulator.errors import OCIError, incorrect_state
from emulator.store import Database
from emulator.store.tombstones import DELETED
from emulator.wire import check_etag, new_etag  # noqa: F401 - check_etag: the one etag check, as records.check_etag


def load(db: Database, kind: str, ident: str, missing: Callable[[str], OCIError]) -> dict[str, Any]:
    """The record, a tombstone (state DELETED) included: what a GET answers."""
    record = db.get(kind, ident)
    if record is None:
        raise missing(ident)
    return record


def load_live(db: Database, kind: str, ident: str, missing: Callable[[str], OCIError], what: str) -> dict[str, Any]:
    """The record for a write or a dependent operation: 404 when unknown, 409 IncorrectState when deleted."""
    record = load(db, kind, ident, missing)
    if record.get("lifecycleState") == DELETED:
        raise incorrect_state(f"The {what} {ident} is DELETED; a deleted {what} can only be read.")
    return record


def not_deleted(states: tuple[str, ...]) -> list[str]:
    """A ``lifecycleState`` list filter for every state but DELETED (uniqueness checks, members, contents)."""
    return [s for s in states if s != DELETED]


def insert(db: Database, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    record["_etag"] = new_etag()
    return db.insert(kind, record)


def save(db: Database, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    record["_etag"] = new_etag()
    return db.update(kind, record["id"], record)


def apply(record: dict[str, Any], body: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Copy the updatable fields the client sent (absent or null means "leave as is", as in OCI)."""
    for field in fields:
        if body.get(field) is not None:
            record[field] = body[field]
