"""The deployments' endpoint: what ``modelDeploymentUrl`` points at, an asyncio HTTP/1.1 proxy on a
port of its own, as OCI serves deployments from a host of their own.

It exists because the gateway is on every predict's path and must cost next to nothing: requests are
parsed by ``httptools`` (llhttp, in C), relayed to the instance's server over pooled keep-alive
connections, and answers go back as they arrive, chunk by chunk (streamed and server-sent-event
answers pass through unbuffered, with back-pressure both ways). Per call the Python work is a route
lookup, one header block each way and one access-log line.

Routes (``<endpoint>/<deployment-ocid>/<action>``):

- ``predict`` and ``predictWithResponseStream``: forwarded to the instance's predict endpoint (its
  handle's path: ``/predict``, or a BYOC container's ``MODEL_DEPLOY_PREDICT_ENDPOINT``), or to the
  path a ``route`` header names (``balancer.upstream_path``), with the caller's headers (``route``,
  ``accept``, ``model-name``...) but not its credentials;
- anything else is answered here in OCI's error shape.

It runs on a thread of the emulator's process (the default), or in each of N worker processes
(``gateway_workers``, ``--gateway-workers N``) on a listening socket they share.

What it guarantees:

- with ``--auth enforce`` a call must be signed (body digest included: such bodies are read whole,
  then checked, then sent) by a key that may see the deployment's compartment, by the very rules of
  the API (``emulator.auth.enforce.verify_signed``);
- an instance that refuses the connection is ejected and the call goes to another one: only calls
  that were never sent are retried, so none runs twice; a pooled connection the server has closed is
  never reused;
- a client that goes away closes the upstream connection, so the model server sees the cancellation.

One module, one job (the proxy), kept whole although it is past 450 lines: ``GatewayProxy`` (the
server and its loop thread), ``_Client`` (one caller's connection), ``Exchange`` (one call: route,
authenticate, relay, retry on a refused connection) and ``_Upstream`` (the pooled connection to an
instance) are the four halves of one relay and share its private protocol (back-pressure, the
exchange's state, the pool); split apart, each would reach into the others' internals.
"""
from __future__ import annotations

import asyncio
import logging
import hashlib
import secrets
import select
import socket
import threading
import time
from typing import Any, Callable

import httptools

from emulator.errors import OCIError, error_document
from emulator.model_deployment import access_log
from emulator.model_deployment.balancer import (DROPPED_REQUEST_HEADERS, GATEWAY_ACTIONS, BadRoute, Instance, Route,
                                               Router, eject, route_path)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
ANSWER_TIMEOUT = 300.0
IDLE_UPSTREAM_SECONDS = 30.0  # our gunicorn keeps connections 75 s; a pooled one idle longer is closed
_HOP_BY_HOP = {name.encode() for name in DROPPED_REQUEST_HEADERS}
_RESPONSE_DROP = {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"transfer-encoding",
                  b"upgrade", b"content-length"}
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            409: "Conflict", 413: "Payload Too Large", 502: "Bad Gateway", 503: "Service Unavailable",
            504: "Gateway Timeout"}
_HIGH_WATER = 256 * 1024

Explain = Callable[[str], OCIError]  # why a deployment has no route (404, 409, 503), in OCI's shape
# Raises OCIError when the call may not pass (401, or 404 for a key that may not see the deployment);
# runs before anything about the deployment is revealed. Its route is None when it has none.
Authenticate = Callable[["Exchange", str, "Route | None"], None]
Refused = Callable[[str, Instance, str], None]  # an instance refused a connection (runs on a thread)


