"""Small request readers shared by the Data Science routes."""
from __future__ import annotations

from typing import Any

from flask import request

from emulator.errors import invalid
from emulator.wire import require_ocid


def if_match() -> str | None:
    return request.headers.get("if-match")


def retry_token() -> str | None:
    return request.headers.get("opc-retry-token")


def enum_arg(name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.args.get(name)
    if value is not None and value not in allowed:
        raise invalid(f"{name} must be one of {list(allowed)}.")
    return value


def require_fields(body: dict[str, Any], *ocid_fields: str) -> None:
    """The named fields must be present and be OCIDs (400 InvalidParameter naming the field)."""
    for field in ocid_fields:
        if body.get(field) is None:
            raise invalid(f"{field} is required.")
        require_ocid(body[field], field)
