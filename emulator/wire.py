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


MAX_JSON_DEPTH = 64  # OCI request bodies nest a handful of levels; this leaves room and stops stack bombs


def json_body(required: bool = True) -> dict[str, Any]:
    """The request's JSON object; 400 InvalidParameter when it is not one, 413 when too big,
    415 when the client labelled it as something other than JSON."""
    from emulator.state import current_state

    limit = current_state().config.max_payload_bytes
    if not is_json_type(request.mimetype):
        raise OCIError(415, "UnsupportedMediaType", f"Content-Type {request.content_type!r} is not JSON; "
                       "send the body as application/json.")
    declared = content_length()
    if declared is not None and declared > limit:
        raise too_large(f"Request body is {declared} bytes; the limit is {limit}.")
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise too_large(f"Request body exceeds the limit of {limit} bytes.")
    if not raw.strip():
        if required:
            raise invalid("The request body must be a JSON object.")
        return {}
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    return body


def is_json_type(mimetype: str) -> bool:
    """Whether a body of this media type is read as JSON (no type at all counts, as curl sends it)."""
    return not mimetype or mimetype.endswith("json")


def parse_json(raw: bytes) -> Any:
    """Decode a JSON document the store and the wire can hold; 400 InvalidParameter otherwise.

    Beyond syntax, refuses what Python's decoder lets through but breaks later: nesting deeper
    than ``MAX_JSON_DEPTH`` (the stack), lone surrogates (SQLite and UTF-8 cannot hold them),
    NaN and infinities (not JSON; SQLite's JSON functions reject the stored text)."""
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise invalid(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid(f"The request body is not valid JSON: {exc}.") from None
    _check_json_values(value)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_json_values(value: Any) -> None:
    """Walk the document without recursion (it may be deep) and check depth, strings and numbers."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and not _encodable(item):
                raise invalid("The request body has a string that is not valid Unicode (a lone surrogate).")
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise invalid("The request body has a number too large to represent.")
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise invalid(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def content_length() -> int | None:
    """The declared body length; 400 when the header is not a plain decimal number."""
    value = request.headers.get("content-length")
    if value is None:
        return None
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise invalid("Content-Length must be a non-negative integer.")
    return int(value)


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


def limit_arg(default: int = 100, maximum: int = 1000) -> int:
    """The ``limit`` query parameter: an integer from 1 to ``maximum``; 400 otherwise."""
    value = request.args.get("limit")
    if value is None:
        return default
    if not (value.isascii() and value.isdigit() and len(value) <= 9) or not 1 <= int(value) <= maximum:
        raise invalid(f"limit must be an integer between 1 and {maximum}.")
    return int(value)


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
    return {"sort_by": sort_by, "sort_order": sort_order, "limit": limit_arg(), "page": args.get("page") or None}


def page_of(items: list[Any], limit: int) -> Page:
    """One page of a list computed in memory (search results, log lines), with the same opaque
    ``opc-next-page`` tokens as the store's lists; 400 for a token this service did not issue."""
    from emulator.store.db import InvalidPageToken, decode_offset, encode_offset

    token = request.args.get("page")
    try:
        start = decode_offset(token) if token else 0
    except InvalidPageToken:
        raise invalid("page is not a token this service returned.") from None
    end = start + limit
    return Page(items[start:end], encode_offset(end) if end < len(items) else None)


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


def check_etag(record: dict[str, Any], if_match: str | None) -> None:
    """412 NoEtagMatch when the client sent ``if-match`` and it is not the record's current etag."""
    if if_match and if_match != "*" and if_match.strip('"') != record.get("_etag"):
        raise etag_mismatch(record["id"])


def ensure(condition: bool, error: OCIError) -> None:
    if not condition:
        raise error


_DEFAULT_CALLER = "ocid1.user.oc1..dockyardlocaluser"


def caller() -> str:
    """Who makes this request, for ``createdBy``: the user OCID of the signing key (the verified key
    when signatures are enforced, else the signature's ``keyId``, ``tenancy/user/fingerprint``), or
    the resource of a resource-principal signature (a notebook session); for an unsigned request,
    the user of the local profile kept under the emulator's home."""
    verified = getattr(g, "dockyard_api_key", None)
    if verified:
        return verified["userId"]
    auth = request.headers.get("authorization", "")
    marker = 'keyId="'
    start = auth.find(marker)
    if start >= 0:
        key_id = auth[start + len(marker):].split('"', 1)[0]
        subject = _session_token_subject(key_id)
        if subject:
            return subject
        parts = key_id.split("/")
        if len(parts) >= 3 and is_valid_ocid(parts[1]):
            return parts[1]
    from emulator.auth.keys import local_profile
    from emulator.state import current_state

    profile = local_profile(current_state().config.home)
    return profile["user"] if profile and is_valid_ocid(profile.get("user")) else _DEFAULT_CALLER


def _session_token_subject(key_id: str) -> str | None:
    """The resource (``sub``) of a resource-principal signature's ``ST$<token>`` keyId, unverified."""
    from emulator.auth import session_tokens
    from emulator.auth.signature import SignatureError

    if not session_tokens.is_session_token(key_id):
        return None
    try:
        subject = session_tokens.unverified_claims(key_id[len(session_tokens.KEY_ID_PREFIX):]).get("sub")
    except SignatureError:
        return None
    return subject if is_valid_ocid(subject) else None


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
    # send_file's own choices would leak the blob's file name and a caching policy OCI never set.
    for own in ("Content-Disposition", "Cache-Control"):
        response.headers.pop(own, None)
    for key, value in headers.items():
        response.headers[key] = value
    if response.status_code == 206:
        response.headers.pop("content-md5", None)  # the digest is of the whole body, not this range
    return response
