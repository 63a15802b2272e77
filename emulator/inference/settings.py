"""Server settings, read from the environment so the same code runs in a container and in a subprocess."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL_DIR = "/opt/ds/model/deployed_model"  # where OCI unpacks the artifact
DEFAULT_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # OCI's model deployment payload limit


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ServerSettings:
    """What one inference server needs to know; ``from_env`` is how gunicorn workers get it."""

    model_dir: Path = Path(DEFAULT_MODEL_DIR)
    max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES
    debug: bool = False
    validate_input: bool = False
    log_dir: Path | None = None

    @classmethod
    def from_env(cls) -> "ServerSettings":
        """Build settings from ``DOCKYARD_*`` variables (the process runtime overrides the model dir)."""
        log_dir = os.environ.get("DOCKYARD_LOG_DIR")
        return cls(
            model_dir=Path(os.environ.get("DOCKYARD_MODEL_DIR") or DEFAULT_MODEL_DIR),
            max_payload_bytes=int(os.environ.get("DOCKYARD_MAX_PAYLOAD_BYTES") or DEFAULT_MAX_PAYLOAD_BYTES),
            debug=_flag("DOCKYARD_DEBUG"),
            validate_input=_flag("DOCKYARD_VALIDATE_INPUT"),
            log_dir=Path(log_dir) if log_dir else None,
        )
