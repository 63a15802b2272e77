"""OCI request signatures (draft-cavage HTTP Signatures, as ``oci.signer.Signer`` makes them).

Pure functions, no HTTP framework: parse the ``Authorization`` header, rebuild the signing
string from the request's headers, check the RSA-SHA256 signature and the date skew. The Flask
glue lives in :mod:`emulator.auth.enforce`, so these rules can be tested on plain values.
"""
from __future__ import annotations

import base64
import email.utils
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

MAX_CLOCK_SKEW_SECONDS = 300
GENERIC_HEADERS = ("(request-target)", "host")
BODY_HEADERS = ("content-length", "content-type", "x-content-sha256")

_PARAM_RE = re.compile(r'(\w+)="([^"]*)"')


class SignatureError(Exception):
    """The request is not authenticated; the message says what is wrong (for the 401 body)."""


@dataclass(frozen=True)
class ParsedSignature:
    """The parts of ``Authorization: Signature keyId=...,headers=...,signature=...``."""

    key_id: str
    algorithm: str
    headers: tuple[str, ...]
    signature: bytes
    version: str | None

    def key_parts(self) -> tuple[str, str, str]:
        """``(tenancy, user, fingerprint)`` from ``keyId`` (OCI's API-key form)."""
        parts = self.key_id.split("/")
        if len(parts) != 3 or not all(parts):
            raise SignatureError(f"keyId {self.key_id!r} is not of the form <tenancy>/<user>/<fingerprint>")
        return parts[0], parts[1], parts[2]


def parse_authorization(value: str | None) -> ParsedSignature:
    """Parse the ``Authorization`` header, or explain why it is not an OCI signature."""
    if not value:
        raise SignatureError("the request has no Authorization header; sign it with an OCI API key")
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "signature":
        raise SignatureError(f"Authorization scheme {scheme!r} is not 'Signature'")
    params = dict(_PARAM_RE.findall(rest))
    missing = [p for p in ("keyId", "signature", "headers") if p not in params]
    if missing:
        raise SignatureError(f"the Signature is missing {', '.join(missing)}")
    algorithm = params.get("algorithm", "rsa-sha256").lower()
    if algorithm != "rsa-sha256":
        raise SignatureError(f"signature algorithm {algorithm!r} is not supported (use rsa-sha256)")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError:
        raise SignatureError("the signature is not valid base64") from None
    headers = tuple(h.lower() for h in params["headers"].split())
    return ParsedSignature(params["keyId"], algorithm, headers, signature, params.get("version"))


def require_headers(parsed: ParsedSignature, required: Sequence[str]) -> None:
    """OCI rejects signatures that leave out headers it needs signed (date or x-date counts as one)."""
    signed = set(parsed.headers)
    if not signed & {"date", "x-date"}:
        raise SignatureError("the signature must cover the date (or x-date) header")
    absent = [h for h in required if h not in signed]
    if absent:
        raise SignatureError(f"the signature must cover these headers: {', '.join(absent)}")


def signing_string(
    signed_headers: Sequence[str],
    header: Callable[[str], str | None],
    method: str,
    target: str,
) -> str:
    """Rebuild the exact text the client signed, one ``name: value`` line per signed header."""
    lines = []
    for name in signed_headers:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
            continue
        value = header(name)
        if value is None:
            raise SignatureError(f"signed header {name!r} is not in the request")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def signed_date_header(parsed: ParsedSignature) -> str:
    """The date header the signature covers (``x-date`` wins, as in OCI): the one whose freshness
    counts. An unsigned date header proves nothing, since anyone can add one to a replayed request."""
    return "x-date" if "x-date" in parsed.headers else "date"


def verify_signature(public_key: rsa.RSAPublicKey, message: str, signature: bytes) -> None:
    """RSA PKCS#1 v1.5 over SHA-256, as the SDK signs; raises SignatureError on mismatch."""
    try:
        public_key.verify(signature, message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError("the signature does not verify with the public key registered for this keyId") from None


def check_date(value: str | None, now: datetime | None = None, skew: int = MAX_CLOCK_SKEW_SECONDS) -> None:
    """Refuse requests whose signed date is missing, malformed or more than ``skew`` seconds off."""
    if not value:
        raise SignatureError("the request has no date header")
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise SignatureError(f"date header {value!r} is not an RFC 7231 date") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    off = abs((now - when).total_seconds())
    if off > skew:
        raise SignatureError(
            f"date header {value!r} is {int(off)} s away from the server clock (limit {skew // 60} minutes); "
            "check the client's clock"
        )


def content_sha256(digest: bytes) -> str:
    """The ``x-content-sha256`` form of a SHA-256 digest (base64)."""
    return base64.b64encode(digest).decode("ascii")
