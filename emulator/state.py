"""The emulator's shared state, reachable from any request as ``current_state()``: settings,
the record database, the blob store, and the hooks services run when a server starts or stops."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app

from emulator.config import EmulatorConfig
from emulator.store import BlobStore, Database

log = logging.getLogger(__name__)

Hook = Callable[["EmulatorState"], None]


@dataclass
class EmulatorState:
    """Everything a service needs; lives in ``app.extensions["dockyard"]``."""

    config: EmulatorConfig
    db: Database
    blobs: BlobStore
    url: str | None = None  # set by the server once it listens
    startup_hooks: list[Hook] = field(default_factory=list)
    shutdown_hooks: list[Hook] = field(default_factory=list)

    @classmethod
    def open(cls, config: EmulatorConfig) -> "EmulatorState":
        config.home.mkdir(parents=True, exist_ok=True)
        return cls(config=config, db=Database(config.db_path), blobs=BlobStore(config.blob_dir))

    def on_start(self, hook: Hook) -> None:
        """Run ``hook(state)`` once the server listens (``state.url`` is known then)."""
        self.startup_hooks.append(hook)

    def on_stop(self, hook: Hook) -> None:
        """Run ``hook(state)`` when the server stops."""
        self.shutdown_hooks.append(hook)

    def run_startup(self, url: str) -> None:
        self.url = url
        self._run(self.startup_hooks)

    def run_shutdown(self) -> None:
        self._run(self.shutdown_hooks)
        self.db.close()

    def _run(self, hooks: list[Hook]) -> None:
        for hook in hooks:
            try:
                hook(self)
            except Exception:  # one service's failing hook must not keep the others from running
                log.exception("emulator hook %r failed", hook)


def state_of(app: Flask) -> EmulatorState:
    return app.extensions["dockyard"]


def current_state() -> EmulatorState:
    return state_of(current_app)
