"""Object versions: ``ListObjectVersions`` and the ``versionId`` of GetObject, HeadObject and DeleteObject.

Every write gives an object a new ``versionId`` (:mod:`emulator.object_storage.objects`). In a bucket
whose versioning is ``Enabled`` the version a write replaces is kept, bytes and all, and a delete
without ``versionId`` leaves a delete marker as the object's newest version; in other buckets a write
replaces the object outright, so ListObjectVersions answers each object's current version alone, as
OCI does. Deleting one version (``versionId``) removes only it; when it was the current one the next
newest becomes current unless that is a delete marker. Kept versions are records of their own kind
(:data:`KIND`) beside the current objects, so ListObjects and GetObject stay one lookup.
"""
from __future__ import annotations

import uuid
from typing import Any

from emulator.object_storage import buckets
from emulator.object_storage.errors import if_match_failed, object_not_found
from emulator.state import EmulatorState
from emulator.store import Database
from emulator.wire import new_etag, now

KIND = buckets.VERSION_KIND
OBJECT_KIND = buckets.OBJECT_KIND
# ObjectVersionSummary's fields (the SDK's attribute_map), in its order
SUMMARY_FIELDS = ("name", "size", "md5", "timeCreated", "timeModified", "etag", "storageTier", "archivalState",
                  "versionId", "isDeleteMarker")


def _key(namespace: str, bucket: str, name: str, version_id: str) -> str:
    return f"{namespace}/{bucket}/{name}#{version_id}"


def keep(db: Database, replaced: dict[str, Any]) -> None:
    """Keep ``replaced`` (the object's current record, being overwritten or deleted) as a previous
    version; call inside the writer's transaction."""
    db.insert(KIND, {**replaced, "id": _key(replaced["namespace"], replaced["bucket"], replaced["name"],
                                            replaced["versionId"]), "isDeleteMarker": False})


def mark_deleted(db: Database, namespace: str, bucket: str, name: str) -> None:
    """Record a delete marker as the object's newest version (a delete in a versioned bucket)."""
    version_id, time = str(uuid.uuid4()), now()
    db.insert(KIND, {"id": _key(namespace, bucket, name, version_id), "namespace": namespace, "bucket": bucket,
                     "name": name, "versionId": version_id, "timeCreated": time, "timeModified": time,
                     "etag": new_etag(), "size": None, "md5": None, "storageTier": None, "archivalState": None,
                     "isDeleteMarker": True})


def _previous(db: Database, namespace: str, bucket: str, name: str) -> list[dict[str, Any]]:
    """The object's kept versions and delete markers, newest first."""
    return db.list(KIND, {"namespace": namespace, "bucket": bucket, "name": name}, sort_by="timeModified",
                   sort_order="DESC").items


def find(db: Database, namespace: str, bucket: str, name: str, version_id: str) -> dict[str, Any]:
    """The object's version ``version_id`` (current or kept); 404 when there is none or it is a delete marker."""
    current = db.get(OBJECT_KIND, f"{namespace}/{bucket}/{name}")
    if current is not None and current.get("versionId") == version_id:
        return current
    record = db.get(KIND, _key(namespace, bucket, name, version_id))
    if record is None or record.get("isDeleteMarker"):
        buckets.get(db, namespace, bucket)
        raise object_not_found(bucket, f"{name} (version {version_id})")
    return record


def delete(state: EmulatorState, namespace: str, bucket: str, name: str, version_id: str,
           if_match: str | None) -> None:
    """Delete one version (or delete marker); the next newest becomes current when the current one or
    the delete marker hiding it went."""
    db = state.db
    with db.transaction():
        current = db.get(OBJECT_KIND, f"{namespace}/{bucket}/{name}")
        if current is not None and current.get("versionId") == version_id:
            gone, kind = current, OBJECT_KIND
        else:
            gone, kind = db.get(KIND, _key(namespace, bucket, name, version_id)), KIND
        if gone is None:
            buckets.get(db, namespace, bucket)
            raise object_not_found(bucket, f"{name} (version {version_id})")
        if if_match and if_match.strip('"') != gone["etag"]:
            raise if_match_failed(name)
        db.delete(kind, gone["id"])
        if kind == OBJECT_KIND or current is None:  # the current version, or the marker hiding the newest
            _promote_newest(db, namespace, bucket, name)
    if gone.get("_blob"):
        state.blobs.delete(gone["_blob"]["name"])


def _promote_newest(db: Database, namespace: str, bucket: str, name: str) -> None:
    previous = _previous(db, namespace, bucket, name)
    if previous and not previous[0].get("isDeleteMarker"):
        newest = previous[0]
        db.delete(KIND, newest["id"])
        db.insert(OBJECT_KIND, {k: v for k, v in newest.items() if k != "isDeleteMarker"}
                  | {"id": f"{namespace}/{bucket}/{name}"})


def list_versions(db: Database, namespace: str, bucket: str, prefix: str = "", start: str | None = None,
                  end: str | None = None, delimiter: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Every version under ``prefix`` (names in order, each name's versions newest first) as
    ObjectVersionSummary dicts, and the ``prefixes`` folded at ``delimiter``."""
    from emulator.object_storage.objects import fold, name_range  # objects imports this module

    buckets.get(db, namespace, bucket)
    conditions = name_range(prefix, start, end)
    filters = {"namespace": namespace, "bucket": bucket}
    records = [{**r, "isDeleteMarker": False} for r in db.list(OBJECT_KIND, filters, "name", "ASC",
                                                             conditions=conditions).items]
    records += db.list(KIND, filters, "name", "ASC", conditions=conditions).items
    records.sort(key=lambda r: r["timeModified"], reverse=True)
    records.sort(key=lambda r: r["name"])  # stable: each name's versions stay newest first
    items, prefixes = [], []
    for record in records:
        folded = fold(record["name"], prefix, delimiter)
        if folded is not None:
            if folded not in prefixes:
                prefixes.append(folded)
        else:
            items.append({field: record.get(field) for field in SUMMARY_FIELDS})
    return items, prefixes
