"""Throwaway OCI API keys and config files for tests, so no test ever reads ``~/.oci/config``.

:func:`make_api_key` writes a PEM key pair and an OCI config profile the stock SDK loads as is;
register the key with an emulator that enforces signing (``emulator.auth.add_key``) and the
profile behaves like a real user's.
"""
from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class ApiKey:
    """One user's API key and the config profile that uses it."""

    config_file: Path
    profile: str
    tenancy: str
    user: str
    fingerprint: str
    key_file: Path
    public_key_pem: str
    region: str

    @property
    def key_id(self) -> str:
        return f"{self.tenancy}/{self.user}/{self.fingerprint}"

    def config(self) -> dict[str, Any]:
        """The profile as the SDK reads it (``oci.config.from_file``)."""
        import oci

        return oci.config.from_file(str(self.config_file), self.profile)

    def signer(self) -> Any:
        """The stock ``oci.signer.Signer`` for this key."""
        import oci

        return oci.signer.Signer.from_config(self.config())


def fake_ocid(resource_type: str) -> str:
    """A well-formed OCID of ``resource_type`` that names nothing real."""
    return f"ocid1.{resource_type}.oc1..aaaaaaaa" + "".join(secrets.choice(_ALPHABET) for _ in range(52))


def make_api_key(
    directory: str | Path,
    profile: str = "DEFAULT",
    region: str = "us-ashburn-1",
    tenancy: str | None = None,
    user: str | None = None,
    config_file: str | Path | None = None,
) -> ApiKey:
    """Generate an RSA key pair under ``directory`` and append ``[profile]`` to the config file.

    Several profiles can share one config file (pass the same ``config_file``)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = directory / f"{profile.lower()}_api_key.pem"
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    key_file.chmod(0o600)
    public = key.public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der).hexdigest()
    fingerprint = ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    tenancy = tenancy or fake_ocid("tenancy")
    user = user or fake_ocid("user")
    config_path = Path(config_file) if config_file else directory / "config"
    with config_path.open("a") as fh:
        fh.write(f"[{profile}]\nuser={user}\nfingerprint={fingerprint}\ntenancy={tenancy}\n"
                 f"region={region}\nkey_file={key_file}\n\n")
    config_path.chmod(0o600)
    return ApiKey(config_path, profile, tenancy, user, fingerprint, key_file, pem, region)
