"""``connect_ads()``: run unmodified ADS (``oracle-ads``) code against the emulator in one call.

ADS talks to OCI through the ``oci`` SDK, and ``ads.set_auth(..., client_kwargs={"service_endpoint":
URL})`` points most SDK clients it builds at one host; the emulator answers all of them. What ADS
does not route through that setting, and this module covers:

- **ADS's endpoint settings.** ``ads.config`` reads ``OCI_ODSC_SERVICE_ENDPOINT`` and
  ``OCI_IDENTITY_SERVICE_ENDPOINT`` from the environment when ADS is imported, and modules copy them
  (``ads.catalog.model``, ``ads.catalog.project``, ``ads.catalog.notebook``); ``ModelCatalog`` passes
  the copy as ``service_endpoint`` even when it is ``None``, which overrides ``set_auth``'s endpoint.
  ADS's Data Science resources (``OCIDataScienceMixin``) read the variable itself at each client.
  Both are set in the environment, in ``ads.config`` and in every loaded copy, so they hold whether
  ``connect_ads()`` runs before or after those modules are imported.
- **ocifs** (how ADS reads ``oci://`` paths, e.g. the service conda pack index in ``prepare()``)
  ignores ``client_kwargs``: a subclass that honours ``client_kwargs["service_endpoint"]`` is
  registered with fsspec for the ``oci`` protocol.
- **Every other cloud host.** Introspection fetches the service pack index from a fixed
  pre-authenticated URL on the cloud Object Storage host with plain ``requests``; a client built after
  ``ads.set_auth("resource_principal")`` (which drops the endpoint) or from ``~/.oci/config`` alone
  goes to its regional host. Requests to any host of an OCI realm are sent to the emulator instead,
  for ``requests`` and the SDK's vendored copy alike; services it does not emulate answer there with
  OCI's 404, at once, instead of leaving the machine. ``OCI_CONFIG_FILE`` names the local profile's
  config when ``~/.oci/config`` is absent.

Everything else (object headers, content-disposition, deleted models staying readable, the conda
pack bucket) the emulator does on its own side. ``connect_ads("PROD")`` (a profile of
``~/.oci/config``) calls ``ads.set_auth`` for it and undoes all of the above.
"""
from __future__ import annotations

import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from toolkit import profiles, settings

#: ADS's settings (``ads.config``) that name a service endpoint; ADS reads them from the environment.
ADS_ENDPOINT_SETTINGS = ("OCI_ODSC_SERVICE_ENDPOINT", "OCI_IDENTITY_SERVICE_ENDPOINT")
#: ADS's settings read from a notebook session's variables, and those it derives from them.
ADS_SESSION_SETTINGS = ("NB_SESSION_OCID", "NB_SESSION_COMPARTMENT_OCID", "PROJECT_OCID", "OCI_RESOURCE_PRINCIPAL_VERSION")
_ADS_DERIVED_SETTINGS = {"COMPARTMENT_OCID": "NB_SESSION_COMPARTMENT_OCID", "RESOURCE_OCID": "NB_SESSION_OCID"}
#: Dedicated-region realms, whose hosts no entry of the SDK's realm table names.
_DEDICATED_REALM_DOMAINS = ("oci.customer-oci.com",)
_lock = threading.Lock()
_connection: "_Connection | None" = None


@dataclass(frozen=True)
class AdsConnection:
    """What ``connect_ads`` set up: the profile, its endpoint (None for the cloud) and config file."""

    profile: str
    endpoint: str | None
    config_file: Path

    def disconnect(self) -> None:
        """Undo the routing to the emulator (``ads.set_auth`` stays as it was set)."""
        _connect(None)