class GatewayProxy:
    """Serves ``modelDeploymentUrl`` on ``host:port`` from an event loop on a thread of its own."""

    def __init__(self, router: Router, explain: Explain, authenticate: Authenticate | None,
                 refused: Refused, max_payload_bytes: int, host: str = "127.0.0.1", port: int = 0,
                 sock: socket.socket | None = None) -> None:
        self.router, self.explain, self.authenticate, self.refused = router, explain, authenticate, refused
        self.max_payload_bytes = max_payload_bytes
        self.host, self.port = host, port
        self.sock = sock  # a listening socket to serve instead of host:port (a gateway worker's, inherited)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._idle: dict[int, list[_Upstream]] = {}  # id(instance) -> idle pooled connections
        self._clients: set[_Client] = set()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> str:
        """Listen, serve on a daemon thread, and return the URL (``http://host:port``)."""
        self.loop = _new_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            try:
                if self.sock is not None:
                    serving = self.loop.create_server(lambda: _Client(self), sock=self.sock, backlog=1024)
                else:
                    serving = self.loop.create_server(lambda: _Client(self), self.host, self.port,
                                                      reuse_address=True, backlog=1024)
                self._server = self.loop.run_until_complete(serving)
            except BaseException as exc:  # noqa: BLE001 - reported to start()
                failure.append(exc)
                ready.set()
                return
            self.port = self._server.sockets[0].getsockname()[1]
            self.loop.call_later(IDLE_UPSTREAM_SECONDS, self._sweep)
            ready.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=run, name="dockyard-endpoint", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    def stop(self) -> None:
        if self.loop is None or not self.loop.is_running():
            return

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for client in list(self._clients):
                client.transport.abort()
            for pool in self._idle.values():
                for upstream in pool:
                    upstream.transport.abort()
            self._idle.clear()
            self.loop.stop()

        asyncio.run_coroutine_threadsafe(close(), self.loop)
        if self._thread is not None:
            self._thread.join(timeout=5)

    async def missing_route(self, deployment_id: str) -> Route:
        """The route of a deployment this proxy's table lacks: none here (404, 409 or 503 in OCI's shape);
        a gateway worker asks the emulator, whose table may be a moment ahead of its own."""
        raise self.explain(deployment_id)

    # ------------------------------------------------------------------ upstream connections
    async def connect(self, route: Route, exchange: "Exchange") -> tuple[Instance, "_Upstream"]:
        """A connection to an instance of ``route``: a pooled one that is still open, else a new one.
        An instance that refuses is ejected and the next one is tried; nothing was sent to it."""
        tried: list[Instance] = []
        while True:
            instance = route.pick(tried)
            if instance is None:
                detail = f"; {tried[-1].reason}" if tried else ""
                raise OCIError(503, "ServiceUnavailable",
                               f"model deployment {route.deployment_id} has no instance that answers{detail}")
            pooled = self._pooled(instance)
            if pooled is not None:
                return instance, pooled
            try:
                _, upstream = await asyncio.wait_for(self.loop.create_connection(
                    lambda: _Upstream(self, instance), instance.host, instance.port), CONNECT_TIMEOUT)
                return instance, upstream
            except (OSError, asyncio.TimeoutError) as exc:
                if exchange.gone:
                    raise OCIError(499, "ClientClosedRequest", "the client went away") from None
                reason = f"instance {instance.ref} refused the connection ({type(exc).__name__})"
                tried.append(instance)
                if eject(instance, reason):
                    threading.Thread(target=self.refused, args=(route.deployment_id, instance, reason),
                                     daemon=True).start()

    def _pooled(self, instance: Instance) -> "_Upstream | None":
        pool = self._idle.get(id(instance))
        while pool:
            upstream = pool.pop()
            if upstream.reusable():
                return upstream
            upstream.transport.abort()
        return None

    def release(self, upstream: "_Upstream") -> None:
        """Back to the pool after a complete answer (only while its instance is still routed)."""
        upstream.exchange = None
        upstream.idle_since = time.monotonic()
        self._idle.setdefault(id(upstream.instance), []).append(upstream)

    def _sweep(self) -> None:
        """Close pooled connections idle too long or to instances no longer routed, every 30 s."""
        routed = {id(i) for route in self.router.routes() for i in route.instances}
        limit = time.monotonic() - IDLE_UPSTREAM_SECONDS
        for key, pool in list(self._idle.items()):
            keep = [u for u in pool if key in routed and u.idle_since > limit and u.reusable()]
            for upstream in pool:
                if upstream not in keep:
                    upstream.transport.abort()
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]
        self.loop.call_later(IDLE_UPSTREAM_SECONDS, self._sweep)


