"""Which OCI endpoint and credentials the toolkit talks to: the local emulator or a cloud profile.

There is one client code path (the official ``oci`` SDK). "Local" and "cloud" differ only in the
config, the signer and the ``service_endpoint`` handed to the SDK client:

- ``local`` (the default): a throwaway RSA API key and an OCI config file that Dockyard generates
  under ``<DOCKYARD_HOME>/oci/``, so the stock ``oci.signer.Signer`` signs requests exactly as it
  would for OCI, and ``service_endpoint`` points at the emulator (``DOCKYARD_ENDPOINT``, or one
  started on demand through ``emulator.daemon.ensure_running``).
- any other name: that profile of the user's OCI config file (``OCI_CONFIG_FILE`` or
  ``~/.oci/config``), with the SDK's normal regional endpoints.

The choice comes from the ``auth=`` / ``profile=`` arguments, else ``DOCKYARD_PROFILE``.
"""
from __future__ import annotations

import configparser
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import oci

from toolkit import settings

LOCAL = "local"
LOCAL_REGION = "us-ashburn-1"
LOCAL_PROFILE_SECTION = "DEFAULT"
KEY_FILE_NAME = "dockyard_api_key.pem"
CONFIG_FILE_NAME = "config"


class ProfileError(Exception):
    """A profile cannot be used (missing config file, unknown profile, malformed credentials)."""


@dataclass(frozen=True)
class ClientConfig:
    """Everything an ``oci`` SDK client needs, plus Dockyard's defaults for that profile.

    ``service_endpoint`` is None for the cloud (the SDK derives the regional endpoint) and the
    emulator's URL for the local profile. ``compartment_id`` / ``project_id`` are defaults used
    when the caller gives none (the tenancy for local; ``NB_SESSION_COMPARTMENT_OCID`` /
    ``PROJECT_OCID`` in the cloud, as ADS reads them in notebook sessions).
    """

    name: str
    config: dict[str, Any]
    signer: Any
    service_endpoint: str | None = None
    is_local: bool = False
    compartment_id: str | None = None
    project_id: str | None = None
    client_kwargs: dict[str, Any] = field(default_factory=dict)

    def client_args(self) -> dict[str, Any]:
        """Keyword arguments for any ``oci`` client constructor (``service_endpoint`` when local)."""
        kwargs: dict[str, Any] = {"signer": self.signer}
        if self.service_endpoint:
            kwargs["service_endpoint"] = self.service_endpoint
        if self.is_local:
            # The emulator is on this machine: a failure is deterministic, so report it at once
            # instead of the SDK's default minutes of exponential back-off.
            kwargs["retry_strategy"] = oci.retry.NoneRetryStrategy()
        return {**kwargs, **self.client_kwargs}


# --------------------------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------------------------

def resolve(
    auth: Any = None,
    profile: str | None = None,
    *,
    endpoint: str | None = None,
    home: str | os.PathLike[str] | None = None,
) -> ClientConfig:
    """Pick the profile to use: ``auth`` wins, then ``profile``, then ``DOCKYARD_PROFILE``.

    ``auth`` may be a ``ClientConfig`` (returned as is), an ADS-style dict
    (``{"config": ..., "signer": ..., "client_kwargs": ...}``) or a profile name.
    """
    if isinstance(auth, ClientConfig):
        return auth
    if isinstance(auth, Mapping):
        return _from_auth_dict(auth)
    if auth is not None and not isinstance(auth, str):
        raise ProfileError(f"auth must be a profile name, an ADS-style dict or a ClientConfig, not {type(auth).__name__}")
    name = auth or profile or settings.profile()
    if name == LOCAL:
        return local_profile(endpoint=endpoint, home=home)
    if name in PRINCIPAL_AUTH:
        return principal_profile(name)
    return cloud_profile(name)


def local_profile(endpoint: str | None = None, home: str | os.PathLike[str] | None = None) -> ClientConfig:
    """The emulator profile: generated credentials under ``<home>/oci`` and the emulator's URL."""
    home_dir = Path(home).expanduser() if home else settings.home()
    config_path = ensure_local_credentials(home_dir)
    config = _read_config(config_path, LOCAL_PROFILE_SECTION)
    url = (endpoint or settings.endpoint() or _ensure_emulator(home_dir)).rstrip("/")
    return ClientConfig(
        name=LOCAL,
        config=config,
        signer=_api_key_signer(config),
        service_endpoint=url,
        is_local=True,
        compartment_id=config["tenancy"],
    )


