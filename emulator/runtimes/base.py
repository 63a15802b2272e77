"""What every deployment runtime is given (``ServerSpec``) and hands back (``ServerHandle``).

A runtime starts one inference server for one deployment and reports where it listens; the
model deployment service keeps the handle in the deployment's record so it can re-attach after
an emulator restart. Runtimes know nothing of OCI's API or of the store.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, runtime_checkable

import requests

from emulator.contracts.limits import PAYLOAD_BYTES

MODEL_DIR_IN_CONTAINER = "/opt/ds/model/deployed_model"
LogSink = Callable[[str], None]


class RuntimeFailure(RuntimeError):
    """The server could not be started; ``log_tail`` holds what explains it for the work request:
    its last output lines, or (``log_title`` says which) the artifact's traceback."""

    def __init__(self, message: str, log_tail: list[str] | None = None, log_title: str = "last log lines") -> None:
        super().__init__(message)
        self.log_tail = log_tail or []
        self.log_title = log_title


@dataclass
class ServerSpec:
    """One deployment's server: the artifact, its environment, and, for BYOC, the user's container."""

    deployment_id: str
    artifact_dir: Path
    log_dir: Path
    requirements: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    max_payload_bytes: int = PAYLOAD_BYTES
    image: str | None = None  # BYOC (OCIR_CONTAINER): the user's image
    base_image: str | None = None  # docker: the base of the environment image (None: the runtime's default)
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    server_port: int = 8080
    health_check_port: int | None = None
    startup_timeout: float = 180.0
    instance: int = 0  # which of the deployment's instances this server is (0, 1, ...)
    fresh: bool = True  # the deployment starts from nothing: leftovers of an earlier run may be cleared

    @property
    def predict_path(self) -> str:
        """Where the server answers predict calls: OCI's BYOC contract lets a container name its own."""
        return self.env.get("MODEL_DEPLOY_PREDICT_ENDPOINT") or "/predict"

    @property
    def health_path(self) -> str:
        return self.env.get("MODEL_DEPLOY_HEALTH_ENDPOINT") or "/health"

    @property
    def is_byoc(self) -> bool:
        return bool(self.image)


@dataclass
class ServerHandle:
    """Where a running server is and how to find it again (stored as JSON in the deployment record)."""

    runtime: str
    url: str
    health_url: str
    ref: str  # pid for process, container id for docker
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ServerHandle":
        return cls(**{k: data[k] for k in ("runtime", "url", "health_url", "ref")}, details=data.get("details") or {})


@runtime_checkable
class Runtime(Protocol):
    """What every deployment runtime does (docker, process): the deployment service, the autoscaler and
    the metrics reach a runtime only through these methods, so a new runtime is one module implementing
    them and one entry of ``emulator.runtimes.RUNTIME_CLASSES``."""

    def start(self, spec: ServerSpec, log: LogSink) -> ServerHandle:
        """Start one server for ``spec`` and return once it answers its health check (else RuntimeFailure)."""

    def stop(self, handle: ServerHandle) -> None:
        """Stop the server and free what it held; its output stays in the deployment's log dir."""

    def is_alive(self, handle: ServerHandle) -> bool:
        """Whether the server still runs."""

    def reattach(self, handle: ServerHandle, spec: ServerSpec, log: LogSink) -> ServerHandle:
        """After an emulator restart: keep a server that still answers, else start ``spec`` again."""

    def log_tail(self, handle: ServerHandle, lines: int = 30) -> list[str]:
        """The server's last output lines."""

    def release_crashed(self, handle: ServerHandle) -> None:
        """Free what a server that died unexpectedly still holds (a container's name), keeping its logs."""

    def usage(self, handle: ServerHandle) -> tuple[float, int] | None:
        """(CPU seconds used so far, resident bytes) of the server; None when it cannot be read."""

    def prewarm(self, requirements: list[str]) -> None:
        """Prepare, in the background, what the first server of ``requirements`` will need."""


def wait_healthy(health_url: str, timeout: float, alive: Callable[[], bool],
                 tail: Callable[[], list[str]]) -> None:
    """Poll ``/health`` until 200; fail fast when the server died or said it cannot load the model."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        try:
            response = requests.get(health_url, timeout=2)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text[:300]}"
            if response.status_code == 503 and "not loaded" in response.text:
                raise _load_failure(response, tail)
        except requests.RequestException as exc:
            last = type(exc).__name__
        if not alive():
            raise RuntimeFailure("the model server exited during startup", tail())
        time.sleep(0.02)  # a local server: asking often costs little and answers the deploy sooner
    raise RuntimeFailure(f"the model server was not healthy after {timeout:.0f}s ({last})", tail())


def _load_failure(response: requests.Response, tail: Callable[[], list[str]]) -> RuntimeFailure:
    """The server answered that score.py did not load: its message names the exception, file and line,
    and its traceback (only the artifact's frames) explains it better than the server's boot lines."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    message = str(body.get("message") or response.text[:300]).replace("the model is not loaded: ", "")
    traceback_text = body.get("traceback")
    if traceback_text:
        return RuntimeFailure(f"score.py could not be loaded: {message}", str(traceback_text).splitlines(),
                              log_title="score.py traceback")
    return RuntimeFailure(f"score.py could not be loaded: {message}", tail())


def tail_file(path: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of a log file, reading only its end."""
    if not path.is_file():
        return []
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 64 * 1024))
        text = fh.read().decode("utf-8", "replace")
    return text.splitlines()[-lines:]
