"""The Monitoring API's read routes (base path ``/20180401``), as the ``oci`` SDK's ``MonitoringClient``
and the oci CLI call them: ``POST /metrics/actions/listMetrics`` and
``POST /metrics/actions/summarizeMetricsData``, both with ``compartmentId`` (required) and
``compartmentIdInSubtree`` in the query string. Signing and the compartment check are the app's
(``emulator.auth``), as for every route; the answer holds only series of compartments the caller
may see."""
from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, jsonify, request

from emulator.auth.access import may_see
from emulator.errors import invalid
from emulator.monitoring import mql, summarize
from emulator.monitoring.backend import metric_store
from emulator.monitoring.store import MetricStore
from emulator.wire import json_body, limit_arg, page_of

bp = Blueprint("monitoring", __name__, url_prefix="/20180401")


def _store() -> MetricStore:
    return metric_store(current_app)


def _compartments(store: MetricStore) -> set[str]:
    """The compartments the answer may cover: ``compartmentId``, or every one the caller may see
    when ``compartmentIdInSubtree`` is true (the emulator has no compartment tree: a subtree is all)."""
    compartment = request.args.get("compartmentId")
    if not compartment:
        raise invalid("compartmentId is required.")
    subtree = request.args.get("compartmentIdInSubtree", "false").lower()
    if subtree not in ("true", "false"):
        raise invalid("compartmentIdInSubtree must be true or false.")
    if subtree == "false":
        return {compartment}
    return {c for _, _, c, _ in store.series()} | {compartment}


@bp.post("/metrics/actions/summarizeMetricsData")
def summarize_metrics_data() -> Response:
    body = json_body()
    store = _store()
    compartments = {c for c in _compartments(store) if may_see(c)}
    namespace = body.get("namespace")
    if not isinstance(namespace, str) or not namespace:
        raise invalid("namespace is required (the deployments' metrics are in oci_datascience_modeldeploy).")
    query = mql.parse(body.get("query"), "query")
    span = summarize.window(body, query.interval, time.time())
    return jsonify(summarize.summarize(store, namespace, query, span, request.args["compartmentId"], compartments))


@bp.post("/metrics/actions/listMetrics")
def list_metrics() -> Response:
    body = json_body()
    store = _store()
    compartments = {c for c in _compartments(store) if may_see(c)}
    page = page_of(summarize.list_metrics(store, body, compartments), limit_arg(default=1000, maximum=1000))
    response = jsonify(page.items)
    if page.next_page:
        response.headers["opc-next-page"] = page.next_page
    return response
