"""Throwaway OCI API keys and config files for tests, so no test ever reads ``~/.oci/config``.

:func:`make_api_key` writes a PEM key pair and an OCI config profile the stock SDK loads as is;
register the key with an emulator that enforces signing (``emulator.auth.add_key``) and the
profile behaves like a real user's.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


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
        """The ``keyId`` its signatures carry (``tenancy/user/fingerprint``)."""
        from emulator.auth.keys import key_id

        return key_id(self.tenancy, self.user, self.fingerprint)

    def config(self) -> dict[str, Any]:
        """The profile as the SDK reads it (``oci.config.from_file``)."""
        import oci

        return oci.config.from_file(str(self.config_file), self.profile)

    def signer(self) -> Any:
        """The stock ``oci.signer.Signer`` for this key."""
        import oci

        return oci.signer.Signer.from_config(self.config())


def fake_ocid(resource_type: str) -> str:
    """A well-formed OCID of ``resource_type`` that names nothing real (a tenancy, a user...)."""
    from emulator.ocid import global_ocid

    return global_ocid(resource_type)


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
    from toolkit.api_keys import new_key_pair, profile_text

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    pair = new_key_pair()
    key_file = pair.write_private(directory / f"{profile.lower()}_api_key.pem")
    tenancy = tenancy or fake_ocid("tenancy")
    user = user or fake_ocid("user")
    config_path = Path(config_file) if config_file else directory / "config"
    with config_path.open("a") as fh:
        fh.write(profile_text(profile, user=user, fingerprint=pair.fingerprint, tenancy=tenancy, region=region,
                              key_file=key_file))
    config_path.chmod(0o600)
    return ApiKey(config_path, profile, tenancy, user, pair.fingerprint, key_file, pair.public_pem, region)