def cloud_profile(name: str, config_file: str | os.PathLike[str] | None = None) -> ClientConfig:
    """A profile of the user's OCI config file, used with the SDK's regional endpoints."""
    path = Path(config_file or os.environ.get("OCI_CONFIG_FILE") or oci.config.DEFAULT_LOCATION).expanduser()
    if not path.is_file():
        raise ProfileError(
            f"profile {name!r}: no OCI config file at {path}. Create one with `oci setup config`, "
            f"set OCI_CONFIG_FILE, or use the emulator with profile 'local'."
        )
    config = _read_config(path, name)
    signer = _security_token_signer(config) if config.get("security_token_file") else _api_key_signer(config)
    return ClientConfig(
        name=name,
        config=config,
        signer=signer,
        service_endpoint=None,
        is_local=False,
        compartment_id=os.environ.get("NB_SESSION_COMPARTMENT_OCID") or None,
        project_id=os.environ.get("PROJECT_OCID") or None,
    )


PRINCIPAL_AUTH = ("resource_principal", "instance_principal")


def principal_profile(kind: str) -> ClientConfig:
    """ADS's ``resource_principal`` / ``instance_principal`` auth, for code running inside OCI
    (notebook sessions, jobs, deployments, compute instances), or in the notebook session
    ``dockyard notebook env`` emulates: there ``DOCKYARD_ENDPOINT`` names the emulator, and the
    clients go to it, signed by the session's resource principal, instead of the regional hosts."""
    try:
        if kind == "resource_principal":
            signer = oci.auth.signers.get_resource_principals_signer()
        else:
            signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner()
    except Exception as exc:  # the SDK raises assorted errors outside OCI
        raise ProfileError(
            f"auth {kind!r} works only inside OCI ({type(exc).__name__}: {exc}); use an OCI config "
            "profile or 'local' here"
        ) from None
    return ClientConfig(
        name=kind,
        config={"region": signer.region},
        signer=signer,
        service_endpoint=settings.endpoint(),
        compartment_id=os.environ.get("NB_SESSION_COMPARTMENT_OCID") or None,
        project_id=os.environ.get("PROJECT_OCID") or None,
    )


def _from_auth_dict(auth: Mapping[str, Any]) -> ClientConfig:
    """Accept the dict ADS's ``default_signer()`` returns, so ADS users can pass theirs unchanged."""
    config = dict(auth.get("config") or {})
    client_kwargs = dict(auth.get("client_kwargs") or {})
    endpoint = client_kwargs.pop("service_endpoint", None)
    signer = auth.get("signer")
    if signer is None:
        if not config:
            raise ProfileError("auth dict needs a 'signer' or a 'config'")
        signer = _api_key_signer(config)
    compartment_id = auth.get("compartment_id") or (config.get("tenancy") if endpoint else None)
    return ClientConfig(
        name=str(auth.get("profile") or "custom"),
        config=config,
        signer=signer,
        service_endpoint=endpoint,
        is_local=bool(auth.get("is_local", False)),
        compartment_id=compartment_id,
        client_kwargs=client_kwargs,
    )


def _read_config(path: Path, name: str) -> dict[str, Any]:
    """Read one profile with the SDK's own parser, turning its errors into ProfileError."""
    try:
        config = oci.config.from_file(str(path), name)
        oci.config.validate_config(config)
    except oci.exceptions.ProfileNotFound:
        available = ", ".join(_profile_names(path)) or "none"
        raise ProfileError(
            f"profile {name!r} not found in {path} (profiles there: {available}; "
            f"'local' means the Dockyard emulator)"
        ) from None
    except oci.exceptions.InvalidConfig as exc:
        raise ProfileError(f"profile {name!r} in {path} is invalid: {exc}") from None
    except (oci.exceptions.ConfigFileNotFound, ValueError) as exc:
        raise ProfileError(f"profile {name!r} in {path}: {exc}") from None
    return config


def _profile_names(path: Path) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    names = list(parser.sections())
    return (["DEFAULT"] + names) if parser.defaults() else names


def _api_key_signer(config: Mapping[str, Any]) -> oci.signer.Signer:
    """The stock API-key signer; a bad key file is reported against the profile, not deep in a call."""
    try:
        return oci.signer.Signer(
            tenancy=config["tenancy"],
            user=config["user"],
            fingerprint=config["fingerprint"],
            private_key_file_location=config.get("key_file"),
            pass_phrase=oci.config.get_config_value_or_default(config, "pass_phrase"),
            private_key_content=config.get("key_content"),
        )
    except KeyError as exc:
        raise ProfileError(f"OCI config is missing {exc.args[0]!r}") from None
    except (OSError, ValueError, oci.exceptions.InvalidPrivateKey, oci.exceptions.MissingPrivateKeyPassphrase) as exc:
        raise ProfileError(f"cannot load the API key {config.get('key_file')!r}: {exc}") from None


def _security_token_signer(config: Mapping[str, Any]) -> Any:
    """Session-token profiles (``oci session authenticate``) sign with the token plus the key."""
    token = Path(config["security_token_file"]).expanduser().read_text().strip()
    key = oci.signer.load_private_key_from_file(config["key_file"], config.get("pass_phrase"))
    return oci.auth.signers.SecurityTokenSigner(token, key)


