"""Load/save helpers every Data Science resource uses: 404 for unknown ids, a fresh etag on each
write, the if-match check (412) done inside the same transaction as the write."""
from __future__ import annotations

from typing import Any, Callable

from emulator.errors import OCIError
from emulator.store import Database
from emulator.wire import check_etag, new_etag  # noqa: F401 - check_etag: the one etag check, as records.check_etag


def load(db: Database, kind: str, ident: str, missing: Callable[[str], OCIError]) -> dict[str, Any]:
    record = db.get(kind, ident)
    if record is None:
        raise missing(ident)
    return record


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
