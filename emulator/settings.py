"""The deployment settings a user changes (``DOCKYARD_RUNTIME``, ``DOCKYARD_BASE_IMAGE``,
``DOCKYARD_JAVA_BASE_IMAGE``), read here only.

The emulator reads them when it starts (``EmulatorConfig``); a caller's own values travel with
each deployment it creates as freeform tags (``emulator.contracts.deployments``: ``RUNTIME_TAG``,
``BASE_IMAGE_TAG``), which the emulator prefers to its own, so a setting changed after a
background emulator started takes effect on the next deploy. The toolkit imports these readers;
nothing here imports the toolkit.
"""
from __future__ import annotations

import os

RUNTIMES = ("auto", "docker", "process")
DEFAULT_RUNTIME = "auto"
# The base image deployment images are built on when none is set: the stock image when the engine
# has it (or can pull it), else the offline one ``dockyard emulator base-image`` builds.
DEFAULT_BASE_IMAGE = "python:3.11-slim"
OFFLINE_BASE_IMAGE = "dockyard/python:3.11-local"
# The base image of environments whose requirements run a JVM (pyspark) when none is set: the offline
# base plus Debian's JRE, which ``dockyard emulator base-image --java`` layers on it.
OFFLINE_JAVA_BASE_IMAGE = "dockyard/python-jre:3.11-local"

RUNTIME_ENV = "DOCKYARD_RUNTIME"
BASE_IMAGE_ENV = "DOCKYARD_BASE_IMAGE"
JAVA_BASE_IMAGE_ENV = "DOCKYARD_JAVA_BASE_IMAGE"


class SettingError(ValueError):
    """An environment setting holds a value Dockyard does not know."""


def runtime() -> str | None:
    """``DOCKYARD_RUNTIME`` when set (``auto``, ``docker`` or ``process``), else None (the emulator's default)."""
    value = (os.environ.get(RUNTIME_ENV) or "").strip().lower()
    if not value:
        return None
    return check_runtime(value, source=RUNTIME_ENV)


def check_runtime(value: str, source: str = "runtime") -> str:
    """``value`` lower-cased when it names a runtime; SettingError naming ``source`` otherwise."""
    name = value.strip().lower()
    if name not in RUNTIMES:
        raise SettingError(f"{source}={value!r} is not a runtime; use one of {', '.join(RUNTIMES)}")
    return name


def base_image() -> str | None:
    """``DOCKYARD_BASE_IMAGE`` when set, else None (resolved per deploy: see ``runtimes.base_image``)."""
    return (os.environ.get(BASE_IMAGE_ENV) or "").strip() or None


def java_base_image() -> str:
    """``DOCKYARD_JAVA_BASE_IMAGE`` when set, else the offline ``dockyard/python-jre:3.11-local``."""
    return (os.environ.get(JAVA_BASE_IMAGE_ENV) or "").strip() or OFFLINE_JAVA_BASE_IMAGE
