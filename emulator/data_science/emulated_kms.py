"""The OCI Vault (KMS) keys that artifact signatures name, emulated: one RSA key pair per
(``kmsKeyId``, ``kmsKeyVersionId``), made the first time a signature names it and kept in the store,
so a signature made today verifies tomorrow and after a restart. Signing follows KMS ``Sign`` with
``messageType DIGEST``: RSA-PSS over a digest made with the algorithm's hash."""
from __future__ import annotations

import base64
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from emulator.store import Database, kinds

KIND = kinds.EMULATED_KMS_KEY
HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA_224_RSA_PKCS_PSS": hashes.SHA224,
    "SHA_256_RSA_PKCS_PSS": hashes.SHA256,
    "SHA_384_RSA_PKCS_PSS": hashes.SHA384,
    "SHA_512_RSA_PKCS_PSS": hashes.SHA512,
}


def _private_key(db: Database, key_id: str, version_id: str) -> rsa.RSAPrivateKey:
    ident = f"{key_id}/{version_id}"
    with db.transaction():
        record = db.get(KIND, ident)
        if record is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
            record = db.insert(KIND, {"id": ident, "privateKey": pem})
    return serialization.load_pem_private_key(record["privateKey"].encode(), password=None)


def _pss(algorithm: hashes.HashAlgorithm) -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size)


def sign(db: Database, key_id: str, version_id: str, signing_algorithm: str, digest: bytes) -> str:
    """The base64 signature of ``digest`` (made with the algorithm's hash)."""
    algorithm = HASHES[signing_algorithm]()
    signature = _private_key(db, key_id, version_id).sign(digest, _pss(algorithm), utils.Prehashed(algorithm))
    return base64.b64encode(signature).decode()


def verify(db: Database, record: dict[str, Any], digest: bytes) -> bool:
    """Whether the signature ``record`` holds is the key's signature of ``digest``."""
    algorithm = HASHES[record["signingAlgorithm"]]()
    public = _private_key(db, record["kmsKeyId"], record["kmsKeyVersionId"]).public_key()
    try:
        public.verify(base64.b64decode(record["signature"]), digest, _pss(algorithm), utils.Prehashed(algorithm))
    except (InvalidSignature, ValueError):
        return False
    return True
