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


def list_filters(states: tuple[str, ...], *names: str, **checked: str | None) -> dict[str, Any]:
    """The filters every Data Science list takes (``compartmentId``, required; ``lifecycleState``, one of
    ``states``; ``id``; ``createdBy``), the query parameters ``names`` as given, and ``checked``: values
    the route has validated itself (an ``enum_arg``)."""
    args = request.args
    filters = {"compartmentId": require_ocid(args.get("compartmentId"), "compartmentId"), "id": args.get("id"),
               "lifecycleState": enum_arg("lifecycleState", states), "createdBy": args.get("createdBy")}
    filters.update({name: args.get(name) for name in names})
    filters.update(checked)
    return filters


def require_fields(body: dict[str, Any], *ocid_fields: str) -> None:
    """The named fields must be present and be OCIDs (400 InvalidParameter naming the field)."""
    for field in ocid_fields:
        if body.get(field) is None:
            raise invalid(f"{field} is required.")
        require_ocid(body[field], field)
