"""Settings every part of Dockyard honours. Arguments win over environment, environment over defaults.

Read at call time (not import time) so tests and users can change the environment after import.
"""
from __future__ import annotations

import os
from pathlib import Path

# The deployment settings (DOCKYARD_RUNTIME, DOCKYARD_BASE_IMAGE) have one reader, the emulator's;
# the toolkit passes the caller's values on with each deployment it creates.
from emulator.settings import base_image, runtime

__all__ = ["base_image", "endpoint", "home", "profile", "runtime"]


def home() -> Path:
    """Where the local emulator keeps its catalog and artifacts (``DOCKYARD_HOME``)."""
    return Path(os.environ.get("DOCKYARD_HOME") or Path.home() / ".dockyard").expanduser()


def endpoint() -> str | None:
    """URL of an already running emulator to use instead of starting one (``DOCKYARD_ENDPOINT``)."""
    return os.environ.get("DOCKYARD_ENDPOINT") or None


def profile() -> str:
    """``local`` or the name of a profile in ``~/.oci/config`` (``DOCKYARD_PROFILE``)."""
    return os.environ.get("DOCKYARD_PROFILE") or "local"
