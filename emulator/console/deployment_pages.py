"""Deployment pages: the list, one deployment (state, URL, runtime, instances, the reason it
failed, its metrics' charts, a live log tail, its work requests) and the test-predict form, which calls the deployment
through the predict gateway like any client."""
from __future__ import annotations

import heapq
import json
from typing import Any

from flask import Response, redirect, render_template, request, url_for

from emulator.console import present
from emulator.console.charts import deployment_charts
from emulator.console.blueprint import bp
from emulator.console.paging import choice_filter, page_of, text_filter
from emulator.contracts.states import DEPLOYMENT_STATES
from emulator.data_science import models, work_requests
from emulator.errors import OCIError
from emulator.inference.schema import sample_row
from emulator.model_deployment import files, gateway_flask, logs
from emulator.model_deployment.api import render, service
from emulator.model_deployment.service import KIND
from emulator.state import current_state
from emulator.wire import require_ocid

LOG_LINES = 200
MAX_ANSWER = 256 * 1024
_CATEGORIES = {logs.ACCESS, logs.PREDICT, logs.DEPLOY}


@bp.get("/deployments")
def deployment_list() -> str:
    filters = {"compartmentId": text_filter("compartmentId"), "projectId": text_filter("projectId"),
               "lifecycleState": choice_filter("state", DEPLOYMENT_STATES)}
    table = page_of(KIND, filters, ("timeCreated", "displayName"))
    views = [_view(record) for record in table.items]
    return render_template("console/deployments.html", table=table, views=views, states=DEPLOYMENT_STATES)


@bp.get("/deployments/<deployment_id>")
def deployment_detail(deployment_id: str) -> str:
    return _page(deployment_id)


@bp.get("/deployments/<deployment_id>/live")
def deployment_live(deployment_id: str) -> str:
    """The state and log tail alone, for the page's refresh script (and readable on its own)."""
    record = service().get(require_ocid(deployment_id, "modelDeploymentId"))
    return render_template("console/_live.html", view=_view(record), log=log_tail(deployment_id),
                           charts=deployment_charts(record["id"], record["compartmentId"]))


@bp.post("/deployments/<deployment_id>/predict")
def deployment_predict(deployment_id: str) -> str:
    """Send the form's JSON to the deployment and show its answer (or why there is none)."""
    body = request.form.get("body", "")
    try:
        json.loads(body)
    except ValueError as exc:
        return _page(deployment_id, body=body, predict_error=f"The request body is not JSON: {exc}.")
    try:
        answer = gateway_flask.call(deployment_id, body.encode("utf-8"), "application/json", MAX_ANSWER)
    except OCIError as exc:
        return _page(deployment_id, body=body, predict_error=f"{exc.code}: {exc.message}")
    return _page(deployment_id, body=body, answer=answer,
                 answer_text=present.pretty_answer(answer.body, answer.content_type))


@bp.post("/deployments/<deployment_id>/activate")
def deployment_activate(deployment_id: str) -> Response | str:
    return _act(deployment_id, service().activate)


@bp.post("/deployments/<deployment_id>/deactivate")
def deployment_deactivate(deployment_id: str) -> Response | str:
    return _act(deployment_id, service().deactivate)


def _act(deployment_id: str, action: Any) -> Response | str:
    """Start the operation as the API would (a work request); back to the page, which follows it."""
    require_ocid(deployment_id, "modelDeploymentId")
    try:
        action(deployment_id)
    except OCIError as exc:
        return _page(deployment_id, notice=f"{exc.code}: {exc.message}")
    return redirect(url_for(".deployment_detail", deployment_id=deployment_id), code=303)


def _page(deployment_id: str, **extra: Any) -> str:
    record = service().get(require_ocid(deployment_id, "modelDeploymentId"))
    view = _view(record)
    model = current_state().db.get(models.KIND, view.model_id) if view.model_id else None
    extra.setdefault("body", _sample_body(model))
    return render_template("console/deployment.html", view=view, model=model, log=log_tail(deployment_id),
                           work=_work_requests(record), charts=deployment_charts(record["id"], record["compartmentId"]),
                           **extra)


def _view(record: dict[str, Any]) -> present.DeploymentView:
    return present.deployment_view(record, render(record)["modelDeploymentUrl"], service().runtime_of(record))


def log_tail(deployment_id: str, count: int = LOG_LINES) -> list[dict[str, Any]]:
    """The last ``count`` entries of the deployment's access, predict, server and deploy logs, oldest first.

    The files are read through (entries kept: ``count``), as Logging Search reads them."""
    log_dir = files.log_dir(current_state(), deployment_id)
    last = heapq.nlargest(count, logs.read_entries(log_dir, _CATEGORIES), key=lambda entry: entry["_t"])
    return sorted(last, key=lambda entry: entry["_t"])


def _work_requests(record: dict[str, Any], scanned: int = 200) -> list[dict[str, Any]]:
    """The deployment's work requests, newest first, among the compartment's latest ``scanned``."""
    page = current_state().db.list(work_requests.KIND, {"compartmentId": record["compartmentId"]}, limit=scanned)
    mine = [w for w in page.items if any(r.get("identifier") == record["id"] for r in w.get("resources") or [])]
    return [dict(w, errors=work_requests.errors(w)) for w in mine]


def _sample_body(model: dict[str, Any] | None) -> str:
    """A request body for the form: one row built from the model's input schema, as a list of records."""
    schema = present.schema_table((model or {}).get("inputSchema"))
    if schema is None or schema.problem:
        return ""
    try:
        attributes = json.loads(model["inputSchema"])["schema"]
    except (ValueError, KeyError, TypeError):
        return ""
    row = sample_row([a for a in attributes if isinstance(a, dict)], fill_unknown=True)
    return json.dumps([row], indent=2, default=str) if row else ""
