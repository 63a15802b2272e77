"""OCI Monitoring for the emulator's own metrics: the datapoints deployments emit (namespace
``oci_datascience_modeldeploy``) kept in the store, and the Monitoring API's ``ListMetrics`` and
``SummarizeMetricsData`` (``/20180401/metrics/actions/...``) over them, with the MQL subset of
``mql``, which the autoscaler uses too."""
from __future__ import annotations

from flask import Flask

from emulator.monitoring.store import MetricStore
from emulator.state import EmulatorState, state_of

EXTENSION = "dockyard_monitoring"  # the app.extensions key of the app's MetricStore


def open_metric_store(state: EmulatorState) -> MetricStore:
    """The metric store over ``state``'s database, with its retention settings (several may be open:
    the store keeps nothing in memory but a write lock)."""
    return MetricStore(state.db, state.config.metrics_fine_retention, state.config.metrics_retention)


def init_app(app: Flask) -> None:
    from emulator.monitoring.routes import bp

    state = state_of(app)
    store = open_metric_store(state)
    app.extensions[EXTENSION] = store
    state.on_reset(lambda _state: store.clear())
    app.register_blueprint(bp)