def connect_ads(profile: str = profiles.LOCAL, home: str | os.PathLike[str] | None = None,
                session: bool = False) -> AdsConnection:
    """Point ADS at a profile: ``local`` (the emulator, started if needed) or a profile of ~/.oci/config.

    Calls ``ads.set_auth("api_key", oci_config_location=..., profile=..., client_kwargs=...)`` as a
    user would, then points ADS's endpoint settings, ``ocifs`` and every cloud host at the emulator.

    ``session=True`` makes the process an OCI notebook session instead (local profile only): the
    emulated session's variables (``toolkit.notebook_session``) are set in the environment and in
    ADS's settings, and ADS authenticates as that session's resource principal
    (``ads.set_auth("resource_principal")``), as ADS does in a notebook session by default; a
    notebook's own ``ads.set_auth(auth="resource_principal")`` then keeps working against the emulator.
    """
    import ads

    _honour_endpoint_in_ocifs()
    if profile != profiles.LOCAL:
        if session:
            raise ValueError("connect_ads(session=True) emulates a notebook session: it takes the local profile only")
        config_file = Path(os.environ.get("OCI_CONFIG_FILE") or "~/.oci/config").expanduser()
        profiles.cloud_profile(profile, config_file)  # a clear error for a missing file or profile
        ads.set_auth("api_key", oci_config_location=str(config_file), profile=profile)
        _connect(None)
        return AdsConnection(profile, None, config_file)
    home_dir = Path(home).expanduser() if home else settings.home()
    local = profiles.local_profile(home=home_dir)
    endpoint = local.service_endpoint or ""
    config_file = profiles.ensure_local_credentials(home_dir)
    if not Path("~/.oci/config").expanduser().is_file():
        os.environ.setdefault("OCI_CONFIG_FILE", str(config_file))  # what oci.config.from_file() falls back to
    if session:
        from toolkit.notebook_session import session_environment

        _connect(endpoint, session_environment(home_dir, endpoint))
        ads.set_auth("resource_principal", client_kwargs={"service_endpoint": endpoint})
    else:
        _connect(endpoint)
        ads.set_auth("api_key", oci_config_location=str(config_file), profile=profiles.LOCAL_PROFILE_SECTION,
                     client_kwargs={"service_endpoint": endpoint})
    return AdsConnection(profiles.LOCAL, local.service_endpoint, config_file)