def authenticator(db: Any, home: Any) -> Authenticate:
    """The signature check of ``--auth enforce`` for calls to the endpoint: the API's rules
    (``emulator.auth.enforce.authenticate_call``) over the emulator's store at ``db``."""
    from emulator.auth.enforce import authenticate_call

    def authenticate(exchange: "Exchange", deployment_id: str, route: "Route | None") -> None:
        body = exchange.body_bytes()
        authenticate_call(db, home, exchange.method.decode("latin-1"), exchange.url.decode("latin-1"),
                          exchange.header, lambda: (hashlib.sha256(body).digest(), len(body)), deployment_id,
                          route.compartment_id if route else None)

    return authenticate


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:  # uvloop is optional (not on every platform); asyncio's loop works the same
        return asyncio.new_event_loop()


class _Client(asyncio.Protocol):
    """One client connection: parses requests and runs them one at a time, in order."""

    def __init__(self, server: GatewayProxy) -> None:
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.transport: Any = None
        self.parsing: Exchange | None = None
        self.current: Exchange | None = None
        self.queue: list[Exchange] = []
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.writable = asyncio.Event()
        self.closed = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.writable.set()
        self.server._clients.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server._clients.discard(self)
        for exchange in (self.current, *self.queue):
            if exchange is not None:
                exchange.client_gone()
        self.queue.clear()

    def pause_writing(self) -> None:
        self.writable.clear()
        if self.current is not None and self.current.upstream is not None:
            self.current.upstream.transport.pause_reading()

    def resume_writing(self) -> None:
        self.writable.set()
        if self.current is not None and self.current.upstream is not None:
            self.current.upstream.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(400, "InvalidParameter", "protocol upgrades are not supported here")
        except httptools.HttpParserError as exc:
            self._refuse(400, "InvalidParameter", f"malformed HTTP request: {exc}")

    def _refuse(self, status: int, code: str, message: str) -> None:
        """Answer a request that cannot be parsed, then close (nothing after it can be trusted)."""
        if self.current is None and not self.queue:
            self.transport.write(_error_bytes(status, code, message, secrets.token_hex(16).upper(), close=True))
        self.transport.close()

    # httptools callbacks ---------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.url, self.headers = b"", []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        exchange = Exchange(self, self.parser.get_method(), self.url, self.headers,
                            self.parser.should_keep_alive(), self.parser.get_http_version())
        self.parsing = exchange
        if self.current is None:
            self.current = exchange
            exchange.start()
        else:
            self.queue.append(exchange)  # pipelined: runs when the one before has answered

    def on_body(self, body: bytes) -> None:
        if self.parsing is not None:
            self.parsing.body_received(body)

    def on_message_complete(self) -> None:
        if self.parsing is not None:
            self.parsing.body_complete()
            self.parsing = None

    def finished(self, exchange: Exchange) -> None:
        """The current exchange has answered: close, or run the next pipelined one."""
        if not exchange.keep_alive:
            self.transport.close()
            return
        self.current = self.queue.pop(0) if self.queue else None
        if self.current is not None:
            self.current.start()


