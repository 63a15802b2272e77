"""The predict gateway: ``POST <emulator>/<deployment-ocid>/predict`` routed to the deployment's server,
the way OCI's load balancer fronts a model deployment (``modelDeploymentUrl``).

Bodies stream both ways (never whole in memory here), every call is written to the deployment's
access log, and a server that stopped answering is noticed at once.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator

import requests
from flask import Blueprint, Response, request, stream_with_context

from emulator.contracts.deployments import ACCESS_LOG
from emulator.contracts.states import ACTIVE
from emulator.errors import OCIError, incorrect_state, not_found, request_id, too_large
from emulator.model_deployment import files
from emulator.model_deployment.service import DeploymentService, current_service
from emulator.ocid import is_valid_ocid
from emulator.runtimes import ServerHandle
from emulator.state import current_state
from emulator.wire import now

bp = Blueprint("model_deployment_gateway", __name__)
_sessions = threading.local()
_FORWARDED = ("content-type", "accept", "model-name", "model-version")


@bp.post("/<deployment_id>/predict")
def predict(deployment_id: str) -> Response:
    started = time.perf_counter()
    service = current_service()
    handle = _running_server(service, deployment_id)
    limit = current_state().config.max_payload_bytes
    bytes_in = request.content_length or 0
    if request.content_length is not None and request.content_length > limit:
        _access(deployment_id, 413, started, 0, bytes_in)
        raise too_large(f"the request body is {request.content_length} bytes; the limit is {limit}")
    headers = {k: v for k, v in request.headers.items() if k.lower() in _FORWARDED}
    upstream = _send(service, deployment_id, handle, _body(limit), headers, started, bytes_in)
    return _relay(upstream, deployment_id, started, bytes_in)


@dataclass
class Answer:
    """What a deployment answered to :func:`call`: status, media type and (up to a cap) the body."""

    status: int
    content_type: str
    body: bytes
    truncated: bool


def call(deployment_id: str, body: bytes, content_type: str, max_answer: int) -> Answer:
    """One predict from inside the emulator (the console's test form), on the path of
    ``POST /<id>/predict``: the same upstream, errors and access log entry. The answer is read
    only up to ``max_answer`` bytes, so a huge answer cannot fill memory."""
    started = time.perf_counter()
    service = current_service()
    handle = _running_server(service, deployment_id)
    limit = current_state().config.max_payload_bytes
    if len(body) > limit:
        _access(deployment_id, 413, started, 0, len(body))
        raise too_large(f"the request body is {len(body)} bytes; the limit is {limit}")
    upstream = _send(service, deployment_id, handle, body, {"content-type": content_type}, started, len(body))
    chunks, size = [], 0
    try:
        for chunk in upstream.iter_content(64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_answer:
                break
    finally:
        upstream.close()
        _access(deployment_id, upstream.status_code, started, size, len(body))
    data = b"".join(chunks)
    return Answer(upstream.status_code, upstream.headers.get("content-type", ""), data[:max_answer],
                  len(data) > max_answer)


def _running_server(service: DeploymentService, deployment_id: str) -> ServerHandle:
    """The server of an ACTIVE deployment; 404, 409 or 503 (with the state) otherwise."""
    handle = service.upstream(deployment_id)  # only ACTIVE deployments have one: no store read per call
    if handle is None:
        record = _active(service, deployment_id)
        raise OCIError(503, "ServiceUnavailable", f"model deployment {deployment_id} has no running server "
                       f"({record['lifecycleState']}); see its logs")
    return handle


def _send(service: DeploymentService, deployment_id: str, handle: ServerHandle, data: Any,
          headers: dict[str, str], started: float, bytes_in: int) -> requests.Response:
    headers = {**headers, "opc-request-id": request_id()}
    try:
        return _session().post(handle.url, data=data, headers=headers, stream=True, timeout=(5, 300))
    except requests.RequestException as exc:
        if not service.server_alive(handle):
            service.mark_crashed(deployment_id, handle)
        _access(deployment_id, 503, started, 0, bytes_in)
        raise OCIError(503, "ServiceUnavailable", f"the model server did not answer ({type(exc).__name__})") from None


def _active(service: DeploymentService, deployment_id: str) -> dict[str, Any]:
    if not is_valid_ocid(deployment_id):
        raise not_found("model deployment", deployment_id)
    record = service.get(deployment_id)
    if record["lifecycleState"] != ACTIVE:
        raise incorrect_state(f"model deployment {deployment_id} is {record['lifecycleState']}, "
                              "not ACTIVE; activate it before predicting")
    return record


def _body(limit: int) -> Any:
    """The request body as a sized stream when its length is known, so large payloads are not buffered;
    a chunked body (no length) is read up to the limit, and refused beyond it."""
    if request.content_length is not None:
        return _SizedStream(request.stream, request.content_length)
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise too_large(f"the request body is over the {limit} byte limit")
    return data


class _SizedStream:
    """A body stream with a length, so ``requests`` sends Content-Length (not chunked) and streams it."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream, self._length = stream, length

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self._stream.read(64 * 1024):
            yield chunk


def _relay(upstream: requests.Response, deployment_id: str, started: float, bytes_in: int) -> Response:
    size = [0]

    def chunks() -> Iterator[bytes]:
        # The access entry is written before the last chunk goes out: a client that reads the logs as
        # soon as its predict returned finds it (written after, it raced the client and lost under load).
        logged = False
        try:
            pending = None
            for chunk in upstream.iter_content(64 * 1024):
                if pending is not None:
                    yield pending
                size[0] += len(chunk)
                pending = chunk
            upstream.close()
            _access(deployment_id, upstream.status_code, started, size[0], bytes_in)
            logged = True
            if pending is not None:
                yield pending
        finally:
            upstream.close()
            if not logged:  # the client went away, or the upstream failed mid-body
                _access(deployment_id, upstream.status_code, started, size[0], bytes_in)

    response = Response(stream_with_context(chunks()), status=upstream.status_code,
                        content_type=upstream.headers.get("content-type", "application/json"))
    if "content-length" in upstream.headers:
        response.headers["content-length"] = upstream.headers["content-length"]
    return response


def _access(deployment_id: str, status: int, started: float, size: int, bytes_in: int) -> None:
    """One access log entry per predict call (what OCI's access log category records)."""
    entry = {"time": now(), "type": ACCESS_LOG, "status": status, "method": "POST", "path": "/predict",
             "latencyMs": round((time.perf_counter() - started) * 1000, 2), "bytesOut": size,
             "bytesIn": bytes_in, "opcRequestId": request_id(),
             "message": f"POST /predict {status} {round((time.perf_counter() - started) * 1000, 1)}ms"}
    files.append_json_line(files.log_dir(current_state(), deployment_id) / "access.log", entry)


def _session() -> requests.Session:
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
    return session
