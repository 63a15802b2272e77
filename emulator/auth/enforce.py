"""The ``before_request`` hook that makes the emulator check OCI request signatures like OCI does.

Off unless ``EmulatorConfig.auth_mode == "enforce"``. When on, every request must carry a valid
``oci.signer.Signer`` signature from a registered API key, or a resource-principal signature (a
session token this emulator issued, :mod:`emulator.auth.session_tokens`) (401 ``NotAuthenticated``
otherwise), and may only touch compartments that key or principal is allowed, and only read when the
key is read-only (404 ``NotAuthorizedOrNotFound`` otherwise, the answer OCI gives so that callers
cannot probe for resources they may not see).
"""
from __future__ import annotations

import hashlib
import re
import tempfile
from typing import IO, Any, Callable
from urllib.parse import quote, urlsplit

from flask import Flask, g, request

from emulator.auth import access, keys, session_tokens, signature
from emulator.auth.signature import SignatureError
from emulator.errors import OCIError, not_found
from emulator.state import current_state
from emulator.wire import parse_json

ENFORCE = "enforce"
NOT_AUTHENTICATED = "The required information to complete authentication was not provided or was incorrect"
_CHUNK = 1024 * 1024
_SPOOL_IN_MEMORY = 1024 * 1024

# Uploads the SDK signs without the body headers (``enforce_content_headers=False`` in the oci
# source: model/job/step/model-group artifacts, metadatum artifacts, Object Storage put/upload part).
_BODY_EXEMPT = [
    re.compile(r"^/20190101/.+/artifact$"),
    re.compile(r"^/n/[^/]+/b/[^/]+/[ou]/.+$"),
]
UPLOAD_PATHS = tuple(_BODY_EXEMPT)  # the routes whose bodies are artifacts and objects (server.py spools them)
# Where API request bodies go (JSON documents, read by the access check); the predict gateway
# (``/<deployment-ocid>/predict``) carries the user's own payload instead.
_API_PREFIXES = ("/20190101/", "/20180409/", "/20190909/", "/n/")
# Liveness probes the daemon uses to see whether an emulator answers; they reveal nothing.
_OPEN_PATHS = {"/health", "/healthz", "/_dockyard/health", "/_dockyard/status"}
# Blueprints that authenticate their own requests: the console, because a browser cannot sign OCI
# requests; it asks for the token printed at start instead (emulator.console.access). Matched by the
# route Flask resolved, not by a path prefix, so no crafted path reaches the API through it.
_SELF_AUTHENTICATED = {"console"}
# Pre-authenticated requests carry their authorization in the path (emulator.object_storage.pars).
_PAR_PATH = re.compile(r"^/p/[^/]+/n/")


def install(app: Flask) -> None:
    """Run first among ``before_request`` hooks, before anything reads the body."""
    app.before_request_funcs.setdefault(None, []).insert(0, authenticate_request)


def enforcing() -> bool:
    return current_state().config.auth_mode == ENFORCE


def authenticate_request() -> None:
    """Flask hook: 401/404 as OCIError, or None to let the request through."""
    if (not enforcing() or request.path in _OPEN_PATHS or request.blueprint in _SELF_AUTHENTICATED
            or _PAR_PATH.match(request.path)):
        return None
    db = current_state().db
    try:
        key = _verify(db)
    except SignatureError as exc:
        raise OCIError(401, "NotAuthenticated", f"{NOT_AUTHENTICATED}: {exc}.") from None
    g.dockyard_api_key = key
    access.check(db, key, _api_document)
    return None


def _verify(db: Any) -> dict[str, Any]:
    return verify_signed(db, _home(), request.method, request_target(), _header, _required_headers(), spool_body)


def verify_signed(db: Any, home: Any, method: str, target: str, header: Callable[[str], str | None],
                  required: tuple[str, ...], body: Callable[[], tuple[bytes, int]]) -> dict[str, Any]:
    """The registered key that signed this request, or SignatureError saying what is wrong.

    Framework-free, so the Flask hook and the deployments' endpoint server check signatures with the
    same rules: ``header(name)`` reads a request header, ``body()`` gives the body's (SHA-256 digest,
    size) and is called only when the signature covers ``x-content-sha256``."""
    parsed = signature.parse_authorization(header("authorization"))
    signature.require_headers(parsed, required)
    record = _signing_principal(db, home, parsed)
    signature.check_date(header(signature.signed_date_header(parsed)))
    message = signature.signing_string(parsed.headers, header, method, target)
    signature.verify_signature(keys.load_public_key(record["publicKey"]), message, parsed.signature)
    session_tokens.check_expiry(home, record)
    if "x-content-sha256" in parsed.headers:
        digest, size = body()
        if signature.content_sha256(digest) != header("x-content-sha256"):
            raise SignatureError("x-content-sha256 does not match the request body")
        declared = header("content-length")
        if declared is not None and declared.strip() != str(size):
            raise SignatureError(f"content-length {declared} does not match the body ({size} bytes)")
    return record