class Exchange:
    """One predict call from request head to the last byte of the answer."""

    def __init__(self, client: _Client, method: bytes, url: bytes, headers: list[tuple[bytes, bytes]],
                 keep_alive: bool, version: str) -> None:
        self.client, self.server = client, client.server
        self.method, self.url, self.headers = method, url, headers
        self.keep_alive, self.version = keep_alive, version
        self.started = time.perf_counter()
        self.request_id = ""
        self.content_length: int | None = None
        self.chunked = False
        for name, value in headers:
            if name == b"content-length":
                self.content_length = int(value) if value.isdigit() else -1
            elif name == b"transfer-encoding":
                self.chunked = b"chunked" in value.lower()
            elif name == b"opc-request-id":
                self.request_id = value.decode("latin-1")[:128]
        self.request_id = self.request_id or secrets.token_hex(16).upper()
        self.body: list[bytes] = []  # buffered or pending body chunks
        self.body_size = 0
        self.body_done = False
        self.buffering = True
        self.too_large = False
        self.route: Route | None = None
        self.path = "/predict"
        self.instance: Instance | None = None
        self.upstream: _Upstream | None = None
        self.gone = False
        self.answered = False
        self.status = 0
        self.bytes_out = 0
        self.response_length: int | None = None
        self.response_chunked = False
        self.logged = False
        self._out: list[bytes] = []  # answer bytes not yet written to the client (see flush)
        self._body_ready: asyncio.Future | None = None
        self._finished: asyncio.Future | None = None  # resolved by _done(), however the call ends
        self._task: asyncio.Task | None = None

    # ---------------------------------------------------------------- request side
    def start(self) -> None:
        self._task = self.server.loop.create_task(self._run())

    def body_received(self, chunk: bytes) -> None:
        self.body_size += len(chunk)
        if self.body_size > self.server.max_payload_bytes:
            self.too_large = True
            self.body.clear()
            return
        if self.too_large:
            return
        if self.upstream is not None and not self.buffering:
            self.upstream.transport.write(chunk)
            return
        self.body.append(chunk)
        if not self.buffering and self.body_size > _HIGH_WATER:
            self.client.transport.pause_reading()  # not connected yet: hold the client back

    def body_complete(self) -> None:
        self.body_done = True
        if self._body_ready is not None and not self._body_ready.done():
            self._body_ready.set_result(None)

    async def _whole_body(self) -> bytes:
        if not self.body_done:
            self._body_ready = self.server.loop.create_future()
            await self._body_ready
        return b"".join(self.body)

    async def _run(self) -> None:
        try:
            await self._forward()
        except OCIError as exc:
            if self.upstream is not None:
                self.upstream.transport.abort()
                self.upstream = None
            if not self.gone and not self.answered:
                await self._discard_body()
                self._answer_error(exc.status, exc.code, exc.message)
        except asyncio.CancelledError:
            if self.upstream is not None:
                self.upstream.transport.abort()
        except Exception:  # noqa: BLE001 - a bug must not take the endpoint down
            log.exception("predict call failed in the endpoint")
            if self.upstream is not None:
                self.upstream.transport.abort()
            if not self.gone and not self.answered:
                self._answer_error(500, "InternalServerError", "the endpoint failed; see the emulator log")

    async def _forward(self) -> None:
        deployment_id = self._resolve()
        route = self.route = self.server.router.get(deployment_id)
        limit = self.server.max_payload_bytes
        if self.content_length is not None and (self.content_length < 0 or self.chunked):
            raise OCIError(400, "InvalidParameter", "Content-Length is invalid")
        if self.content_length is not None and self.content_length > limit:
            self.keep_alive = False  # the body is not read
            raise OCIError(413, "PayloadTooLarge", f"the request body is {self.content_length} bytes; the limit is {limit}")
        if self.content_length is not None and self.server.authenticate is None:
            self.buffering = False  # streamed through as it arrives
        if any(name == b"expect" and value.lower() == b"100-continue" for name, value in self.headers):
            self.client.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        if self.buffering:
            await self._whole_body()
            if self.too_large:
                raise OCIError(413, "PayloadTooLarge", f"the request body is over the {limit} byte limit")
            if self.server.authenticate is not None:
                self.server.authenticate(self, deployment_id, route)
        if route is None:
            route = self.route = await self.server.missing_route(deployment_id)
        try:
            routed = route_path(self.header("route"))
        except BadRoute as exc:
            raise OCIError(400, "InvalidParameter", str(exc)) from None
        self.instance, upstream = await self.server.connect(route, self)
        target = routed or self.instance.predict_path
        self.instance.inflight += 1
        self.upstream = upstream
        self._finished = self.server.loop.create_future()
        upstream.begin(self)
        length = self.body_size if self.buffering else self.content_length
        upstream.transport.write(self._head(target, length) + b"".join(self.body))
        self.body.clear()
        if not self.buffering:
            self.client.transport.resume_reading()
        await self._finished

    def _resolve(self) -> str:
        """The deployment OCID a call is for (405 for a method other than POST, 404 for another path)."""
        if self.method != b"POST":
            raise OCIError(405, "MethodNotAllowed", f"{self.method.decode('latin-1')} is not allowed; predict "
                           "calls are POST")
        path = self.url.split(b"?", 1)[0].decode("latin-1")
        parts = path.split("/")
        if len(parts) != 3 or parts[0] or parts[2] not in GATEWAY_ACTIONS:
            raise OCIError(404, "NotAuthorizedOrNotFound", f"{path} is not a model deployment's "
                           f"{' or '.join(GATEWAY_ACTIONS)} path")
        self.path = "/" + parts[2]
        return parts[1]

    def _head(self, path: str, length: int | None) -> bytes:
        instance = self.instance
        target = path.encode("latin-1")
        query = self.url.partition(b"?")[2]
        if query:
            target += b"?" + query
        lines = [b"POST " + target + b" HTTP/1.1", b"host: %s:%d" % (instance.host.encode(), instance.port),
                 b"content-length: %d" % (length or 0), b"opc-request-id: " + self.request_id.encode()]
        lines += [name + b": " + value for name, value in self.headers
                  if name not in _HOP_BY_HOP and name != b"opc-request-id"]
        return b"\r\n".join(lines) + b"\r\n\r\n"

    async def _discard_body(self) -> None:
        """Read what is left of a refused request's body, so the connection can serve the next one."""
        if self.keep_alive and not self.body_done:
            self.buffering = True
            self.client.transport.resume_reading()
            await self._whole_body()
        self.body.clear()

    def header(self, name: str) -> str | None:
        """A request header as text (what signature checks read)."""
        key = name.lower().encode("latin-1")
        for header, value in self.headers:
            if header == key:
                return value.decode("latin-1")
        return None

    def body_bytes(self) -> bytes:
        return b"".join(self.body)

    # ---------------------------------------------------------------- answer side
    def response_head(self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]], length: int | None) -> None:
        self.status, self.answered = status, True
        lines = [b"HTTP/1.1 %d %s" % (status, reason or _REASONS.get(status, "").encode())]
        has_id = False
        for name, value in headers:
            if name in _RESPONSE_DROP:
                continue
            has_id = has_id or name == b"opc-request-id"
            lines.append(name + b": " + value)
        if not has_id:
            lines.append(b"opc-request-id: " + self.request_id.encode())
        self.response_length = length
        if length is not None:
            lines.append(b"content-length: %d" % length)
        elif self.version == "1.1":
            self.response_chunked = True
            lines.append(b"transfer-encoding: chunked")
        else:
            self.keep_alive = False  # an HTTP/1.0 client reads to the end of the connection
        if not self.keep_alive:
            lines.append(b"connection: close")
        self._out.append(b"\r\n".join(lines) + b"\r\n\r\n")

    def response_body(self, chunk: bytes) -> None:
        self.bytes_out += len(chunk)
        if self.response_length is not None and self.bytes_out >= self.response_length:
            # The access entry goes before the last bytes: a client that reads the logs as soon as its
            # predict returned finds it (written after, it raced the client and lost under load).
            self._log(self.status)
        self._out.append(b"%x\r\n%s\r\n" % (len(chunk), chunk) if self.response_chunked else chunk)

    def response_complete(self) -> None:
        if self.response_chunked:
            self._log(self.status)  # before the terminating chunk, as above
            self._out.append(b"0\r\n\r\n")
        self.flush()
        self._done()

    def flush(self) -> None:
        """Write what the answer has so far in one go: the head and the body that came with it in one
        read from the instance cost one system call, not two (the upstream flushes after each read)."""
        if not self._out:
            return
        data = self._out[0] if len(self._out) == 1 else b"".join(self._out)
        self._out.clear()
        if not self.client.closed:
            self.client.transport.write(data)

    def upstream_failed(self, why: str) -> None:
        """The instance closed the connection before its answer was complete (the call had been sent:
        it is not retried)."""
        if self.answered:
            self.client.transport.abort()  # the client must not take half an answer for a whole one
            self._log(self.status)
            return
        self._answer_error(502, "BadGateway", f"the model server closed the connection before answering ({why})")

    def client_gone(self) -> None:
        """The client went away: drop the upstream connection, so the server sees the call cancelled."""
        self.gone = True
        if self.upstream is not None:
            self.upstream.transport.abort()
        elif self._task is not None and not self._task.done():
            self._task.cancel()

    def _answer_error(self, status: int, code: str, message: str) -> None:
        self.status, self.answered = status, True
        if not self.client.closed:
            self.client.transport.write(_error_bytes(status, code, message, self.request_id, not self.keep_alive))
        self._done()

    def _done(self) -> None:
        if self.instance is not None:
            self.instance.inflight -= 1
            self.instance = None
        self.upstream = None
        if self._finished is not None and not self._finished.done():
            self._finished.set_result(None)  # ends _forward whichever side ended the call
        self._log(self.status)
        if not self.client.closed:
            self.client.finished(self)

    def _log(self, status: int) -> None:
        """Record the call once (metrics and access log)."""
        if self.route is None or self.logged:
            return
        self.logged = True
        self.route.record_call((time.perf_counter() - self.started) * 1000, status)
        try:
            access_log.write(self.route.log_dir, access_log.entry(status, self.started, self.body_size,
                                                                  self.bytes_out, self.request_id, self.path))
        except OSError:
            log.exception("could not write the access log of %s", self.route.deployment_id)


