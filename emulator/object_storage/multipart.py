"""Multipart uploads (what the SDK's UploadManager uses above its part size): create, upload
parts in any order and in parallel, list parts, commit (parts concatenated into one object) or abort."""
from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

from emulator.errors import invalid
from emulator.object_storage import buckets, objects
from emulator.object_storage.errors import upload_not_found
from emulator.state import EmulatorState
from emulator.store import BlobInfo, Database, kinds
from emulator.wire import new_etag, now

KIND = kinds.MULTIPART_UPLOAD
PART_KIND = kinds.MULTIPART_PART
MAX_PARTS = 10000


def create(state: EmulatorState, namespace: str, bucket: str, body: dict[str, Any], created_by: str) -> dict[str, Any]:
    name = body.get("object")
    if not isinstance(name, str) or not name:
        raise invalid("object is required.")
    buckets.ensure(state.db, namespace, bucket, state.config.region, created_by)
    record = {"id": uuid.uuid4().hex, "namespace": namespace, "bucket": bucket, "object": name, "timeCreated": now(),
              "storageTier": body.get("storageTier") or "Standard", "contentType": body.get("contentType"),
              "metadata": body.get("metadata") or {}}
    record["uploadId"] = record["id"]
    return state.db.insert(KIND, record)


def get(db: Database, namespace: str, bucket: str, name: str, upload_id: str | None) -> dict[str, Any]:
    record = db.get(KIND, upload_id or "")
    if record is None or (record["namespace"], record["bucket"], record["object"]) != (namespace, bucket, name):
        raise upload_not_found(upload_id or "")
    return record


def _part_key(upload_id: str, number: int) -> str:
    return f"{upload_id}/{number:05d}"


def add_part(state: EmulatorState, upload: dict[str, Any], number: int, blob: BlobInfo) -> dict[str, Any]:
    """Record one part (a re-sent part number replaces the earlier one)."""
    if not 1 <= number <= MAX_PARTS:
        state.blobs.delete(blob.name)
        raise invalid(f"uploadPartNum must be between 1 and {MAX_PARTS}.")
    part = {"id": _part_key(upload["id"], number), "uploadId": upload["id"], "partNumber": number,
            "etag": new_etag(), "md5": blob.md5, "size": blob.size, "_blob": blob.to_dict()}
    with state.db.transaction():
        get(state.db, upload["namespace"], upload["bucket"], upload["object"], upload["id"])
        old = state.db.get(PART_KIND, part["id"])
        if old is None:
            state.db.insert(PART_KIND, part)
        else:
            state.db.update(PART_KIND, part["id"], part)
    if old is not None:
        state.blobs.delete(old["_blob"]["name"])
    return part


def parts(db: Database, upload_id: str) -> list[dict[str, Any]]:
    return db.list(PART_KIND, {"uploadId": upload_id}, sort_by="id", sort_order="ASC").items


def commit(state: EmulatorState, upload: dict[str, Any], chosen: list[dict[str, Any]], created_by: str) -> dict[str, Any]:
    """Join the chosen parts, in part-number order, into the object; 400 when an etag does not match."""
    have = {p["partNumber"]: p for p in parts(state.db, upload["id"])}
    selected = []
    for item in sorted(chosen, key=lambda c: int(c.get("partNum", 0))):
        part = have.get(int(item.get("partNum", 0)))
        if part is None or part["etag"] != str(item.get("etag", "")).strip('"'):
            raise invalid(f"Part {item.get('partNum')} was not uploaded with etag {item.get('etag')}.")
        selected.append(part)
    if not selected:
        raise invalid("partsToCommit must list at least one uploaded part.")
    blob = state.blobs.concat([p["_blob"]["name"] for p in selected], prefix="object")
    digest = hashlib.md5(b"".join(base64.b64decode(p["md5"]) for p in selected), usedforsecurity=False)
    multipart_md5 = f"{base64.b64encode(digest.digest()).decode()}-{len(selected)}"
    record = objects.put(state, upload["namespace"], upload["bucket"], upload["object"], blob,
                         content_type=upload.get("contentType"), metadata=upload.get("metadata") or {},
                         multipart_md5=multipart_md5, created_by=created_by)
    abort(state, upload)
    return record


def abort(state: EmulatorState, upload: dict[str, Any]) -> None:
    """Forget the upload and every part's bytes."""
    with state.db.transaction():
        all_parts = parts(state.db, upload["id"])
        for part in all_parts:
            state.db.delete(PART_KIND, part["id"])
        state.db.delete(KIND, upload["id"])
    for part in all_parts:
        state.blobs.delete(part["_blob"]["name"])


def wire(upload: dict[str, Any]) -> dict[str, Any]:
    return {k: upload.get(k) for k in ("namespace", "bucket", "object", "uploadId", "timeCreated", "storageTier")}