def _signing_principal(db: Any, home: Any, parsed: signature.ParsedSignature) -> dict[str, Any]:
    """Who signed: a registered API key (``tenancy/user/fingerprint``), or the resource principal of a
    session token (``ST$<token>``, :mod:`emulator.auth.session_tokens`)."""
    if session_tokens.is_session_token(parsed.key_id):
        return session_tokens.principal(db, home, parsed.key_id)
    record = keys.find_key(db, parsed.key_id) or keys.adopt_local_key(db, home, parsed.key_id)
    if record is None:
        parsed.key_parts()  # a malformed keyId gets its own message
        raise SignatureError(f"no API key {parsed.key_id!r} is registered (dockyard emulator add-key)")
    return record


def authenticate_call(db: Any, home: Any, method: str, target: str, header: Callable[[str], str | None],
                      body: Callable[[], tuple[bytes, int]], resource_id: str, compartment_id: str | None) -> dict[str, Any]:
    """A call that does not go through Flask (the deployments' endpoint), under the API's rules: a
    valid signature (401 otherwise) by a key that may see the resource's compartment and, when it is
    read-only, a call that only reads (404 otherwise: a predict is no read)."""
    required = signature.GENERIC_HEADERS + (signature.BODY_HEADERS if method in ("POST", "PUT", "PATCH") else ())
    try:
        key = verify_signed(db, home, method, target, header, required, body)
    except SignatureError as exc:
        raise OCIError(401, "NotAuthenticated", f"{NOT_AUTHENTICATED}: {exc}.") from None
    if not access.allows(key, method, None):
        raise not_found("resource", resource_id)
    compartment = compartment_id or access.resource_compartment(db, resource_id)
    if compartment and not access.unlimited(key) and not keys.may_access(key, compartment):
        raise not_found("resource", resource_id)
    return key


def _home() -> Any:
    return current_state().config.home


def _required_headers() -> tuple[str, ...]:
    needed = signature.GENERIC_HEADERS
    if request.method in ("POST", "PUT", "PATCH") and not any(p.match(request.path) for p in _BODY_EXEMPT):
        needed += signature.BODY_HEADERS
    return needed


def _header(name: str) -> str | None:
    if name == "content-length":
        return request.headers.get("content-length")
    return request.headers.get(name)


def request_target() -> str:
    """Path and query exactly as the client sent them (what ``(request-target)`` signs)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        if "://" in raw:
            parts = urlsplit(raw)
            raw = parts.path + (f"?{parts.query}" if parts.query else "")
        return raw
    path = quote(request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", ""), safe="/:@!$&'()*+,;=-._~")
    query = request.environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


def spool_body() -> tuple[bytes, int]:
    """Read the raw body once, replacing ``wsgi.input`` so the route still reads it from the start.

    Must run before anything touches ``request.stream``; returns (sha256 digest, size)."""
    cached = getattr(g, "dockyard_body_digest", None)
    if cached is not None:
        return cached
    environ = request.environ
    source: IO[bytes] = environ["wsgi.input"]
    remaining = request.content_length
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)
    sha, size = hashlib.sha256(), 0
    while remaining is None or remaining > 0:
        chunk = source.read(_CHUNK if remaining is None else min(_CHUNK, remaining))
        if not chunk:
            break
        sha.update(chunk)
        spool.write(chunk)
        size += len(chunk)
        if remaining is not None:
            remaining -= len(chunk)
    spool.seek(0)
    environ["wsgi.input"] = spool
    environ["CONTENT_LENGTH"] = str(size)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = False
    request.__dict__.pop("content_length", None)  # cached before a chunked body's size was known
    g.dockyard_body_digest = (sha.digest(), size)
    return g.dockyard_body_digest


def _api_document() -> object:
    """The JSON body of an API call, read from the spool, whatever its Content-Type says (the routes
    parse any body, so the access check must see the same document); None when there is none."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.path.startswith(_API_PREFIXES):
        return None
    if any(p.match(request.path) for p in _BODY_EXEMPT):
        return None  # an artifact or object upload: bytes, not a document
    if (request.content_length or 0) > current_state().config.max_payload_bytes:
        return None  # the route answers 413 without reading it
    spool_body()
    spool = request.environ["wsgi.input"]
    data = spool.read()
    spool.seek(0)
    try:
        return parse_json(data) if data.strip() else None
    except OCIError:
        return None  # the route answers 400 for the same body
