"""``opc-retry-token``: a create retried with the same token returns the resource the first call
made instead of making a second one (OCI keeps tokens 24 hours; we keep them forever)."""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

from emulator.data_science.errors import retry_token_reused
from emulator.store import Database, kinds

KIND = kinds.RETRY_TOKEN


def _digest(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def once(db: Database, token: str | None, operation: str, body: Any,
         create: Callable[[], dict[str, Any]], load: Callable[[str], dict[str, Any] | None]) -> dict[str, Any]:
    """Run ``create`` once per (operation, token); a replay gets ``load(id)`` of the first result.

    Raises 409 InvalidatedRetryToken when the token comes back with a different body."""
    if not token:
        return create()
    key = f"{operation}:{token}"
    with db.transaction():
        seen = db.get(KIND, key)
        if seen is not None:
            if seen["bodyDigest"] != _digest(body):
                raise retry_token_reused()
            existing = load(seen["resourceId"])
            if existing is not None:
                return existing
            db.delete(KIND, key)
        record = create()
        db.insert(KIND, {"id": key, "resourceId": record["id"], "bodyDigest": _digest(body)})
        return record
