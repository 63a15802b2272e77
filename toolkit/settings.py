"""Settings every part of Dockyard honours. Arguments win over environment, environment over defaults.

Read at call time (not import time) so tests and users can change the environment after import.
"""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_BASE_IMAGE = "python:3.11-slim"


def home() -> Path:
    """Where the local emulator keeps its catalog and artifacts (``DOCKYARD_HOME``)."""
    return Path(os.environ.get("DOCKYARD_HOME") or Path.home() / ".dockyard").expanduser()


def endpoint() -> str | None:
    """URL of an already running emulator to use instead of starting one (``DOCKYARD_ENDPOINT``)."""
    return os.environ.get("DOCKYARD_ENDPOINT") or None


def profile() -> str:
    """``local`` or the name of a profile in ``~/.oci/config`` (``DOCKYARD_PROFILE``)."""
    return os.environ.get("DOCKYARD_PROFILE") or "local"


def runtime() -> str:
    """Deployment runtime: ``auto``, ``docker`` or ``process`` (``DOCKYARD_RUNTIME``)."""
    return os.environ.get("DOCKYARD_RUNTIME") or "auto"


def base_image() -> str:
    """Base Python image deployment images are built on (``DOCKYARD_BASE_IMAGE``)."""
    return os.environ.get("DOCKYARD_BASE_IMAGE") or DEFAULT_BASE_IMAGE
