"""The Monitoring service's state for one emulator app (moto's backend): its metric store, opened
over the app's database with the retention settings, and where other services and pages find it."""
from __future__ import annotations

from flask import Flask

from emulator.monitoring.store import MetricStore
from emulator.state import EmulatorState

EXTENSION = "dockyard_monitoring"  # the app.extensions key of the app's MetricStore


def open_metric_store(state: EmulatorState) -> MetricStore:
    """The metric store over ``state``'s database, with its retention settings (several may be open:
    the store keeps nothing in memory but a write lock)."""
    return MetricStore(state.db, state.config.metrics_fine_retention, state.config.metrics_retention)


def metric_store(app: Flask) -> MetricStore:
    """The metric store the app's Monitoring API reads."""
    return app.extensions[EXTENSION]
