"""The access log of a deployment (OCI's access log category): one JSON line per predict call,
written by whichever gateway front answered it, into ``<deployment>/logs/access.log``.

Each line is one ``write`` on a descriptor opened with ``O_APPEND`` (kept open per file), so lines
of concurrent writers never interleave and a call costs one system call, not an open and a close.
"""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from emulator.contracts.deployments import ACCESS_LOG
from emulator.wire import now

FILE = "access.log"
_fds: dict[str, int] = {}
_lock = threading.Lock()


def entry(status: int, started: float, bytes_in: int, bytes_out: int, request_id: str, path: str = "/predict",
          instance: str | None = None) -> dict[str, Any]:
    """One access log record; ``started`` is a ``time.perf_counter()`` value."""
    latency = (time.perf_counter() - started) * 1000
    record = {"time": now(), "type": ACCESS_LOG, "status": status, "method": "POST", "path": path,
              "latencyMs": round(latency, 2), "bytesOut": bytes_out, "bytesIn": bytes_in,
              "opcRequestId": request_id, "message": f"POST {path} {status} {latency:.1f}ms"}
    if instance:
        record["instance"] = instance
    return record


def write(log_dir: str | Path, record: dict[str, Any]) -> None:
    """Append ``record`` to the access log in ``log_dir`` (created 0600 with the directory 0700)."""
    path = os.path.join(log_dir, FILE)
    line = (json.dumps(record) + "\n").encode()
    fd = _fds.get(path)
    if fd is None:
        fd = _open(path)
    try:
        os.write(fd, line)
    except OSError:  # the directory was removed (reset, delete): open it again
        _forget(path)
        os.write(_open(path), line)


def close_all() -> None:
    """Close every kept descriptor (the emulator stops, or its deployments' files are removed)."""
    with _lock:
        for fd in _fds.values():
            try:
                os.close(fd)
            except OSError:
                pass
        _fds.clear()


def _open(path: str) -> int:
    from emulator import private

    with _lock:
        fd = _fds.get(path)
        if fd is None:
            private.make_dir(Path(path).parent)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            _fds[path] = fd
        return fd


def _forget(path: str) -> None:
    with _lock:
        fd = _fds.pop(path, None)
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass
