"""OCI's API-key fingerprint: what the toolkit writes into a profile and the emulator checks keys by.

One function for both sides (``toolkit.api_keys`` makes keys, ``emulator.auth.keys`` registers and
checks them), so a fingerprint the toolkit writes is the one signature checks expect. It lives with
the contracts, away from ``emulator.auth`` (which loads Flask and the SQLite store), so making a key
pair does not start the server's imports. ``cryptography`` is the one import beyond the contracts'
usual ones: it is what parses and encodes keys, and the ``oci`` SDK itself depends on it.
"""
from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def fingerprint_of(key: rsa.RSAPublicKey) -> str:
    """OCI's fingerprint: MD5 of the DER SubjectPublicKeyInfo, colon-separated hex."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
