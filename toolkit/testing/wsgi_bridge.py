"""Hand a ``requests`` PreparedRequest to a WSGI app in-process and turn its answer into a
``responses`` callback result, streaming both ways (no socket, no whole-artifact buffering)."""
from __future__ import annotations

import io
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import unquote, urlsplit

WSGIApp = Callable[..., Iterable[bytes]]


class _IterReader(io.RawIOBase):
    """A readable raw stream over an iterable of byte chunks (a WSGI body or a chunked upload)."""

    def __init__(self, chunks: Iterable[bytes], close: Callable[[], None] | None = None) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""
        self._close = close

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                return 0
            self._pending = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        if not self.closed and self._close is not None:
            self._close()
        super().close()


def _input_stream(body: Any) -> tuple[Any, int | None]:
    """The request body as a readable stream, and its length when known without reading it."""
    if body is None:
        return io.BytesIO(b""), 0
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return io.BytesIO(body), len(body)
    if hasattr(body, "read"):
        return body, None
    return io.BufferedReader(_IterReader(body)), None


def build_environ(request: Any) -> dict[str, Any]:
    """A WSGI environ for ``request`` exactly as a server would build it from the wire."""
    parts = urlsplit(request.url)
    stream, length = _input_stream(request.body)
    headers = {k.lower(): v for k, v in request.headers.items()}
    if "content-length" in headers:
        length = int(headers["content-length"])
    port = parts.port or (443 if parts.scheme == "https" else 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(parts.path or "/", "latin-1"),
        "QUERY_STRING": parts.query,
        "REQUEST_URI": request.path_url,
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": stream,
        "wsgi.input_terminated": length is None,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    for name, value in headers.items():
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
        elif name != "content-length":
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    environ.setdefault("HTTP_HOST", parts.netloc)
    return environ


def call(app: WSGIApp, request: Any) -> tuple[int, list[tuple[str, str]], io.BufferedReader]:
    """Run ``app`` on ``request``; returns ``(status, headers, body stream)`` for ``responses``."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    result = app(build_environ(request), start_response)
    body = io.BufferedReader(_IterReader(result, getattr(result, "close", None)), buffer_size=256 * 1024)
    if "status" not in captured:  # a lazy app calls start_response with its first chunk
        body.peek(1)
    status = int(captured["status"].split(" ", 1)[0])
    headers = [(k, v) for k, v in captured["headers"] if k.lower() != "transfer-encoding"]
    return status, headers, body
