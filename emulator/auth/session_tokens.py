"""Resource-principal session tokens (RPSTs): issued to emulated notebook sessions, checked under
``--auth enforce``.

**The token.** A JWT (``header.claims.signature``, base64url) signed RS256 (RSA PKCS#1 v1.5 over
SHA-256) with the home's issuer key, ``<home>/rpst-issuer.pem``, made on first use and never sent
anywhere: a token whose claims were changed, or that another home issued, does not verify. Claims,
as OCI's identity service writes them for a resource principal:

=================== ============================================================================
``sub``             the resource's OCID (the notebook session); ``createdBy`` of what it creates
``res_type``        ``datasciencenotebooksession``
``res_compartment`` the compartment the principal may reach (``signer.compartment_id`` in the SDK)
``res_tenant``      its tenancy (``signer.tenancy_id``)
``jwk``             the session key pair's public key, a JSON string (``kty`` RSA, ``n``, ``e``,
                    ``kid``, ``alg`` RS256, ``use`` sig): requests signed with the token are
                    verified with this key
``iat``, ``exp``    issued at, expires at (epoch seconds); ``exp`` - ``iat`` is
                    ``EmulatorConfig.rpst_lifetime`` (an hour unless set); a renewed token keeps it
``iss``, ``aud``,   ``authService.oracle.com``, ``oci``, a unique id, ``ptype`` resource,
``jti``, ...        ``ttype`` res, ``tenant``
=================== ============================================================================

A request signed with it carries ``keyId="ST$<token>"`` (the ``oci`` SDK's ``SecurityTokenSigner``
format, which its resource-principal signers use) and is signed with the session's private key.

**Lifetime and refresh.** The SDK's version 2.2 signer (``EphemeralResourcePrincipalSigner``) never
looks at ``exp`` before sending: it re-reads ``OCI_RESOURCE_PRINCIPAL_RPST`` and
``OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM`` from their files (when they are absolute paths) only after a
call is answered 401, then retries that call once. So OCI's notebook sessions rely on an agent that
rewrites the token file before or when it expires, and the emulator is that agent: when a request
comes with an expired token that is otherwise valid (issued by this home, the request signed with the
token's own key: proof of holding it), the emulator writes a fresh token for the same key into the
session's token file under its home (``emulator.contracts.resource_principals``), if that file holds a
token for the same key, and then answers 401. The SDK re-reads the file and its retry passes, so a
notebook runs for days on hourly tokens without noticing. A token given by value (not a path), or
files kept under another home than the emulator's, cannot be renewed this way: run ``dockyard
notebook env`` again (``toolkit.notebook_session`` re-issues a token past half its life).
"""
from __future__ import annotations

import base64
import functools
import json
import os
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from emulator.auth.keys import fingerprint_of, load_public_key
from emulator.auth.signature import SignatureError
from emulator.contracts import resource_principals
from emulator.contracts.states import NOTEBOOK_SESSION_GONE

KEY_ID_PREFIX = "ST$"  # oci.auth.signers.security_token_signer.SECURITY_TOKEN_FORMAT_STRING
ISSUER_KEY_FILE = "rpst-issuer.pem"
ISSUER = "authService.oracle.com"
_REQUIRED = ("sub", "res_compartment", "res_tenant", "exp", "jwk")


def is_session_token(key_id: str) -> bool:
    return key_id.startswith(KEY_ID_PREFIX)


# ------------------------------------------------------------------------------------------------
# Issuing
# ------------------------------------------------------------------------------------------------

def issue(home: Path, *, resource_id: str, resource_type: str, compartment_id: str, tenancy_id: str,
          public_key_pem: str | bytes, lifetime: float) -> str:
    """A token for ``resource_id`` bound to the session key ``public_key_pem`` (InvalidKey when it is
    not an RSA public key), valid for ``lifetime`` seconds."""
    issued = int(time.time())
    claims = {
        "sub": resource_id,
        "iss": ISSUER,
        "aud": "oci",
        "iat": issued,
        "exp": issued + max(1, int(lifetime)),
        "jti": str(uuid.uuid4()),
        "ptype": "resource",
        "ttype": "res",
        "res_type": resource_type,
        "res_compartment": compartment_id,
        "res_tenant": tenancy_id,
        "tenant": tenancy_id,
        "jwk": _jwk_of(load_public_key(public_key_pem)),
    }
    return _sign(_issuer_key(home), claims)


def expires_at(token: str) -> datetime:
    """When ``token`` expires (its ``exp``, unverified: for display and renewal decisions)."""
    return datetime.fromtimestamp(int(unverified_claims(token).get("exp", 0)), timezone.utc)


def _sign(key: rsa.RSAPrivateKey, claims: dict[str, Any]) -> str:
    header = {"alg": "RS256", "typ": "JWT", "kid": fingerprint_of(key.public_key())}
    signing_input = f"{_b64(json.dumps(header, separators=(',', ':')).encode())}." \
                    f"{_b64(json.dumps(claims, separators=(',', ':')).encode())}"
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


def _jwk_of(key: rsa.RSAPublicKey) -> str:
    numbers = key.public_numbers()
    return json.dumps({"kid": fingerprint_of(key), "n": _b64(_int_bytes(numbers.n)), "e": _b64(_int_bytes(numbers.e)),
                       "kty": "RSA", "alg": "RS256", "use": "sig"}, separators=(",", ":"))


