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


# ADS's LLM page, offline method: the container runtime's variables for a TGI image serving the weights
# that were zipped as the model artifact (OCI unpacks it at /opt/ds/model/deployed_model).
TGI_OFFLINE_ENV = {
    "MODEL_DEPLOY_PREDICT_ENDPOINT": "/generate",
    "MODEL_DEPLOY_HEALTH_ENDPOINT": "/health",
    "PARAMS": "--model /opt/ds/model/deployed_model",
    "TENSOR_PARALLELISM": "1",
    "WEB_CONCURRENCY": "1",
}


def save_zipped_model(weights_dir: Any, display_name: str, compartment_id: str | None = None,
                      project_id: str | None = None, auth: Any = None, profile: str | None = None) -> str:
    """Save a model's weights as the model artifact, as ADS's offline method does (``zip model.zip * -0``
    then ``DataScienceModel().with_artifact(zip).create()``): the files of ``weights_dir`` stored
    uncompressed at the zip's root, no score.py or runtime.yaml. Returns the model OCID."""
    import io
    import zipfile
    from pathlib import Path

    from oci.data_science.models import CreateModelDetails

    from toolkit.catalog.session import connect

    files = sorted(p for p in Path(weights_dir).iterdir() if p.is_file())
    if not any(p.name == "config.json" for p in files):
        raise ValueError(f"{weights_dir} has no config.json: pass the directory save_pretrained() wrote")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in files:
            archive.write(path, path.name)
    session = connect(auth, profile)
    compartment = session.compartment(compartment_id)
    model = session.ds.create_model(CreateModelDetails(compartment_id=compartment, display_name=display_name,
                                                       project_id=session.project(project_id, compartment))).data
    session.ds.create_model_artifact(model.id, buffer.getvalue(),
                                     content_disposition=f'attachment; filename="{display_name}.zip"')
    return model.id
