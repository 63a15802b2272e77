"""The stand-in's HTTP server: routes, keep-alive HTTP/1.1, chunked streams that stop generating
when the client goes away.

The standard library's threading server is enough here: the model is the bottleneck, a stream
holds its thread while it generates, and the server needs nothing beyond Python, torch and
transformers (it runs in a bare image as it runs in a process).
"""
from __future__ import annotations

import json
import logging
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import protocols
from .engine import BadRequest, Engine
from .options import Options

log = logging.getLogger("dockyard_llm")
MAX_BODY = 10 * 1024 * 1024  # OCI's predict payload limit

# path -> (protocol, handler); /generate is TGI's or vLLM's by its body (TGI's "inputs", vLLM's "prompt").
POST_ROUTES = {
    "/generate": "generate",
    "/generate_stream": "tgi_stream",
    "/v1/completions": "completions",
    "/v1/chat/completions": "chat",
}


def protocol_of(path: str, body: dict) -> str:
    """Which API a call speaks: by its path, else (a deployment's own predict path) by its body."""
    kind = POST_ROUTES.get(path, "generate")
    if kind != "generate":
        return kind
    if "messages" in body:
        return "chat"
    if "inputs" in body:
        return "tgi_stream" if body.get("stream") is True else "tgi"
    return "vllm"


class StandIn(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, options: Options, engine: Engine) -> None:
        self.options, self.engine, self.created = options, engine, int(time.time())
        self.cancelled = 0
        super().__init__((options.host, options.port), Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One small write per token: with Nagle's algorithm each would wait for the client's delayed ACK
    # (about 40 ms), capping a stream at ~25 tokens/s whatever the model's speed.
    disable_nagle_algorithm = True
    server: StandIn

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.info("%s %s", self.address_string(), format % args)

    # ------------------------------------------------------------------ GET
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?", 1)[0]
        options = self.server.options
        if path in ("/health", "/ping", "/"):
            self._json(200, {"status": "ok"} if path != "/" else {"model": options.served_model_name})
        elif path == "/v1/models":
            self._reply(protocols.models(options.served_model_name, self.server.created))
        elif path == "/info":  # TGI's
            self._json(200, {"model_id": options.served_model_name, "model_dtype": "float32",
                             "model_device_type": "cpu", "max_total_tokens": self.server.engine.max_total_tokens,
                             "router": "dockyard-llm-stand-in", "version": "0"})
        else:
            self._json(404, {"error": f"no route GET {path}"})

    # ------------------------------------------------------------------ POST
    def do_POST(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        route = self.headers.get("route")
        if path not in POST_ROUTES and route in POST_ROUTES:
            path = route  # OCI's route header, when a gateway passed the call to the predict path
        body = self._body()
        if body is None:
            return
        kind = protocol_of(path, body)
        family = "openai" if kind in ("completions", "chat") else ("tgi" if kind.startswith("tgi") else "vllm")
        engine, model = self.server.engine, self.server.options.served_model_name
        try:
            if kind == "completions":
                reply = protocols.completions(engine, body, model)
            elif kind == "chat":
                reply = protocols.chat_completions(engine, body, model)
            elif kind == "tgi":
                reply = protocols.tgi_generate(engine, body)
            elif kind == "tgi_stream":
                reply = protocols.tgi_generate_stream(engine, body)
            else:
                reply = protocols.vllm_generate(engine, body)
        except BadRequest as exc:
            reply = protocols.error(family, 422 if family == "tgi" else 400, str(exc))
        except Exception as exc:  # noqa: BLE001 - answered, logged, and the server goes on
            log.exception("generation failed")
            reply = protocols.error(family, 500, f"generation failed: {type(exc).__name__}: {exc}")
        self._reply(reply)

    def _body(self) -> dict | None:
        length = self.headers.get("content-length")
        if length is None or not length.isdigit():
            self._json(411 if length is None else 400, {"error": "a JSON body with a Content-Length is required"})
            return None
        if int(length) > MAX_BODY:
            self.close_connection = True
            self._json(413, {"error": f"the body is over {MAX_BODY} bytes"})
            return None
        raw = self.rfile.read(int(length))
        try:
            body = json.loads(raw or b"null")
        except ValueError as exc:
            self._json(400, {"error": f"the body is not JSON: {exc}"})
            return None
        if not isinstance(body, dict):
            self._json(400, {"error": "the body must be a JSON object"})
            return None
        return body

    # ------------------------------------------------------------------ answers
    def _json(self, status: int, document: Any) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _reply(self, reply: protocols.Reply) -> None:
        if reply.chunks is None:
            self._json(reply.status, reply.document)
            return
        self.send_response(reply.status)
        self.send_header("content-type", reply.content_type)
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        sent = 0
        try:
            for chunk in reply.chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                sent += 1
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.server.cancelled += 1
            self.close_connection = True
            log.warning("generation cancelled: the client went away after %d chunk(s)", sent)
        finally:
            close = getattr(reply.chunks, "close", None)
            if close is not None:
                close()  # stops the token loop where it is


def serve(options: Options) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    log.info("loading %s", options.model)
    engine = Engine(options.model, options.max_total_tokens)
    server = StandIn(options, engine)
    log.info("serving %s (%s) on http://%s:%d", options.served_model_name, engine.dir, options.host,
             server.server_address[1])
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
