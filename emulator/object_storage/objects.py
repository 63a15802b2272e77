"""Objects: put (streamed, atomic), get/head, list with prefix/start/delimiter, delete.

Every write makes a new version (``versionId``), as OCI does even in buckets without versioning
(versioned buckets keep the previous ones: :mod:`emulator.object_storage.versions`);
the headers a GET/HEAD answers with are :func:`headers`, the one list of what OCI sends.
"""
from __future__ import annotations

import uuid
from typing import IO, Any

from emulator.object_storage import buckets, versions
from emulator.object_storage.errors import if_match_failed, incomplete, md5_mismatch, object_not_found, too_large
from emulator.state import EmulatorState
from emulator.store import BlobInfo, Database, IncompleteUpload, UploadTooLarge
from emulator.wire import http_date, new_etag, now

KIND = buckets.OBJECT_KIND


def key(namespace: str, bucket: str, name: str) -> str:
    return f"{namespace}/{bucket}/{name}"


def get(db: Database, namespace: str, bucket: str, name: str) -> dict[str, Any]:
    record = db.get(KIND, key(namespace, bucket, name))
    if record is None:
        buckets.get(db, namespace, bucket)
        raise object_not_found(bucket, name)
    return record


def check_conditions(record: dict[str, Any] | None, name: str, if_match: str | None, if_none_match: str | None) -> None:
    """HTTP preconditions on an object's etag (``if-none-match: *`` means "only if absent")."""
    etag = record["etag"] if record else None
    if if_match and (etag is None or (if_match != "*" and if_match.strip('"') != etag)):
        raise if_match_failed(name)
    if if_none_match and etag is not None and (if_none_match == "*" or if_none_match.strip('"') == etag):
        raise if_match_failed(name)


def receive(state: EmulatorState, stream: IO[bytes], length: int | None, content_md5: str | None) -> BlobInfo:
    """Stream a request body into a new blob, checking size and the client's Content-MD5."""
    limit = state.config.max_artifact_bytes
    if length is not None and length > limit:
        raise too_large(limit)
    try:
        blob = state.blobs.write(stream, max_bytes=limit, expected_length=length, prefix="object")
    except UploadTooLarge:
        raise too_large(limit) from None
    except IncompleteUpload:
        raise incomplete() from None
    if content_md5 and content_md5 != blob.md5:
        state.blobs.delete(blob.name)
        raise md5_mismatch()
    return blob


# Representation headers a client may set on PUT; OCI stores them and answers GET/HEAD with them.
STORED_HEADERS = ("content-language", "content-encoding", "content-disposition", "cache-control")