class _Connection:
    """Everything ``connect_ads`` changed for one endpoint (and notebook session), and how to put it back."""

    def __init__(self, endpoint: str, session: dict[str, str] | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.settings = _AdsSettings.for_endpoint(self.endpoint, session or {})
        self.routes = _Routes(self.endpoint)

    def install(self) -> None:
        self.settings.install()
        self.routes.install()

    def remove(self) -> None:
        self.routes.remove()
        self.settings.remove()


def _connect(endpoint: str | None, session: dict[str, str] | None = None) -> None:
    """Route ADS to ``endpoint`` (in the notebook session whose variables ``session`` holds), or (None)
    undo the routing of an earlier call."""
    global _connection
    with _lock:
        if _connection is not None:
            _connection.remove()
        _connection = _Connection(endpoint, session) if endpoint is not None else None
        if _connection is not None:
            _connection.install()


# ---------------------------------------------------------------------------------------------
# ADS's settings

@dataclass
class _AdsSettings:
    """Variables set in the environment, and ADS settings set in ``ads.config`` and every loaded
    ``ads`` module that copied them (``from ads.config import OCI_ODSC_SERVICE_ENDPOINT``); modules
    imported later copy the new values from ``ads.config``. What was there before is put back."""

    environment: dict[str, str]
    config: dict[str, str]
    saved_environment: dict[str, str | None] = field(default_factory=dict)
    saved_attributes: list[tuple[Any, str, Any]] = field(default_factory=list)

    @classmethod
    def for_endpoint(cls, endpoint: str, session: dict[str, str]) -> "_AdsSettings":
        environment = {**{name: endpoint for name in ADS_ENDPOINT_SETTINGS}, **session}
        config = {name: environment[name] for name in (*ADS_ENDPOINT_SETTINGS, *ADS_SESSION_SETTINGS)
                  if name in environment}
        config.update({derived: session[source] for derived, source in _ADS_DERIVED_SETTINGS.items()
                       if source in session})
        return cls(environment, config)

    def install(self) -> None:
        import ads.config  # noqa: F401 - the module that reads the settings; loaded before it is patched

        for name, value in self.environment.items():
            self.saved_environment[name] = os.environ.get(name)
            os.environ[name] = value
        for module in _ads_modules():
            for name, value in self.config.items():
                if name in vars(module):
                    self.saved_attributes.append((module, name, getattr(module, name)))
                    setattr(module, name, value)

    def remove(self) -> None:
        for module, name, value in reversed(self.saved_attributes):
            if getattr(module, name, None) == self.config[name]:  # a value set since is the user's: kept
                setattr(module, name, value)
        for name, value in self.saved_environment.items():
            if os.environ.get(name) != self.environment[name]:
                continue
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.saved_attributes.clear()
        self.saved_environment.clear()


def _ads_modules() -> list[Any]:
    return [module for name, module in list(sys.modules.items())
            if module is not None and (name == "ads" or name.startswith("ads."))]


# ---------------------------------------------------------------------------------------------
# ocifs

def _honour_endpoint_in_ocifs() -> None:
    """Register, for fsspec's ``oci`` protocol, an ``OCIFileSystem`` that honours the endpoint ADS passes."""
    import fsspec
    import ocifs

    current = fsspec.get_filesystem_class("oci")
    if getattr(current, "honours_client_kwargs_endpoint", False):
        return

    class EndpointHonouringOCIFileSystem(ocifs.OCIFileSystem):
        """ocifs with ``client_kwargs={"service_endpoint": ...}`` (ADS's storage options) applied."""

        honours_client_kwargs_endpoint = True

        def __init__(self, *args: Any, config_kwargs: dict | None = None, **kwargs: Any) -> None:
            endpoint = (kwargs.get("client_kwargs") or {}).get("service_endpoint")
            if endpoint:
                config_kwargs = {"service_endpoint": endpoint, **(config_kwargs or {})}
            super().__init__(*args, config_kwargs=config_kwargs, **kwargs)

    fsspec.register_implementation("oci", EndpointHonouringOCIFileSystem, clobber=True)


# ---------------------------------------------------------------------------------------------
# Cloud hosts

def cloud_hosts() -> re.Pattern[str]:
    """``https://<any host>.<realm domain>`` for every realm the SDK knows (commercial, government,
    sovereign, the EU's) and dedicated regions, up to the path."""
    from oci import regions

    domains = sorted({*regions.REALMS.values(), *_DEDICATED_REALM_DOMAINS}, key=len, reverse=True)
    alternatives = "|".join(re.escape(domain) for domain in domains)
    return re.compile(rf"^https://(?:[a-z0-9-]+\.)+(?:{alternatives})(?::\d+)?(?=[/?#]|$)", re.IGNORECASE)


class _Routes:
    """Rewrites every OCI cloud URL to the emulator; wraps ``HTTPAdapter.send`` of ``requests`` and of
    the SDK's vendored copy, keeping the originals to restore. The signed ``host`` header is left as
    signed, so the emulator checks the signature the client made."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.pattern = cloud_hosts()
        self.originals: list[tuple[type, Callable[..., Any]]] = []

    def rewrite(self, url: str) -> str:
        return self.pattern.sub(self.endpoint, url, count=1)

    def install(self) -> None:
        for adapter in _adapter_classes():
            original = adapter.send
            self.originals.append((adapter, original))
            adapter.send = self._wrap(original)

    def remove(self) -> None:
        for adapter, original in self.originals:
            adapter.send = original
        self.originals.clear()

    def _wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        routes = self

        def send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            request.url = routes.rewrite(request.url)
            return original(adapter, request, *args, **kwargs)

        send.__wrapped__ = original  # type: ignore[attr-defined]
        return send


def _adapter_classes() -> list[type]:
    import requests.adapters
    from oci._vendor.requests import adapters as vendored

    return [requests.adapters.HTTPAdapter, vendored.HTTPAdapter]
