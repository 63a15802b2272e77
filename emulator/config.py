"""Emulator settings in one dataclass, so the CLI, the daemon, tests and benchmarks build it the same way."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from emulator import settings
from emulator.contracts import limits
from emulator.unzip import ZipLimits

DEFAULT_TOMBSTONE_RETENTION = 24 * 3600.0  # seconds a deleted resource stays readable in state DELETED


def _retention() -> float:
    value = os.environ.get("DOCKYARD_TOMBSTONE_RETENTION")
    try:
        return float(value) if value else DEFAULT_TOMBSTONE_RETENTION
    except ValueError:
        raise ValueError(f"DOCKYARD_TOMBSTONE_RETENTION must be a number of seconds, not {value!r}") from None


def _endpoint_port_from_env() -> int | None:
    value = os.environ.get("DOCKYARD_ENDPOINT_PORT", "").strip().lower()
    if value in ("off", "none"):
        return None
    return int(value) if value else 0


def gateway_workers(value: str | int | None) -> int:
    """How many processes serve the deployments' endpoint: a count, or ``auto`` (a quarter of the cores,
    the rest left to the model servers; 1 on a machine of fewer than 8). 1 serves it from the
    emulator's own event loop."""
    text = str(value if value is not None else "").strip().lower()
    if text in ("", "1"):
        return 1
    if text == "auto":
        return max(1, (os.cpu_count() or 1) // 4)
    try:
        count = int(text)
    except ValueError:
        raise ValueError(f"the gateway workers must be a number or 'auto', not {value!r}") from None
    if count < 1:
        raise ValueError(f"the gateway workers must be at least 1, not {count}")
    return count


def _default_home() -> Path:
    return Path(os.environ.get("DOCKYARD_HOME") or Path.home() / ".dockyard").expanduser()


@dataclass
class EmulatorConfig:
    """Where the emulator keeps its state, where it listens and which limits it enforces."""

    home: Path = field(default_factory=_default_home)
    host: str = "127.0.0.1"
    port: int = 0
    region: str = "us-ashburn-1"
    max_artifact_bytes: int = limits.ARTIFACT_BYTES
    max_payload_bytes: int = limits.PAYLOAD_BYTES
    auth_mode: str = "off"
    runtime: str = field(default_factory=lambda: settings.runtime() or settings.DEFAULT_RUNTIME)
    # None: the default, resolved at each deploy (``emulator.runtimes.base_image.resolve``).
    base_image: str | None = field(default_factory=settings.base_image)
    java_base_image: str = field(default_factory=settings.java_base_image)
    namespace: str = "dockyard"
    # How far a deployed artifact zip may unpack (None: DOCKYARD_MAX_UNZIPPED_BYTES / _ZIP_RATIO, else the defaults).
    max_unzipped_bytes: int | None = None
    max_zip_ratio: float | None = None
    # The console (/console): with auth_mode "enforce" it asks for this token (generated and kept in
    # <home>/console-token when unset) and is read-only unless console_write is set.
    console_token: str | None = field(default_factory=lambda: os.environ.get("DOCKYARD_CONSOLE_TOKEN") or None)
    console_write: bool = False
    # Where deployments are served (modelDeploymentUrl): a port of its own (0 picks a free one), as OCI
    # serves them from a host of their own; None serves them on the API's port only (slower).
    endpoint_port: int | None = field(default_factory=lambda: _endpoint_port_from_env())
    # Processes serving that port (emulator.model_deployment.gateway_workers), each with its own event
    # loop: 1 (default) serves it from the emulator's own loop, which one core caps near 12k calls/s.
    gateway_workers: int = field(default_factory=lambda: gateway_workers(os.environ.get("DOCKYARD_GATEWAY_WORKERS")))
    # Durations of AUTOSCALING policies (pending durations, cool-down, metric windows) are multiplied
    # by this: 0.01 lets a test see OCI's PT3M pass in 1.8 s.
    autoscaling_time_scale: float = field(
        default_factory=lambda: float(os.environ.get("DOCKYARD_AUTOSCALING_TIME_SCALE") or 1.0))
    # Durations of models' retention settings (archiveAfterDays, deleteAfterDays, a restore's hours)
    # are multiplied by this: 1e-5 lets a test see a day pass in 0.864 s.
    retention_time_scale: float = field(
        default_factory=lambda: float(os.environ.get("DOCKYARD_RETENTION_TIME_SCALE") or 1.0))
    # Deleted models, projects, version sets and deployments answer GET in state DELETED this long.
    tombstone_retention: float = field(default_factory=_retention)
    # Seconds a resource-principal session token lives (emulator.auth.session_tokens: renewed in its
    # file under the home when a request shows it expired).
    rpst_lifetime: float = 3600.0
    # Deployment metrics (emulator.monitoring): one-second points are kept this many seconds, one-minute
    # points this many (OCI keeps 1-minute data 7 days); both in the store, so a restart keeps them.
    metrics_fine_retention: float = field(
        default_factory=lambda: float(os.environ.get("DOCKYARD_METRICS_FINE_RETENTION") or 3600))
    metrics_retention: float = field(
        default_factory=lambda: float(os.environ.get("DOCKYARD_METRICS_RETENTION") or 7 * 86400))

    def __post_init__(self) -> None:
        self.home = Path(self.home).expanduser()
        self.runtime = settings.check_runtime(self.runtime)
        self.gateway_workers = gateway_workers(self.gateway_workers)
        self.base_image = self.base_image or None

    @property
    def zip_limits(self) -> ZipLimits:
        return ZipLimits.resolve(self.max_unzipped_bytes, self.max_zip_ratio)

    @property
    def db_path(self) -> Path:
        return self.home / "catalog.db"

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"
