"""The emulator's Flask application factory: one app per config, no global state at import time."""
from __future__ import annotations

import importlib

from flask import Flask

from emulator.config import EmulatorConfig
from emulator.errors import install_error_handlers
from emulator.state import EmulatorState, attach, current_state

RESET_PATH = "/dockyard-api/reset"
SNAPSHOTS_PATH = "/dockyard-api/snapshots"  # emulator.snapshots.routes

# Each package defines ``init_app(app)``.
SERVICES = (
    "emulator.data_science",
    "emulator.object_storage",
    "emulator.resource_search",
    "emulator.model_deployment",
    "emulator.monitoring",
    "emulator.auth",
    "emulator.console",
    "emulator.snapshots",
)


def create_app(config: EmulatorConfig | None = None) -> Flask:
    """Build the emulator app over ``config.home`` with every available service plugged in."""
    config = config or EmulatorConfig()
    app = Flask("emulator", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = None  # the services enforce their own limits per route
    app.json.sort_keys = False
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False  # "//" is a 404 in OCI's shape, not werkzeug's HTML redirect
    attach(app, EmulatorState.open(config))
    install_error_handlers(app)
    app.before_request(_purge_tombstones)
    app.add_url_rule("/_dockyard/health", "dockyard_health", _health)
    app.add_url_rule(RESET_PATH, "dockyard_reset", _reset, methods=["POST"])
    for name in SERVICES:
        _init_service(app, name)
    return app


def _reset() -> dict:
    """Empty the emulator (moto's ``/moto-api/reset``): see ``EmulatorState.reset``."""
    current_state().reset()
    return {"status": "ok"}


def _purge_tombstones() -> None:
    """Deleted resources past their retention go before any request can see them (one comparison
    unless one is due: see ``emulator.store.tombstones``)."""
    current_state().tombstones.purge_due()


def _health() -> dict:
    """Liveness probe used by ``emulator.daemon`` to tell a running emulator from a stale pid file."""
    return {"status": "ok", "service": "dockyard-emulator"}


def _init_service(app: Flask, name: str) -> None:
    """Plug in one service package; a missing or broken one is an error, never silently skipped."""
    importlib.import_module(name).init_app(app)
