"""Snapshots: the emulator's whole state (catalog, Object Storage, work requests, deployment records)
saved to one portable file while it serves, and restored into this or any other home.

``save(state, path)`` and ``restore(state, path)`` are the Python API (the CLI and the test harness
use them); ``POST /dockyard-api/snapshots`` and its neighbours serve them over HTTP for an emulator
running as a service (CI). :mod:`emulator.snapshots.archive` defines the file format.
"""
from __future__ import annotations

from flask import Flask

from emulator.snapshots.archive import FORMAT_VERSION, SnapshotError
from emulator.snapshots.capture import save
from emulator.snapshots.restoration import restore

__all__ = ["FORMAT_VERSION", "SnapshotError", "init_app", "restore", "save"]


def init_app(app: Flask) -> None:
    from emulator.snapshots.routes import bp

    app.register_blueprint(bp)
