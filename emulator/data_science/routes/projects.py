"""``/projects``: create, get, list, update, delete."""
from __future__ import annotations

from flask import Response

from emulator.contracts.states import PROJECT_STATES
from emulator.data_science import idempotency, projects
from emulator.data_science.routes import bp
from emulator.data_science.routes.common import list_filters, if_match, require_fields, retry_token
from emulator.data_science.validation import check_description, check_display_name, check_tags
from emulator.state import current_state
from emulator.wire import (caller, empty_response, json_body, list_records, list_response, page_params,
                           record_response, require_ocid)


def _check(body: dict) -> None:
    check_display_name(body)
    check_description(body)
    check_tags(body)


@bp.post("/projects")
def create_project() -> Response:
    body = json_body()
    require_fields(body, "compartmentId")
    _check(body)
    state = current_state()
    record = idempotency.once(state.db, retry_token(), "createProject", body,
                              lambda: projects.create(state, body, caller()), lambda i: state.db.get(projects.KIND, i))
    return record_response(record)


@bp.get("/projects/<project_id>")
def get_project(project_id: str) -> Response:
    require_ocid(project_id, "projectId")
    return record_response(projects.read(current_state().db, project_id))


@bp.get("/projects")
def list_projects() -> Response:
    filters = list_filters(PROJECT_STATES, "displayName")
    params = page_params(("timeCreated", "displayName"))
    return list_response(list_records(projects.KIND, filters, params), projects.summary)


@bp.put("/projects/<project_id>")
def update_project(project_id: str) -> Response:
    require_ocid(project_id, "projectId")
    body = json_body()
    _check(body)
    return record_response(projects.update(current_state().db, project_id, body, if_match()))


@bp.delete("/projects/<project_id>")
def delete_project(project_id: str) -> Response:
    require_ocid(project_id, "projectId")
    state = current_state()
    record = projects.delete(state, project_id, if_match())
    from emulator.data_science import work_requests

    done = work_requests.completed(state.db, "PROJECT_DELETE", record["compartmentId"],
                                   [work_requests.resource("project", project_id, "DELETED")],
                                   f"Deleted project {project_id}", state.config.region)
    return empty_response(204, {"opc-work-request-id": done["id"]})
