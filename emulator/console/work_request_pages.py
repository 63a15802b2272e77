"""Work request pages: every asynchronous operation with its status, progress, log and errors."""
from __future__ import annotations

from flask import render_template

from emulator.console.blueprint import bp
from emulator.console.paging import choice_filter, page_of, text_filter
from emulator.contracts.states import WORK_REQUEST_STATUSES
from emulator.data_science import work_requests
from emulator.errors import not_found
from emulator.state import current_state
from emulator.wire import require_ocid



@bp.get("/work-requests")
def work_request_list() -> str:
    filters = {"compartmentId": text_filter("compartmentId"), "status": choice_filter("status", WORK_REQUEST_STATUSES),
               "operationType": text_filter("operationType")}
    table = page_of(work_requests.KIND, filters, ("timeCreated",))
    return render_template("console/work_requests.html", table=table, statuses=WORK_REQUEST_STATUSES)


@bp.get("/work-requests/<work_request_id>")
def work_request_detail(work_request_id: str) -> str:
    record = work_requests.get(current_state().db, require_ocid(work_request_id, "workRequestId"))
    if record is None:
        raise not_found("work request", work_request_id)
    return render_template("console/work_request.html", work=record, logs=work_requests.logs(record),
                           errors=work_requests.errors(record))
