"""``connect_ads()``: run unmodified ADS (``oracle-ads``) code against the emulator in one call.

ADS talks to OCI through the ``oci`` SDK, and ``ads.set_auth(..., client_kwargs={"service_endpoint":
URL})`` points every SDK client it builds at one host; the emulator answers all of them. Three
things ADS does not route through that setting, and this module covers exactly those:

- ``ocifs`` (how ADS reads ``oci://`` paths, e.g. the service conda pack index in ``prepare()``)
  ignores ``client_kwargs`` and goes to the cloud's Object Storage host. A subclass that honours
  ``client_kwargs["service_endpoint"]`` is registered with fsspec for the ``oci`` protocol.
- Introspection fetches the service pack index from a fixed pre-authenticated URL on the cloud
  Object Storage host with plain ``requests``, and checks a published pack with an SDK client built
  from ``~/.oci/config`` without any endpoint. Requests to a cloud Object Storage host are sent to
  the emulator instead (it serves that PAR and the objects), for ``requests`` and the SDK's vendored
  copy alike; ``OCI_CONFIG_FILE`` names the local profile's config when ``~/.oci/config`` is absent.

Everything else (object headers, content-disposition, deleted models staying readable, the
conda pack bucket) the emulator does on its own side. With a cloud profile, ``connect_ads``
only calls ``ads.set_auth`` for it and removes the routes.
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from toolkit import profiles, settings

#: Hosts of OCI's Object Storage (commercial, EU sovereign and dedicated realms).
CLOUD_OBJECT_STORAGE = re.compile(
    r"^https://objectstorage\.[a-z0-9-]+\.(?:oraclecloud\.com|oraclecloud\.eu|oci\.customer-oci\.com)(?=[/:?]|$)")
_lock = threading.Lock()
_routes: "_Routes | None" = None


@dataclass(frozen=True)
class AdsConnection:
    """What ``connect_ads`` set up: the profile, its endpoint (None for the cloud) and config file."""

    profile: str
    endpoint: str | None
    config_file: Path

    def disconnect(self) -> None:
        """Remove the routes to the emulator (``ads.set_auth`` stays as it was set)."""
        _set_routes(None)


def connect_ads(profile: str = profiles.LOCAL, home: str | os.PathLike[str] | None = None) -> AdsConnection:
    """Point ADS at a profile: ``local`` (the emulator, started if needed) or a profile of ~/.oci/config.

    Calls ``ads.set_auth("api_key", oci_config_location=..., profile=..., client_kwargs=...)`` as a
    user would, makes ``ocifs`` honour the endpoint and routes ADS's fixed cloud URLs to the emulator.
    """
    import ads

    _honour_endpoint_in_ocifs()
    if profile != profiles.LOCAL:
        config_file = Path(os.environ.get("OCI_CONFIG_FILE") or "~/.oci/config").expanduser()
        profiles.cloud_profile(profile, config_file)  # a clear error for a missing file or profile
        ads.set_auth("api_key", oci_config_location=str(config_file), profile=profile)
        _set_routes(None)
        return AdsConnection(profile, None, config_file)
    home_dir = Path(home).expanduser() if home else settings.home()
    local = profiles.local_profile(home=home_dir)
    config_file = profiles.ensure_local_credentials(home_dir)
    ads.set_auth("api_key", oci_config_location=str(config_file), profile=profiles.LOCAL_PROFILE_SECTION,
                 client_kwargs={"service_endpoint": local.service_endpoint})
    if not Path("~/.oci/config").expanduser().is_file():
        os.environ.setdefault("OCI_CONFIG_FILE", str(config_file))  # what oci.config.from_file() falls back to
    _set_routes(_Routes(local.service_endpoint or ""))
    return AdsConnection(profiles.LOCAL, local.service_endpoint, config_file)


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
# Fixed cloud URLs

class _Routes:
    """Rewrites cloud Object Storage URLs to the emulator; wraps ``HTTPAdapter.send`` of ``requests``
    and of the SDK's vendored copy, keeping the originals to restore."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.originals: list[tuple[type, Callable[..., Any]]] = []

    def rewrite(self, url: str) -> str:
        return CLOUD_OBJECT_STORAGE.sub(self.endpoint, url, count=1)

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


def _set_routes(routes: _Routes | None) -> None:
    global _routes
    with _lock:
        if _routes is not None:
            _routes.remove()
        _routes = routes
        if routes is not None:
            routes.install()
