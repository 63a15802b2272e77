"""Serving the emulator with waitress (a real WSGI server, not Flask's development server):
in the foreground for ``dockyard emulator start``, or on a background thread for tests and the
embedded default.

Waitress buffers each request body (spilling to a temp file beyond 512 KiB) before our code sees
it, so memory stays flat for any artifact size and a client that disconnects mid-upload never
reaches the handler. Its own body cap is set just above ``max_artifact_bytes`` so that the
services, not waitress, decide what is too large and answer in OCI's error shape.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import BaseWSGIServer, create_server
from waitress.receiver import FixedStreamReceiver
from waitress.task import ErrorTask

from emulator import private
from emulator.app import create_app
from emulator.config import EmulatorConfig
from emulator.console import console_url
from emulator.errors import code_for_status, error_document, new_request_id
from emulator.auth.enforce import UPLOAD_PATHS
from emulator.state import EmulatorState, state_of
from emulator.store.upload_spool import THRESHOLD as UPLOAD_THRESHOLD
from emulator.store.upload_spool import UploadSpool

log = logging.getLogger(__name__)

STATE_FILE = "emulator.json"
_SLACK = 64 * 1024 * 1024  # multipart framing and the like on top of the artifact limit


class _OCIErrorTask(ErrorTask):
    """Waitress answers malformed HTTP itself, before the app sees it (bad framing, a duplicate
    Content-Length, oversized headers): in OCI's JSON error shape too, like every other error."""

    def execute(self) -> None:
        error = self.request.error
        body = error_document(code_for_status(error.code), f"{error.reason}: {error.body}")
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([("Content-Type", "application/json"), ("opc-request-id", new_request_id())])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Parser(HTTPRequestParser):
    spool_dir: Path | None = None  # the blob store's temp directory, set per server

    def parse_header(self, header_plus: bytes) -> None:
        try:
            super().parse_header(header_plus)
        except ValueError:  # a Content-Length of thousands of digits: waitress checks digits, int() refuses
            raise ParsingError("Content-Length is invalid") from None
        if self._is_large_upload():
            # An artifact or object upload: received straight into the blob store and hashed meanwhile.
            self.body_rcv = FixedStreamReceiver(self.content_length, UploadSpool(self.spool_dir))

    def _is_large_upload(self) -> bool:
        """An artifact or object body over the threshold that waitress will accept (a larger one is 413)."""
        return (self.spool_dir is not None and not self.chunked and self.command in ("POST", "PUT")
                and UPLOAD_THRESHOLD < self.content_length < self.adj.max_request_body_size
                and any(p.match(self.path) for p in UPLOAD_PATHS))


class _Channel(HTTPChannel):
    error_task_class = _OCIErrorTask
    parser_class = _Parser

    def handle_close(self) -> None:
        if self.request is not None:  # a body cut off mid-way: its spooled part goes now
            self.request.close()
        super().handle_close()


def _make_server(app: Flask, config: EmulatorConfig) -> Any:
    server = create_server(
        app,
        host=config.host,
        port=config.port,
        threads=8,
        max_request_body_size=config.max_artifact_bytes + _SLACK,
        channel_timeout=300,
        recv_bytes=256 * 1024,  # bigger socket reads than waitress's 8 KiB default: artifacts are large
        ident="dockyard-emulator",
        clear_untrusted_proxy_headers=True,
    )
    parser = type("_Parser", (_Parser,), {"spool_dir": state_of(app).blobs.spool_dir})
    channel = type("_Channel", (_Channel,), {"parser_class": parser})
    for listener in [server, *getattr(server, "map", {}).values()]:  # one socket, or several (MultiSocketServer)
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = channel
    return server


def _url(server: Any, config: EmulatorConfig) -> str:
    host = config.host if ":" not in config.host else f"[{config.host}]"
    return f"http://{host}:{server.effective_port}"


def _loop(server: Any, stop: threading.Event) -> None:
    """Run waitress's event loop until ``stop`` is set, then close every socket it holds."""
    try:
        while not stop.is_set():
            server.asyncore.loop(timeout=0.2, map=server._map, use_poll=True, count=1)
    finally:
        server.task_dispatcher.shutdown(timeout=5)
        for channel in list(server._map.values()):
            try:
                channel.close()
            except OSError:
                pass


@dataclass
class RunningEmulator:
    """An emulator serving on a background thread of this process."""

    url: str
    app: Flask
    state: EmulatorState
    _server: Any
    _thread: threading.Thread
    _stop: threading.Event

    def stop(self) -> None:
        """Stop serving, run the services' shutdown hooks and release the database."""
        self._stop.set()
        self._thread.join(timeout=10)
        self.state.run_shutdown()

    def __enter__(self) -> "RunningEmulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_background(config: EmulatorConfig) -> RunningEmulator:
    """Serve on a daemon thread; returns once the socket is listening (``.url`` is usable)."""
    app = create_app(config)
    server = _make_server(app, config)
    url = _url(server, config)
    stop = threading.Event()
    thread = threading.Thread(target=_loop, args=(server, stop), name=f"dockyard-emulator {url}", daemon=True)
    thread.start()
    state = state_of(app)
    state.run_startup(url)
    _serve_endpoint(app, config)
    return RunningEmulator(url, app, state, server, thread, stop)


def _serve_endpoint(app: Flask, config: EmulatorConfig) -> None:
    """Serve the deployments' endpoint (``modelDeploymentUrl``) beside the API, unless turned off."""
    if config.endpoint_port is not None:
        from emulator.model_deployment.service import service_of

        service_of(app).serve_endpoint(config.host, config.endpoint_port)


def serve(config: EmulatorConfig) -> None:
    """Serve in the foreground until SIGINT/SIGTERM; ``<home>/emulator.json`` says where, meanwhile."""
    app = create_app(config)
    server = _make_server(app, config)
    url = _url(server, config)
    state = state_of(app)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    state.run_startup(url)
    _serve_endpoint(app, config)
    state_file = write_state_file(config.home, url)
    print(f"Dockyard emulator serving {config.home} at {url}", flush=True)
    print(f"Console: {console_url(config, url)}", flush=True)
    try:
        _loop(server, stop)
    finally:
        state.run_shutdown()
        remove_state_file(state_file)


def write_state_file(home: Path, url: str) -> Path:
    """Record pid and URL atomically so ``daemon.status`` never reads half a file."""
    path = Path(home) / STATE_FILE
    with private.replaced_whole(path) as out:
        out.write(json.dumps({"pid": os.getpid(), "url": url, "home": str(home)}).encode())
    return path


def remove_state_file(path: Path) -> None:
    """Remove the state file only if it is still ours (a newer emulator may have replaced it)."""
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass
