"""Request parsing and response rendering shared by every emulated service: JSON bodies with
size limits, list paging parameters, etags, timestamps and the private-field convention.

Records keep emulator-only bookkeeping in keys starting with ``_`` (etag, blob names); those
never reach the wire.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any, Iterable

from flask import Response, g, jsonify, request

from emulator.errors import OCIError, etag_mismatch, invalid, too_large
from emulator.ocid import is_valid_ocid
from emulator.store.db import Page


def now() -> str:
    """RFC 3339 UTC timestamp with fixed width, so string order is time order."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def http_date(timestamp: str) -> str:
    """``Last-Modified`` form of one of our timestamps."""
    parsed = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return parsed.strftime("%a, %d %b %Y %H:%M:%S GMT")


def new_etag() -> str:
    return uuid.uuid4().hex


def public(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the wire shows it: without the emulator's private ``_`` keys."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def json_body(required: bool = True) -> dict[str, Any]:
    """The request's JSON object; 400 InvalidParameter when it is not one, 413 when too big."""
    from emulator.state import current_state

    limit = current_state().config.max_payload_bytes
    if request.content_length is not None and request.content_length > limit:
        raise too_large(f"Request body is {request.content_length} bytes; the limit is {limit}.")
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise too_large(f"Request body exceeds the limit of {limit} bytes.")
    if not raw.strip():
        if required:
            raise invalid("The request body must be a JSON object.")
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid(f"The request body is not valid JSON: {exc}.") from exc
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    return body


def require_ocid(value: Any, name: str) -> str:
    """``value`` when it is an OCID, else 400 InvalidParameter naming the field."""
    if not is_valid_ocid(value):
        raise invalid(f"{name} is not a valid OCID: {value!r}.")
    return value


def check_types(body: dict[str, Any], types: dict[str, type | tuple[type, ...]]) -> None:
    """400 when a present, non-null field has the wrong JSON type."""
    for name, expected in types.items():
        value = body.get(name)
        if value is not None and not isinstance(value, expected):
            raise invalid(f"{name} has the wrong type ({type(value).__name__}).")


def page_params(sort_fields: Iterable[str], default_sort: str = "timeCreated") -> dict[str, Any]:
    """``limit``, ``page``, ``sortBy``, ``sortOrder`` from the query string, validated."""
    args = request.args
    sort_fields = list(sort_fields)
    sort_by = args.get("sortBy", default_sort)
    if sort_by not in sort_fields:
        raise invalid(f"sortBy must be one of {sort_fields}.")
    default_order = "DESC" if sort_by.startswith("time") else "ASC"
    sort_order = args.get("sortOrder", default_order).upper()
    if sort_order not in ("ASC", "DESC"):
        raise invalid("sortOrder must be ASC or DESC.")
    limit = args.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= 1000:
        raise invalid("limit must be an integer between 1 and 1000.")
    return {"sort_by": sort_by, "sort_order": sort_order, "limit": int(limit), "page": args.get("page") or None}


def list_response(page: Page, shape: Any = None) -> Response:
    """A list body (``shape`` maps each record to its summary) with ``opc-next-page`` when more remain."""
    items = [shape(r) if shape else public(r) for r in page.items]
    response = jsonify(items)
    if page.next_page:
        response.headers["opc-next-page"] = page.next_page
    return response


def record_response(record: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """One record as JSON with its ``etag`` header."""
    response = jsonify(public(record))
    response.status_code = status
    if record.get("_etag"):
        response.headers["etag"] = record["_etag"]
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def empty_response(status: int = 204, headers: dict[str, str] | None = None) -> Response:
    response = Response(status=status)
    del response.headers["Content-Type"]  # no body, so no media type (werkzeug defaults to text/html)
    response.headers["Content-Length"] = "0"  # lets waitress keep the connection alive
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def check_if_match(record: dict[str, Any], ident: str) -> None:
    """412 NoEtagMatch when the client sent ``if-match`` and it is not the record's current etag."""
    expected = request.headers.get("if-match")
    if expected and expected != "*" and expected.strip('"') != record.get("_etag"):
        raise etag_mismatch(ident)


def ensure(condition: bool, error: OCIError) -> None:
    if not condition:
        raise error


_DEFAULT_CALLER = "ocid1.user.oc1..dockyardlocaluser"


def caller() -> str:
    """Who makes this request, for ``createdBy``: the user OCID of the signing key (the verified key
    when signatures are enforced, else the signature's ``keyId``, ``tenancy/user/fingerprint``); for
    an unsigned request, the user of the local profile kept under the emulator's home."""
    verified = getattr(g, "dockyard_api_key", None)
    if verified:
        return verified["userId"]
    auth = request.headers.get("authorization", "")
    marker = 'keyId="'
    start = auth.find(marker)
    if start >= 0:
        key_id = auth[start + len(marker):].split('"', 1)[0]
        parts = key_id.split("/")
        if len(parts) >= 3 and is_valid_ocid(parts[1]):
            return parts[1]
    from emulator.auth.keys import local_profile
    from emulator.state import current_state

    profile = local_profile(current_state().config.home)
    return profile["user"] if profile and is_valid_ocid(profile.get("user")) else _DEFAULT_CALLER


def list_records(kind: str, filters: dict[str, Any], params: dict[str, Any]) -> Page:
    """One page of ``kind`` from the store; 400 for a page token the store did not issue."""
    from emulator.state import current_state
    from emulator.store.db import InvalidPageToken

    try:
        return current_state().db.list(kind, filters, **params)
    except InvalidPageToken:
        raise invalid("page is not a token this service returned.") from None


def blob_response(path: Any, size: int, headers: dict[str, str]) -> Response:
    """Stream a stored file (never read whole), honouring ``Range`` with 206/416; HEAD gets headers only."""
    from flask import send_file

    response = send_file(path, mimetype="application/octet-stream", conditional=True, etag=False,
                         last_modified=None, max_age=None)
    for key, value in headers.items():
        response.headers[key] = value
    if response.status_code == 206:
        response.headers.pop("content-md5", None)  # the digest is of the whole body, not this range
    return response
