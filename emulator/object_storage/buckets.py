"""Buckets, kept just faithfully enough for the SDK's UploadManager and ADS's ``oci://`` paths.

Writing to a bucket that does not exist creates it (unlike OCI), so ``oci://bucket@ns/...``
paths work offline without a separate setup step. ``versioning`` is OCI's: ``Disabled`` at
creation unless ``Enabled`` is asked for; an update may enable or suspend it but, once enabled,
never disable it again (ADS's models by reference require an ``Enabled`` bucket).
"""
from __future__ import annotations

import re
from typing import Any

from emulator.errors import invalid
from emulator.object_storage.errors import (bucket_exists, bucket_not_empty, bucket_not_found, if_match_failed,
                                            invalid_name)
from emulator.ocid import new_ocid
from emulator.store import Database, kinds
from emulator.wire import new_etag, now

KIND = kinds.BUCKET
OBJECT_KIND = kinds.OBJECT
VERSION_KIND = kinds.OBJECT_VERSION
LOCAL_COMPARTMENT = "ocid1.tenancy.oc1..dockyardlocaltenancy"
PUBLIC_READ = "ObjectRead"  # publicAccessType of a bucket whose objects anyone may read
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")


def check_name(name: str, what: str = "bucket") -> str:
    if not _NAME.match(name):
        raise invalid_name(what, name)
    return name


def key(namespace: str, bucket: str) -> str:
    return f"{namespace}/{bucket}"


def get(db: Database, namespace: str, bucket: str) -> dict[str, Any]:
    record = db.get(KIND, key(namespace, bucket))
    if record is None:
        raise bucket_not_found(namespace, bucket)
    return record


def create(db: Database, namespace: str, body: dict[str, Any], region: str, created_by: str) -> dict[str, Any]:
    name = check_name(str(body.get("name") or ""))
    with db.transaction():
        if db.get(KIND, key(namespace, name)) is not None:
            raise bucket_exists(name)
        record = {
            "id": key(namespace, name), "namespace": namespace, "name": name,
            "compartmentId": body.get("compartmentId") or LOCAL_COMPARTMENT, "metadata": body.get("metadata") or {},
            "createdBy": created_by, "timeCreated": now(), "etag": new_etag(),
            "publicAccessType": body.get("publicAccessType") or "NoPublicAccess",
            "storageTier": body.get("storageTier") or "Standard", "objectEventsEnabled": False,
            "freeformTags": body.get("freeformTags") or {}, "definedTags": body.get("definedTags") or {},
            "versioning": _versioning(body, CREATE_VERSIONING), "autoTiering": "Disabled",
            "_ocid": new_ocid("bucket", region),
        }
        return db.insert(KIND, record)


VERSIONING_ENABLED, VERSIONING_DISABLED, VERSIONING_SUSPENDED = "Enabled", "Disabled", "Suspended"
CREATE_VERSIONING = (VERSIONING_ENABLED, VERSIONING_DISABLED)  # CreateBucketDetails' allowed values
UPDATE_VERSIONING = (VERSIONING_ENABLED, VERSIONING_SUSPENDED)  # UpdateBucketDetails' allowed values


def _versioning(body: dict[str, Any], allowed: tuple[str, ...], current: str = VERSIONING_DISABLED) -> str:
    value = body.get("versioning")
    if value is None:
        return current
    if value not in allowed:
        raise invalid(f"versioning must be one of {', '.join(allowed)}.")
    return value


def is_versioned(record: dict[str, Any]) -> bool:
    """Whether a write keeps the object's previous version (versioning Enabled, not Suspended)."""
    return record.get("versioning") == VERSIONING_ENABLED


def update(db: Database, namespace: str, bucket: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
    """``UpdateBucket``: versioning, public access, metadata and tags (412 on a stale etag)."""
    with db.transaction():
        record = get(db, namespace, bucket)
        if if_match and if_match.strip('"') != record["etag"]:
            raise if_match_failed(bucket)
        record["versioning"] = _versioning(body, UPDATE_VERSIONING, record.get("versioning") or VERSIONING_DISABLED)
        for field in ("publicAccessType", "metadata", "freeformTags", "definedTags", "objectEventsEnabled"):
            if body.get(field) is not None:
                record[field] = body[field]
        record["etag"] = new_etag()
        return db.update(KIND, record["id"], record)


def ensure(db: Database, namespace: str, bucket: str, region: str, created_by: str,
           public_access: str | None = None) -> dict[str, Any]:
    """The bucket, created on first write when missing (with ``public_access`` as its publicAccessType)."""
    check_name(bucket)
    record = db.get(KIND, key(namespace, bucket))
    if record is not None:
        return record
    return create(db, namespace, {"name": bucket, "publicAccessType": public_access}, region, created_by)


def delete(db: Database, namespace: str, bucket: str) -> None:
    with db.transaction():
        get(db, namespace, bucket)
        if db.count(OBJECT_KIND, {"namespace": namespace, "bucket": bucket}):
            raise bucket_not_empty(bucket)
        if db.count(VERSION_KIND, {"namespace": namespace, "bucket": bucket}):
            raise bucket_not_empty(bucket)  # OCI: every previous version must be deleted too
        db.delete(KIND, key(namespace, bucket))


def wire(record: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    out["id"] = record["_ocid"]
    out.update(approximateCount=None, approximateSize=None, isReadOnly=False, replicationEnabled=False)
    return out