def put(state: EmulatorState, namespace: str, bucket: str, name: str, blob: BlobInfo, *, content_type: str | None,
        metadata: dict[str, str], if_match: str | None = None, if_none_match: str | None = None,
        multipart_md5: str | None = None, created_by: str = "",
        stored_headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Record ``blob`` as the object's new current version; the one it replaces is kept in a versioned
    bucket (:mod:`emulator.object_storage.versions`), otherwise its bytes go after commit."""
    db = state.db
    try:
        with db.transaction():
            versioned = buckets.is_versioned(buckets.ensure(db, namespace, bucket, state.config.region, created_by))
            old = db.get(KIND, key(namespace, bucket, name))
            check_conditions(old, name, if_match, if_none_match)
            time = now()
            record = {
                "id": key(namespace, bucket, name), "namespace": namespace, "bucket": bucket, "name": name,
                "size": blob.size, "md5": multipart_md5 or blob.md5, "timeCreated": time, "timeModified": time,
                "etag": new_etag(), "storageTier": "Standard", "contentType": content_type or "application/octet-stream",
                "metadata": metadata, "multipartMd5": multipart_md5, "versionId": str(uuid.uuid4()),
                "headers": dict(stored_headers or {}), "_blob": blob.to_dict(),
            }
            if old is None:
                db.insert(KIND, record)
            else:
                if versioned:
                    versions.keep(db, old)
                db.update(KIND, record["id"], record)
    except BaseException:
        state.blobs.delete(blob.name)
        raise
    if old is not None and not versioned:
        state.blobs.delete(old["_blob"]["name"])
    return record


def headers(record: dict[str, Any]) -> dict[str, str]:
    """What OCI's GetObject/HeadObject answer with besides the body: the entity tag, version, time,
    digest, type, tier, the stored representation headers and the user metadata (``opc-meta-*``).
    ocifs reads ``version-id``, ``accept-ranges`` and ``storage-tier`` and fails without them."""
    out = {"etag": record["etag"], "version-id": record.get("versionId") or record["etag"],
           "last-modified": http_date(record["timeModified"]), "content-type": record["contentType"],
           "accept-ranges": "bytes", "storage-tier": record["storageTier"]}
    if record.get("multipartMd5"):
        out["opc-multipart-md5"] = record["multipartMd5"]
    else:
        out["content-md5"] = record["md5"]
    out.update(record.get("headers") or {})
    out.update({f"opc-meta-{k}": v for k, v in (record.get("metadata") or {}).items()})
    return out


def delete(state: EmulatorState, namespace: str, bucket: str, name: str, if_match: str | None) -> None:
    """Delete the current version: in a versioned bucket it is kept behind a delete marker."""
    with state.db.transaction():
        record = get(state.db, namespace, bucket, name)
        check_conditions(record, name, if_match, None)
        state.db.delete(KIND, record["id"])
        versioned = buckets.is_versioned(buckets.get(state.db, namespace, bucket))
        if versioned:
            versions.keep(state.db, record)
            versions.mark_deleted(state.db, namespace, bucket, name)
    if not versioned:
        state.blobs.delete(record["_blob"]["name"])


def name_range(prefix: str, start: str | None, end: str | None) -> list[tuple[str, str, Any]]:
    """The store conditions of a listing's ``prefix``, ``start`` (inclusive) and ``end`` (exclusive)."""
    conditions: list[tuple[str, str, Any]] = [("name", "prefix", prefix)] if prefix else []
    if start:
        conditions.append(("name", ">=", start))
    if end:
        conditions.append(("name", "<", end))
    return conditions


def list_objects(db: Database, namespace: str, bucket: str, prefix: str = "", start: str | None = None,
                 end: str | None = None, limit: int = 1000, delimiter: str | None = None) -> dict[str, Any]:
    """``ListObjects``: names in order from ``start``, folded into ``prefixes`` at ``delimiter``."""
    buckets.get(db, namespace, bucket)
    conditions = name_range(prefix, start, end)
    filters = {"namespace": namespace, "bucket": bucket}
    objects: list[dict[str, Any]] = []
    prefixes: list[str] = []
    last = ""
    while len(objects) + len(prefixes) < limit:
        bound = conditions + ([("name", ">", last)] if last else [])
        page = db.list(KIND, filters, "name", "ASC", limit=limit, conditions=bound)
        if not page.items:
            return _listing(objects, prefixes, None)
        for record in page.items:
            if last and record["name"] <= last:
                continue
            folded = fold(record["name"], prefix, delimiter)
            if folded is None:
                objects.append(record)
                last = record["name"]
            else:
                prefixes.append(folded)
                last = folded + "\U0010ffff"  # skip everything under the folded prefix
                break  # re-query past it rather than walking its members
            if len(objects) + len(prefixes) >= limit:
                break
    rest = db.list(KIND, filters, "name", "ASC", limit=1, conditions=conditions + [("name", ">", last)])
    return _listing(objects, prefixes, rest.items[0]["name"] if rest.items else None)


def fold(name: str, prefix: str, delimiter: str | None) -> str | None:
    """The listing prefix ``name`` folds into at ``delimiter`` (after ``prefix``), or None."""
    if not delimiter:
        return None
    cut = name.find(delimiter, len(prefix))
    return name[: cut + len(delimiter)] if cut >= 0 else None


def _listing(objects: list[dict[str, Any]], prefixes: list[str], next_start: str | None) -> dict[str, Any]:
    summaries = [{"name": o["name"], "size": o["size"], "md5": o["md5"], "timeCreated": o["timeCreated"],
                  "etag": o["etag"], "storageTier": o["storageTier"], "archivalState": None,
                  "timeModified": o["timeModified"]} for o in objects]
    return {"objects": summaries, "prefixes": prefixes or None, "nextStartWith": next_start}