class _Upstream(asyncio.Protocol):
    """A keep-alive connection to one instance's server; parses its answers."""

    def __init__(self, server: GatewayProxy, instance: Instance) -> None:
        self.server, self.instance = server, instance
        self.transport: Any = None
        self.parser = httptools.HttpResponseParser(self)
        self.exchange: Exchange | None = None
        self.closed = False
        self.idle_since = 0.0
        self.keep = True
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def reusable(self) -> bool:
        """Open, and not readable while idle (readable means the server closed it or sent garbage)."""
        if self.closed or self.transport.is_closing():
            return False
        sock = self.transport.get_extra_info("socket")
        try:
            readable, _, _ = select.select([sock.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def begin(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.parser = httptools.HttpResponseParser(self)
        self.timer = self.server.loop.call_later(ANSWER_TIMEOUT, self._timeout)

    def pause_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.client.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.exchange is not None:
            self.exchange.client.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        exchange = self.exchange
        if exchange is None:
            self.transport.abort()  # bytes nobody asked for: this connection cannot be trusted
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(f"malformed answer: {exc}")
            return
        exchange.flush()  # what this read brought (a complete answer flushed itself already)

    def eof_received(self) -> bool:
        self.closed = True
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.exchange is not None:
            self._fail(type(exc).__name__ if exc else "connection closed")

    def _fail(self, why: str) -> None:
        exchange, self.exchange = self.exchange, None
        self._stop_timer()
        self.transport.abort()
        if exchange is not None:
            exchange.upstream = None
            exchange.upstream_failed(why)

    def _timeout(self) -> None:
        exchange, self.exchange = self.exchange, None
        self.transport.abort()
        if exchange is not None:
            exchange.upstream = None
            if exchange.answered:
                exchange.client.transport.abort()
            else:
                exchange._answer_error(504, "GatewayTimeout", f"the model server did not answer within {ANSWER_TIMEOUT:.0f} s")

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    # httptools callbacks ---------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.headers, self.reason = [], b""

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        length = None
        for name, value in self.headers:
            if name == b"content-length" and value.isdigit():
                length = int(value)
        self.keep = self.parser.should_keep_alive()
        if self.exchange is not None:
            self.exchange.response_head(self.parser.get_status_code(), self.reason, self.headers, length)

    def on_body(self, body: bytes) -> None:
        if self.exchange is not None:
            self.exchange.response_body(body)

    def on_message_complete(self) -> None:
        exchange, self.exchange = self.exchange, None
        self._stop_timer()
        if exchange is None:
            return
        keep = self.keep and not exchange.gone
        exchange.response_complete()
        if keep:
            self.server.release(self)
        else:
            self.transport.close()


def _error_bytes(status: int, code: str, message: str, request_id: str, close: bool) -> bytes:
    body = error_document(code, message)
    if isinstance(body, str):
        body = body.encode()
    head = [b"HTTP/1.1 %d %s" % (status, _REASONS.get(status, "Error").encode()),
            b"content-type: application/json", b"content-length: %d" % len(body),
            b"opc-request-id: " + request_id.encode()]
    if close:
        head.append(b"connection: close")
    return b"\r\n".join(head) + b"\r\n\r\n" + body
