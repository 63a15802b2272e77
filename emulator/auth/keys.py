"""API-key users the emulator accepts when signing is enforced, kept in the emulator's own store.

A key is what OCI IAM holds for an API signing key: the tenancy and user OCIDs, the key's
fingerprint, the public key (PEM), plus what IAM policies would grant its user: which compartments
it may reach (``*`` = all), and whether it may only read (``readOnly``: GET and HEAD, and the calls
OCI authorises as reads, see :mod:`emulator.auth.access`).
The record id is the ``keyId`` the SDK puts in its signatures: ``<tenancy>/<user>/<fingerprint>``.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from emulator.contracts.key_fingerprint import fingerprint_of
from emulator.store import Database, kinds

KIND = kinds.API_KEY
ALL_COMPARTMENTS = "*"


class InvalidKey(ValueError):
    """The key material given to :func:`add_key` is unusable (not an RSA public key, bad fingerprint)."""


def load_public_key(pem: str | bytes) -> rsa.RSAPublicKey:
    """Parse a PEM public key; a private key is accepted and reduced to its public half.

    Parsed keys are kept by their PEM text (a key's text never changes meaning), so checking the
    signature of every predict call does not parse the same key again."""
    return _parsed(pem)


@functools.lru_cache(maxsize=256)
def _parsed(pem: str | bytes) -> rsa.RSAPublicKey:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            raise InvalidKey("not a PEM RSA public key (expected '-----BEGIN PUBLIC KEY-----')") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidKey("OCI API keys are RSA keys; this PEM holds another key type")
    return key


def key_id(tenancy: str, user: str, fingerprint: str) -> str:
    return f"{tenancy}/{user}/{fingerprint}"


def add_key(
    db: Database,
    tenancy: str,
    user: str,
    public_key_pem: str | bytes,
    fingerprint: str | None = None,
    compartments: Iterable[str] | None = None,
    read_only: bool = False,
) -> dict[str, Any]:
    """Register (or replace) an API key; returns the stored record.

    ``fingerprint`` is computed from the key when omitted; when given it must match, because a
    config whose fingerprint disagrees with its key fails on OCI too. ``compartments`` limits
    what the user sees (404 elsewhere); ``None`` means every compartment. ``read_only`` makes every
    call that would change something a 404, as OCI answers a user whose policies grant only reads.
    """
    key = load_public_key(public_key_pem)
    actual = fingerprint_of(key)
    if fingerprint and fingerprint.lower() != actual:
        raise InvalidKey(f"fingerprint {fingerprint} does not match the key (its fingerprint is {actual})")
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    record = {
        "id": key_id(tenancy, user, actual),
        "compartmentId": tenancy,
        "tenancyId": tenancy,
        "userId": user,
        "fingerprint": actual,
        "publicKey": pem,
        "compartments": sorted(set(compartments)) if compartments else [ALL_COMPARTMENTS],
        "readOnly": bool(read_only),
        "lifecycleState": "ACTIVE",
        "timeCreated": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    with db.transaction():
        if db.get(KIND, record["id"]) is None:
            db.insert(KIND, record)
        else:
            db.update(KIND, record["id"], record)
    return record


def add_key_to_home(home: str | Path, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """:func:`add_key` on the store under an emulator home (what ``dockyard emulator add-key`` uses).

    SQLite in WAL mode lets this run while the emulator serves the same home."""
    from emulator.config import EmulatorConfig

    db = Database(EmulatorConfig(home=Path(home)).db_path)
    try:
        return add_key(db, *args, **kwargs)
    finally:
        db.close()


def find_key(db: Database, ident: str) -> dict[str, Any] | None:
    """The active key record for a signature's ``keyId``, or None."""
    record = db.get(KIND, ident)
    return record if record and record.get("lifecycleState") == "ACTIVE" else None


def list_keys(db: Database) -> list[dict[str, Any]]:
    return db.list(KIND, sort_by="timeCreated", sort_order="ASC").items


def may_access(record: dict[str, Any], compartment_id: str) -> bool:
    """True when the key's user may see resources in ``compartment_id``."""
    allowed = record.get("compartments") or [ALL_COMPARTMENTS]
    return ALL_COMPARTMENTS in allowed or compartment_id in allowed


def may_write(record: dict[str, Any]) -> bool:
    """False for a key registered read-only (keys registered before the flag existed may write)."""
    return not record.get("readOnly")


def local_profile(home: Path) -> dict[str, str] | None:
    """The local profile's OCI config under an emulator home (``<home>/oci/config``, written by the
    toolkit), or None when there is none yet."""
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        if not parser.read(Path(home) / "oci" / "config"):
            return None
    except configparser.Error:
        return None
    return dict(parser["DEFAULT"])


def adopt_local_key(db: Database, home: Path, ident: str) -> dict[str, Any] | None:
    """Register the home's own local-profile key (``<home>/oci/config``) when it is ``ident``.

    The ``local`` profile signs with a key generated under the emulator's home; that key belongs
    to whoever owns the home, so an enforcing emulator accepts it without ``add-key``."""
    section = local_profile(home)
    if section is None:
        return None
    tenancy, user, fingerprint = section.get("tenancy"), section.get("user"), section.get("fingerprint")
    key_file = section.get("key_file")
    if not (tenancy and user and fingerprint and key_file) or key_id(tenancy, user, fingerprint) != ident:
        return None
    try:
        pem = Path(key_file).expanduser().read_bytes()
        return add_key(db, tenancy, user, pem, fingerprint=fingerprint)
    except (OSError, InvalidKey):
        return None
