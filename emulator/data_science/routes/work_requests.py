"""``/workRequests``: get, list, logs and errors of asynchronous operations."""
from __future__ import annotations

from flask import Response, jsonify, request

from emulator.data_science import work_request_cancel
from emulator.data_science import work_requests as wr
from emulator.data_science.routes import bp
from emulator.errors import not_found
from emulator.state import current_state
from emulator.wire import empty_response, limit_arg, list_records, list_response, page_of, page_params, public, require_ocid

_SORT = ("timeAccepted", "operationType", "status")


def _load(work_request_id: str) -> dict:
    require_ocid(work_request_id, "workRequestId")
    record = wr.get(current_state().db, work_request_id)
    if record is None:
        raise not_found("work request", work_request_id)
    return record


def _summary(record: dict) -> dict:
    return {k: v for k, v in public(record).items() if k != "timeCreated"}


@bp.get("/workRequests/<work_request_id>")
def get_work_request(work_request_id: str) -> Response:
    return jsonify(_summary(_load(work_request_id)))


@bp.get("/workRequests")
def list_work_requests() -> Response:
    args = request.args
    compartment = require_ocid(args.get("compartmentId"), "compartmentId")
    params = page_params(_SORT, default_sort="timeAccepted")
    sort_by = "timeCreated" if params["sort_by"] == "timeAccepted" else params["sort_by"]
    filters = {"compartmentId": compartment, "id": args.get("id"), "operationType": args.get("operationType"),
               "status": args.get("status")}
    page = list_records(wr.KIND, filters, params | {"sort_by": sort_by})
    resource_id = args.get("resourceId")
    if resource_id:
        page.items = [r for r in page.items if any(x.get("identifier") == resource_id for x in r["resources"])]
    return list_response(page, _summary)


def _entries(entries: list[dict]) -> Response:
    return list_response(page_of(entries, limit_arg(default=1000)), dict)


@bp.get("/workRequests/<work_request_id>/logs")
def list_work_request_logs(work_request_id: str) -> Response:
    return _entries(wr.logs(_load(work_request_id)))


@bp.get("/workRequests/<work_request_id>/errors")
def list_work_request_errors(work_request_id: str) -> Response:
    return _entries(wr.errors(_load(work_request_id)))


@bp.delete("/workRequests/<work_request_id>")
def cancel_work_request(work_request_id: str) -> Response:
    require_ocid(work_request_id, "workRequestId")
    work_request_cancel.cancel(current_state().db, work_request_id)
    return empty_response(202)
