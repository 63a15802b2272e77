"""OCI Monitoring for the emulator's own metrics: the datapoints deployments emit (namespace
``oci_datascience_modeldeploy``) kept in the store (``store``), and the Monitoring API's
``ListMetrics`` and ``SummarizeMetricsData`` (``/20180401/metrics/actions/...``, ``routes`` over
``summarize``) with the MQL subset of ``mql``, which the autoscaler uses too."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from emulator.monitoring.backend import EXTENSION, open_metric_store
    from emulator.monitoring.routes import bp
    from emulator.state import state_of

    state = state_of(app)
    store = open_metric_store(state)
    app.extensions[EXTENSION] = store
    state.on_reset(lambda _state: store.clear())
    app.register_blueprint(bp)
