"""``/workRequests``: get, list, logs and errors of asynchronous operations."""
from __future__ import annotations

from flask import Response, jsonify, request

from emulator.data_science import work_requests as wr
from emulator.data_science.routes import bp
from emulator.errors import invalid, not_found
from emulator.state import current_state
from emulator.store.db import InvalidPageToken, Page
from emulator.wire import list_response, page_params, public, require_ocid

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
    try:
        page = current_state().db.list(wr.KIND, filters, sort_by, params["sort_order"], params["limit"], params["page"])
    except InvalidPageToken:
        raise invalid("page is not a token this service returned.") from None
    resource_id = args.get("resourceId")
    if resource_id:
        page.items = [r for r in page.items if any(x.get("identifier") == resource_id for x in r["resources"])]
    return list_response(page, _summary)


def _entries(entries: list[dict]) -> Response:
    limit = request.args.get("limit", "1000")
    start = request.args.get("page", "0")
    if not limit.isdigit() or not start.isdigit() or int(limit) < 1:
        raise invalid("limit and page must be positive integers.")
    end = int(start) + int(limit)
    return list_response(Page(entries[int(start):end], str(end) if end < len(entries) else None), dict)


@bp.get("/workRequests/<work_request_id>/logs")
def list_work_request_logs(work_request_id: str) -> Response:
    return _entries(wr.logs(_load(work_request_id)))


@bp.get("/workRequests/<work_request_id>/errors")
def list_work_request_errors(work_request_id: str) -> Response:
    return _entries(wr.errors(_load(work_request_id)))
