"""Which compartments a request touches, and whether the signing key may reach them.

A request names compartments three ways: the ``compartmentId`` query parameter (lists), the
``compartmentId`` of its JSON body (create, change-compartment), and the OCIDs in its path
(the resource's own compartment). Any one outside the key's allowed set is answered with 404
``NotAuthorizedOrNotFound``, exactly what OCI says for resources a user may not see.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable

from flask import request

from emulator.auth import keys
from emulator.errors import not_found
from emulator.ocid import is_valid_ocid

# Resource kinds whose records hold a compartmentId, searched when a path names an OCID.
RESOURCE_KINDS: tuple[str, ...] = (
    "model",
    "project",
    "modelversionset",
    "modeldeployment",
    "workrequest",
)


def compartment_in_json(data: bytes) -> str | None:
    """``compartmentId`` at the top of a JSON object body, or None (bad JSON is the route's 400)."""
    try:
        body = json.loads(data or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    value = body.get("compartmentId") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def path_ocids(path: str) -> list[str]:
    return [segment for segment in path.split("/") if is_valid_ocid(segment)]


def resource_compartment(db: Any, ocid: str, kinds: Iterable[str] = RESOURCE_KINDS) -> str | None:
    """The compartment of the stored resource ``ocid`` (None when no kind holds it)."""
    for kind in kinds:
        record = db.get(kind, ocid)
        if record is not None:
            return record.get("compartmentId")
    return None


def check(db: Any, key: dict[str, Any], body_compartment: Callable[[], str | None]) -> None:
    """Raise 404 NotAuthorizedOrNotFound when the request reaches a compartment ``key`` may not.

    ``body_compartment`` is called only for keys limited to some compartments (it reads the body)."""
    if keys.ALL_COMPARTMENTS in (key.get("compartments") or [keys.ALL_COMPARTMENTS]):
        return
    named = [request.args.get("compartmentId"), body_compartment()]
    for compartment in named:
        if compartment and not keys.may_access(key, compartment):
            raise not_found("compartment", compartment)
    for ocid in path_ocids(request.path):
        compartment = resource_compartment(db, ocid)
        if compartment and not keys.may_access(key, compartment):
            raise not_found("resource", ocid)