def _issuer_key(home: Path) -> rsa.RSAPrivateKey:
    """The home's issuer key, created on first use (the first of several racing writers wins)."""
    path = Path(home) / ISSUER_KEY_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        _create_issuer_key(path)
        stat = path.stat()
    return _load_issuer_key(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _load_issuer_key(path: str, mtime_ns: int, size: int) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _create_issuer_key(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    resource_principals.write_private(staging, pem)
    try:
        os.link(staging, path)  # atomic create-if-absent: a reader never sees half a key
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        staging.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------------
# Checking
# ------------------------------------------------------------------------------------------------

def principal(db: Any, home: Path, key_id: str) -> dict[str, Any]:
    """The principal a ``ST$<token>`` keyId stands for, shaped like an API-key record (``userId`` is
    the resource, ``compartments`` the token's ``res_compartment``, ``publicKey`` the token's key),
    or SignatureError. Expiry is checked after the request's signature (:func:`check_expiry`)."""
    from emulator.data_science import notebook_sessions

    token = key_id[len(KEY_ID_PREFIX):]
    claims = _verified_claims(home, token)
    resource = notebook_sessions.find(db, claims["sub"])
    if resource is None or resource.get("lifecycleState") in NOTEBOOK_SESSION_GONE:
        raise SignatureError(f"the resource principal's notebook session {claims['sub']} does not exist any more")
    return {
        "id": f"{KEY_ID_PREFIX}{claims.get('jti', '')}",
        "tenancyId": claims["res_tenant"],
        "userId": claims["sub"],
        "compartments": [claims["res_compartment"]],
        "publicKey": _public_pem(claims["jwk"]),
        "lifecycleState": "ACTIVE",
        "sessionToken": token,
        "claims": claims,
    }


def check_expiry(home: Path, record: dict[str, Any]) -> None:
    """After the request's signature verified: SignatureError when the principal's token has expired,
    once its token file (if the home has one for the same key) holds a fresh token."""
    claims = record.get("claims")
    if claims is None or time.time() < int(claims["exp"]):
        return
    renew_file(home, claims)
    expired = datetime.fromtimestamp(int(claims["exp"]), timezone.utc).isoformat(timespec="seconds")
    raise SignatureError(f"the resource principal session token expired at {expired}; the oci SDK reloads "
                         "OCI_RESOURCE_PRINCIPAL_RPST from its file after this 401 (`dockyard notebook env` "
                         "writes a fresh one)")


def renew_file(home: Path, claims: dict[str, Any]) -> bool:
    """Write a fresh token for the same resource and key, with the same lifetime, into the resource's
    token file under ``home``, unless the file is missing, holds a token for another key or one still
    fresh."""
    path = resource_principals.session_files(home, claims["sub"]).token
    try:
        current = unverified_claims(path.read_text().strip())
        if current.get("jwk") != claims["jwk"] or int(current.get("exp", 0)) > time.time():
            return False
    except (OSError, ValueError, TypeError, SignatureError):
        return False  # not a token of ours: leave the file alone
    issued, lifetime = int(time.time()), max(1, int(claims["exp"]) - int(claims.get("iat") or 0))
    fresh = {**claims, "iat": issued, "exp": issued + lifetime, "jti": str(uuid.uuid4())}
    resource_principals.write_private(path, _sign(_issuer_key(home), fresh).encode("ascii"))
    return True


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT without checking anything (SignatureError when it is not one)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise SignatureError("the security token is not a JWT (header.claims.signature)")
    claims = _json_part(parts[1], "claims")
    if not isinstance(claims, dict):
        raise SignatureError("the security token's claims are not a JSON object")
    return claims


def _verified_claims(home: Path, token: str) -> dict[str, Any]:
    claims = unverified_claims(token)
    header_part, claims_part, signature_part = token.split(".")
    header = _json_part(header_part, "header")
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        raise SignatureError("the security token is not signed with RS256")
    try:
        _issuer_key(home).public_key().verify(_unb64(signature_part, "signature"),
                                              f"{header_part}.{claims_part}".encode("ascii"),
                                              padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, UnicodeEncodeError):
        raise SignatureError("the security token was not issued by this emulator (its signature does not "
                             "verify with this home's issuer key): changed, or from another emulator home") from None
    missing = [name for name in _REQUIRED if not claims.get(name)]
    if missing or not isinstance(claims["exp"], int) or not isinstance(claims["jwk"], str):
        raise SignatureError(f"the security token lacks the claims {', '.join(missing) or 'exp, jwk'}")
    return claims


@functools.lru_cache(maxsize=1024)
def _public_pem(jwk: str) -> str:
    """The PEM of the RSA public key a ``jwk`` claim holds (cached: a session signs many requests)."""
    try:
        fields = json.loads(jwk)
        numbers = rsa.RSAPublicNumbers(int.from_bytes(_unb64(fields["e"], "jwk"), "big"),
                                       int.from_bytes(_unb64(fields["n"], "jwk"), "big"))
        key = numbers.public_key()
    except (ValueError, KeyError, TypeError):
        raise SignatureError("the security token's jwk claim is not an RSA public key") from None
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _json_part(part: str, what: str) -> Any:
    try:
        return json.loads(_unb64(part, what))
    except (ValueError, RecursionError):
        raise SignatureError(f"the security token's {what} is not JSON") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise SignatureError(f"the security token's {what} is not base64url") from None


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")
