"""The predict gateway on the API's own port: ``POST <emulator>/<deployment-ocid>/predict`` (and
``/predictWithResponseStream``) routed to an instance of the deployment, the way OCI's load balancer
fronts a model deployment.

``modelDeploymentUrl`` points at the faster proxy (``gateway_proxy.py``) when the emulator
serves one; this Flask route serves the same paths where there is none (``mock_datascience()``,
``--endpoint-port off``), for clients that build the URL from the API's, and for the console's test
form (:func:`call`). Both take instances from the one routing table (``balancer``) with its balancing
and ejection, and retry only calls that never reached a server. Bodies stream both ways (never
whole in memory here), and every call is written to the deployment's access log.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator

import requests
from flask import Blueprint, Response, request, stream_with_context

from emulator.errors import OCIError, request_id, too_large
from emulator.model_deployment import access_log
from emulator.model_deployment.balancer import DROPPED_REQUEST_HEADERS, BadRoute, Instance, Route, eject, route_path
from emulator.model_deployment.service import DeploymentService, current_service
from emulator.state import current_state

bp = Blueprint("model_deployment_gateway", __name__)
_sessions = threading.local()


@bp.post("/<deployment_id>/predict")
@bp.post("/<deployment_id>/predictWithResponseStream")
def predict(deployment_id: str) -> Response:
    started = time.perf_counter()
    service = current_service()
    route = _route(service, deployment_id)
    path = "/" + request.path.rsplit("/", 1)[-1]
    limit = current_state().config.max_payload_bytes
    bytes_in = request.content_length or 0
    if request.content_length is not None and request.content_length > limit:
        _access(route, 413, started, 0, bytes_in, path)
        raise too_large(f"the request body is {request.content_length} bytes; the limit is {limit}")
    headers = {k: v for k, v in request.headers.items() if k.lower() not in DROPPED_REQUEST_HEADERS}
    try:
        routed = route_path(request.headers.get("route"))
    except BadRoute as exc:
        _access(route, 400, started, 0, bytes_in, path)
        raise OCIError(400, "InvalidParameter", str(exc)) from None
    upstream = _send(service, route, _body(limit), headers, started, bytes_in, path, routed)
    return _relay(upstream, route, started, bytes_in, path)


@dataclass
class Answer:
    """What a deployment answered to :func:`call`: status, media type and (up to a cap) the body."""

    status: int
    content_type: str
    body: bytes
    truncated: bool


def call(deployment_id: str, body: bytes, content_type: str, max_answer: int) -> Answer:
    """One predict from inside the emulator (the console's test form), on the path of
    ``POST /<id>/predict``: the same instances, balancing, errors and access log entry. The answer is
    read only up to ``max_answer`` bytes, so a huge answer cannot fill memory."""
    started = time.perf_counter()
    service = current_service()
    route = _route(service, deployment_id)
    limit = current_state().config.max_payload_bytes
    if len(body) > limit:
        _access(route, 413, started, 0, len(body))
        raise too_large(f"the request body is {len(body)} bytes; the limit is {limit}")
    upstream = _send(service, route, body, {"content-type": content_type}, started, len(body))
    chunks, size = [], 0
    try:
        for chunk in upstream.iter_content(64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_answer:
                break
    finally:
        upstream.close()
        _access(route, upstream.status_code, started, size, len(body))
    data = b"".join(chunks)
    return Answer(upstream.status_code, upstream.headers.get("content-type", ""), data[:max_answer],
                  len(data) > max_answer)


def _route(service: DeploymentService, deployment_id: str) -> Route:
    """The routing entry of an ACTIVE deployment; 404, 409 or 503 (with the state) otherwise."""
    route = service.router.get(deployment_id)  # only ACTIVE deployments have one: no store read per call
    if route is None:
        raise service.unroutable(deployment_id)
    return route


def _send(service: DeploymentService, route: Route, data: Any, headers: dict[str, str], started: float,
          bytes_in: int, path: str = "/predict", routed: str | None = None) -> requests.Response:
    """Post to an instance of ``route`` (the balancing policy of ``balancer``), at its predict endpoint
    or the ``routed`` path; an instance that refuses the connection is ejected and the call goes to the
    next one, since nothing of it was sent."""
    headers = {**headers, "opc-request-id": request_id()}
    tried: list[Instance] = []
    while (instance := route.pick(tried)) is not None:
        instance.inflight += 1
        try:
            url = instance.handle.url if routed is None else _at_path(instance, routed)
            return _session().post(url, data=data, headers=headers, stream=True, timeout=(5, 300))
        except requests.RequestException as exc:
            if not _never_sent(exc):
                if not service.server_alive(instance.handle):
                    service.mark_crashed(route.deployment_id, instance.handle)
                _access(route, 502, started, 0, bytes_in, path)
                raise OCIError(502, "BadGateway", f"the model server did not answer ({type(exc).__name__})") from None
            reason = f"instance {instance.ref} refused the connection ({type(exc).__name__})"
            tried.append(instance)
            if eject(instance, reason):
                threading.Thread(target=service.instance_refused, args=(route.deployment_id, instance, reason),
                                 daemon=True).start()
        finally:
            instance.inflight -= 1
    _access(route, 503, started, 0, bytes_in, path)
    raise OCIError(503, "ServiceUnavailable", f"model deployment {route.deployment_id} has no instance that answers")


def _at_path(instance: Instance, path: str) -> str:
    return f"http://{instance.host}:{instance.port}{path}"


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the call failed while connecting, so no byte of it reached the server."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectTimeout) or isinstance(reason, (NewConnectionError, ConnectTimeoutError))


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


def _relay(upstream: requests.Response, route: Route, started: float, bytes_in: int, path: str) -> Response:
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
            _access(route, upstream.status_code, started, size[0], bytes_in, path)
            logged = True
            if pending is not None:
                yield pending
        finally:
            upstream.close()
            if not logged:  # the client went away, or the upstream failed mid-body
                _access(route, upstream.status_code, started, size[0], bytes_in, path)

    response = Response(stream_with_context(chunks()), status=upstream.status_code,
                        content_type=upstream.headers.get("content-type", "application/json"))
    if "content-length" in upstream.headers:
        response.headers["content-length"] = upstream.headers["content-length"]
    return response


def _access(route: Route, status: int, started: float, size: int, bytes_in: int, path: str = "/predict") -> None:
    """One access log entry per predict call (what OCI's access log category records)."""
    route.record_call((time.perf_counter() - started) * 1000, status)
    access_log.write(route.log_dir, access_log.entry(status, started, bytes_in, size, request_id(), path))


def _session() -> requests.Session:
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
    return session
