"""The emulator's Flask application factory: one app per config, no global state at import time."""
from __future__ import annotations

import importlib
import logging

from flask import Flask

from emulator.config import EmulatorConfig
from emulator.errors import install_error_handlers
from emulator.state import EmulatorState

log = logging.getLogger(__name__)

# Each package defines ``init_app(app)``; packages not written yet are skipped.
SERVICES = (
    "emulator.data_science",
    "emulator.object_storage",
    "emulator.resource_search",
    "emulator.model_deployment",
    "emulator.auth",
)


def create_app(config: EmulatorConfig | None = None) -> Flask:
    """Build the emulator app over ``config.home`` with every available service plugged in."""
    config = config or EmulatorConfig()
    app = Flask("emulator", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = None  # the services enforce their own limits per route
    app.json.sort_keys = False
    app.url_map.strict_slashes = False
    app.extensions["dockyard"] = EmulatorState.open(config)
    install_error_handlers(app)
    app.add_url_rule("/_dockyard/health", "dockyard_health", _health)
    for name in SERVICES:
        _init_service(app, name)
    return app


def _health() -> dict:
    """Liveness probe used by ``emulator.daemon`` to tell a running emulator from a stale pid file."""
    return {"status": "ok", "service": "dockyard-emulator"}


def _init_service(app: Flask, name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        log.debug("service %s not present; skipped", name)
        return
    init_app = getattr(module, "init_app", None)
    if init_app is None:  # a package still being written (no __init__.py yet)
        log.debug("service %s has no init_app; skipped", name)
        return
    init_app(app)
