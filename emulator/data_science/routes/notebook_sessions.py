"""``/notebookSessions``: create (idempotent with opc-retry-token; a finished work request), get, list."""
from __future__ import annotations

from flask import Response, request

from emulator.data_science import idempotency, notebook_sessions
from emulator.data_science.routes import bp
from emulator.data_science.routes.common import list_filters, require_fields, retry_token
from emulator.data_science.validation import check_display_name, check_tags
from emulator.state import current_state
from emulator.wire import (caller, check_types, json_body, list_records, list_response, page_params,
                           record_response, require_ocid)

_TYPES = {"notebookSessionRuntimeConfigDetails": dict,
          "notebookSessionStorageMountConfigurationDetailsList": list}


@bp.post("/notebookSessions")
def create_notebook_session() -> Response:
    body = json_body()
    require_fields(body, "compartmentId", "projectId")
    check_display_name(body)
    check_tags(body)
    check_types(body, _TYPES)
    state = current_state()
    url = request.host_url.rstrip("/") + "/console/"
    record = idempotency.once(state.db, retry_token(), "createNotebookSession", body,
                              lambda: notebook_sessions.create(state, body, caller(), url),
                              lambda i: state.db.get(notebook_sessions.KIND, i))
    return record_response(record, headers={"opc-work-request-id": record["_workRequestId"]})


@bp.get("/notebookSessions/<notebook_session_id>")
def get_notebook_session(notebook_session_id: str) -> Response:
    require_ocid(notebook_session_id, "notebookSessionId")
    return record_response(notebook_sessions.read(current_state().db, notebook_session_id))


@bp.get("/notebookSessions")
def list_notebook_sessions() -> Response:
    filters = list_filters(notebook_sessions.STATES, "projectId", "displayName")
    params = page_params(("timeCreated", "displayName"))
    return list_response(list_records(notebook_sessions.KIND, filters, params), notebook_sessions.summary)