def _ensure_emulator(home: Path) -> str:
    """Reuse the emulator serving ``home`` or start one detached (``emulator.daemon.ensure_running``)."""
    try:
        from emulator import daemon
    except ModuleNotFoundError as exc:  # toolkit installed without the emulator package
        raise ProfileError(
            "the local profile needs the Dockyard emulator: set DOCKYARD_ENDPOINT to a running one "
            f"or install the emulator package ({exc})"
        ) from None
    return daemon.ensure_running(home, on_start=lambda url, pid: _say_started(url, pid, home))


def _say_started(url: str, pid: int, home: Path) -> None:
    """A background emulator outlives this process: say so, and how to stop it (stderr: stdout is the caller's)."""
    import sys

    home_flag = "" if home.resolve() == settings.home().resolve() else f" --home {home}"
    print(f"Started the Dockyard emulator in the background at {url} (pid {pid}, home {home}); it keeps "
          f"running after this command. Stop it with: dockyard emulator stop{home_flag}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Local credentials
# --------------------------------------------------------------------------------------------

def ensure_local_credentials(home: str | os.PathLike[str] | None = None) -> Path:
    """Create (once) the throwaway key and config under ``<home>/oci``; return the config path.

    The directory is built aside and renamed into place, so concurrent first uses never see a
    config whose key is missing or belongs to another run.
    """
    home_dir = Path(home).expanduser() if home else settings.home()
    target = home_dir / "oci"
    config_path = target / CONFIG_FILE_NAME
    if config_path.is_file():
        return config_path
    home_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".oci-", dir=home_dir))
    try:
        _write_credentials(staging, target)
        try:
            staging.rename(target)
        except OSError:
            if not config_path.is_file():  # lost the race to a broken dir, not to another writer
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return config_path


def _write_credentials(staging: Path, final_dir: Path) -> None:
    """Write the PEM key (0600) and an OCI config whose key_file points at its final place."""
    from emulator.ocid import global_ocid
    from toolkit.api_keys import new_key_pair, profile_text

    pair = new_key_pair()
    pair.write_private(staging / KEY_FILE_NAME)
    (staging / KEY_FILE_NAME.replace(".pem", "_public.pem")).write_text(pair.public_pem)
    config_path = staging / CONFIG_FILE_NAME
    config_path.write_text(profile_text(
        LOCAL_PROFILE_SECTION, user=global_ocid("user"), fingerprint=pair.fingerprint, tenancy=global_ocid("tenancy"),
        region=LOCAL_REGION, key_file=final_dir / KEY_FILE_NAME,
        comment="Generated by Dockyard for the local emulator. Throwaway credentials: not valid on OCI."))
    config_path.chmod(0o600)


# --------------------------------------------------------------------------------------------
# Client factories
# --------------------------------------------------------------------------------------------

def data_science_client(auth: Any = None, profile: str | None = None, **client_kwargs: Any) -> oci.data_science.DataScienceClient:
    """A DataScienceClient for the resolved profile (emulator endpoint when local)."""
    cc = resolve(auth, profile)
    return oci.data_science.DataScienceClient(cc.config, **{**cc.client_args(), **client_kwargs})


def object_storage_client(auth: Any = None, profile: str | None = None, **client_kwargs: Any) -> oci.object_storage.ObjectStorageClient:
    """An ObjectStorageClient for the resolved profile (the emulator serves Object Storage too)."""
    cc = resolve(auth, profile)
    return oci.object_storage.ObjectStorageClient(cc.config, **{**cc.client_args(), **client_kwargs})


def resource_search_client(auth: Any = None, profile: str | None = None, **client_kwargs: Any) -> oci.resource_search.ResourceSearchClient:
    """A ResourceSearchClient for the resolved profile (used to find deployments of a model)."""
    cc = resolve(auth, profile)
    return oci.resource_search.ResourceSearchClient(cc.config, **{**cc.client_args(), **client_kwargs})


def clients_for(cc: ClientConfig, **client_kwargs: Any) -> "Clients":
    """All three clients for one already-resolved profile (resolve once, build many)."""
    args = {**cc.client_args(), **client_kwargs}
    return Clients(
        profile=cc,
        data_science=oci.data_science.DataScienceClient(cc.config, **args),
        object_storage=oci.object_storage.ObjectStorageClient(cc.config, **args),
        resource_search=oci.resource_search.ResourceSearchClient(cc.config, **args),
    )


@dataclass(frozen=True)
class Clients:
    """The SDK clients the catalog code uses, all bound to one profile."""

    profile: ClientConfig
    data_science: oci.data_science.DataScienceClient
    object_storage: oci.object_storage.ObjectStorageClient
    resource_search: oci.resource_search.ResourceSearchClient
