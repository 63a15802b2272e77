"""Throwaway OCI API keys: an RSA key pair on disk and the OCI config profile that names it.

One maker for the local profile's key (``toolkit.profiles``) and the test helpers' keys
(``toolkit.testing.credentials``). The fingerprint is OCI's, computed by the contract the emulator
checks keys with (``emulator.contracts.key_fingerprint``), which loads neither Flask nor the store.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class KeyPair:
    """A new RSA key: the private key (PEM), the public key (PEM) and OCI's fingerprint of it."""

    private_pem: bytes
    public_pem: str
    fingerprint: str

    def write_private(self, path: Path) -> Path:
        """The private key at ``path``, readable by its owner only (0600), as the oci SDK expects."""
        path = Path(path)
        path.write_bytes(self.private_pem)
        path.chmod(0o600)
        return path


def new_key_pair() -> KeyPair:
    """A 2048-bit RSA key pair, the size OCI API keys use."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from emulator.contracts.key_fingerprint import fingerprint_of

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    public = key.public_key()
    public_pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return KeyPair(private, public_pem.decode("ascii"), fingerprint_of(public))


def profile_text(section: str, *, user: str, fingerprint: str, tenancy: str, region: str, key_file: Path,
                 comment: str | None = None) -> str:
    """One ``[section]`` of an OCI config file, as ``oci.config.from_file`` reads it."""
    lines = [f"[{section}]", *([f"# {comment}"] if comment else []), f"user={user}", f"fingerprint={fingerprint}",
             f"tenancy={tenancy}", f"region={region}", f"key_file={key_file}"]
    return "\n".join(lines) + "\n\n"
