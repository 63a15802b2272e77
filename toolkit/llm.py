"""LLM deployments from Python: OpenAI-compatible clients signed with the profile's OCI signer.

An LLM deployment (TGI, vLLM, or Dockyard's CPU stand-in) speaks OpenAI's API, but a deployment
answers only ``<url>/predict`` and ``<url>/predictWithResponseStream``, takes the server's route in
the ``route`` header, and wants every call signed. :class:`OCISignedAuth` does both for ``httpx``
(what the ``openai`` package sends): a call to ``<url>/v1/chat/completions`` goes to ``<url>/predict``
(``predictWithResponseStream`` when its body asks to stream) with ``route: /v1/chat/completions``,
signed with an ``oci`` signer. So::

    client = OpenAI(base_url=f"{deployment.url}/v1", api_key="oci",
                    http_client=httpx.Client(auth=OCISignedAuth(signer, deployment.url)))

works the same against OCI and the emulator; :func:`openai_client` builds it for a deployment.
"""
from __future__ import annotations

from typing import Any, Generator

import httpx
import requests


class OCISignedAuth(httpx.Auth):
    """Signs each ``httpx`` request (headers and body digest) with an ``oci`` request signer."""

    requires_request_body = True

    def __init__(self, signer: Any, deployment_url: str | None = None) -> None:
        self.signer = signer
        self.deployment_url = deployment_url.rstrip("/") if deployment_url else None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._route(request)
        prepared = requests.Request(request.method, str(request.url), headers=dict(request.headers),
                                    data=request.content).prepare()
        self.signer(prepared)  # oci's signers sign a requests.PreparedRequest in place
        for name in ("date", "authorization", "x-content-sha256", "content-type", "content-length", "host"):
            if name in prepared.headers:
                request.headers[name] = prepared.headers[name]
        yield request

    def _route(self, request: httpx.Request) -> None:
        """``<url>/<route>`` -> ``<url>/predict`` (or ``/predictWithResponseStream``) + ``route: /<route>``."""
        url = str(request.url)
        if not self.deployment_url or not url.startswith(self.deployment_url + "/"):
            return
        path = url[len(self.deployment_url):].split("?", 1)[0]
        if path in ("/predict", "/predictWithResponseStream"):
            return
        streaming = b'"stream":true' in request.content.replace(b" ", b"")
        request.url = httpx.URL(self.deployment_url + ("/predictWithResponseStream" if streaming else "/predict"))
        request.headers["route"] = path
        request.headers["host"] = request.url.netloc.decode("ascii")


def openai_client(deployment: Any, signer: Any = None, **kwargs: Any) -> Any:
    """An ``openai.OpenAI`` client for ``deployment`` (a ``ModelDeployment`` or its URL): its calls go
    to the deployment's predict paths with the ``route`` header, signed with ``signer`` (default: the
    current profile's). The ``openai`` package must be installed."""
    from openai import OpenAI

    url = deployment if isinstance(deployment, str) else deployment.url
    if signer is None:
        from toolkit.catalog.session import connect

        signer = connect().profile.signer
    http_client = httpx.Client(auth=OCISignedAuth(signer, url), timeout=kwargs.pop("timeout", 300))
    return OpenAI(base_url=f"{url.rstrip('/')}/v1", api_key="oci", http_client=http_client, **kwargs)
