"""The wire half of the score.py contract: how a request body becomes ``data``, and a result a body.

- A JSON content type gives ``json.loads(body)``: ``application/json``, any ``+json`` type
  (``application/vnd.api+json``), and a request without a content type whose body is not empty.
  Malformed JSON is the caller's error (:class:`BadBody`, a 400 from the server).
- Any other content type (``application/octet-stream``, images, ``text/csv``) and an empty body
  without a content type reach ``predict`` as the raw ``bytes``.
- A result of ``bytes`` goes back as ``application/octet-stream``; anything else as JSON, with
  numpy arrays and scalars turned into plain lists and numbers (duck-typed: numpy may not be
  installed). A result JSON cannot hold is :class:`NotSerializable`.

The inference server and ``verify()``'s fresh process both use these functions (see ``scoring``).
Standard library only.
"""
from __future__ import annotations

import json
from typing import Any

JSON = "application/json"
OCTET_STREAM = "application/octet-stream"


class BadBody(ValueError):
    """A body sent as JSON that does not parse; the message is safe to return to the caller."""


class NotSerializable(TypeError):
    """predict() returned something JSON cannot hold; the message names its type."""


def mimetype(content_type: str | None) -> str:
    """``application/json`` of ``Application/JSON; charset=utf-8``; empty when there is none."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(content_type: str | None) -> bool:
    """Whether a body of this content type is parsed as JSON (no content type counts as JSON)."""
    kind = mimetype(content_type)
    return not kind or kind == JSON or kind.endswith("+json")


def request_data(body: bytes, content_type: str | None) -> Any:
    """What score.py's ``predict`` receives as ``data`` for this request body."""
    kind = mimetype(content_type)
    if not is_json(kind) or (not body and kind != JSON):
        return body
    try:
        return json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError is one too
        raise BadBody(f"the request body is not valid JSON: {exc}") from None


def response_body(result: Any) -> tuple[bytes, str]:
    """(body, content type) of predict's result."""
    if isinstance(result, (bytes, bytearray, memoryview)):
        return bytes(result), OCTET_STREAM
    try:
        return json.dumps(result, default=_plain).encode("utf-8"), JSON
    except (TypeError, ValueError) as exc:
        raise NotSerializable(f"score.py predict() returned a {type(result).__name__}, which is not "
                              f"JSON-serializable ({exc})") from None


def _plain(value: Any) -> Any:
    """numpy arrays and scalars (duck-typed) as plain JSON values."""
    for method in ("tolist", "item"):
        if callable(getattr(value, method, None)):
            return getattr(value, method)()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
