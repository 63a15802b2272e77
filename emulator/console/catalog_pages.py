"""Catalog pages: projects, models (the table and one model), the artifact's files, version sets."""
from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, request, url_for

from emulator.console import artifact_files, present
from emulator.console.blueprint import bp
from emulator.console.paging import choice_filter, page_of, text_filter
from emulator.contracts.states import MODEL_STATES
from emulator.data_science import artifacts, models, projects, provenance, retention, version_sets
from emulator.contracts.artifact_tests import recorded_results
from emulator.data_science.routes.artifacts import artifact_headers
from emulator.errors import OCIError, invalid, not_found
from emulator.model_deployment.service import KIND as DEPLOYMENT_KIND
from emulator.state import current_state
from emulator.wire import blob_response, require_ocid

MODEL_SORTS = ("timeCreated", "displayName", "lifecycleState")


@bp.get("/")
def index() -> Response:
    return redirect(url_for(".project_list"))


@bp.get("/projects")
def project_list() -> str:
    table = page_of(projects.KIND, {"compartmentId": text_filter("compartmentId")}, ("timeCreated", "displayName"))
    return render_template("console/projects.html", table=table)


@bp.get("/models")
def model_list() -> str:
    """The catalog's models: the filters of ``GET /models`` (by name prefix rather than exact name)."""
    filters = {
        "compartmentId": text_filter("compartmentId"),
        "projectId": text_filter("projectId"),
        "lifecycleState": choice_filter("state", MODEL_STATES),
        "modelVersionSetName": text_filter("versionSet"),
        "versionLabel": text_filter("label"),
        "createdBy": text_filter("createdBy"),
    }
    name = text_filter("name")
    table = page_of(models.KIND, filters, MODEL_SORTS, [("displayName", "prefix", name)] if name else None)
    project = _optional(projects.get, filters["projectId"])
    return render_template("console/models.html", table=table, project=project, states=MODEL_STATES,
                           framework=lambda m: present.metadatum(m, present.FRAMEWORK),
                           use_case=lambda m: present.metadatum(m, present.USE_CASE))


@bp.get("/models/<model_id>")
def model_detail(model_id: str) -> str:
    db = current_state().db
    record = models.get(db, require_ocid(model_id, "modelId"))
    archived = retention.is_archived(record)
    artifact = None if archived else _optional(artifacts.get, model_id)
    listing = artifact_files.list_members(_blob_path(artifact)) if artifact else None
    score_name = artifact_files.score_member(listing) if listing else None
    score = _score_text(artifact, score_name)
    deployments = db.list(DEPLOYMENT_KIND, {models.DEPLOYED_MODEL_FIELD: model_id}, limit=50).items
    return render_template(
        "console/model.html", model=record, archived=archived, project=_optional(projects.get, record.get("projectId")),
        provenance=_optional(provenance.get, model_id), artifact=artifact, listing=listing,
        blob=artifacts.blob_of(artifacts.with_sha256(current_state(), artifact)) if artifact else None,
        score_name=score_name, score=score, deployments=deployments,
        taxonomy=present.taxonomy_rows(record), custom=present.metadata_rows(record.get("customMetadataList")),
        tests=recorded_results(record.get("definedMetadataList")),
        input_schema=present.schema_table(record.get("inputSchema")),
        output_schema=present.schema_table(record.get("outputSchema")),
        max_listed=artifact_files.MAX_LISTED)


@bp.get("/models/<model_id>/file")
def model_file(model_id: str) -> str:
    """One file of the artifact as text (up to a cap), e.g. ``?name=score.py``."""
    db = current_state().db
    record = models.get(db, require_ocid(model_id, "modelId"))
    name = request.args.get("name") or ""
    if not name or len(name) > 4096:
        raise invalid("name must name a file of the artifact, e.g. ?name=score.py")
    try:
        shown = artifact_files.read_text(_blob_path(artifacts.get_readable(db, model_id)), name)
    except artifact_files.MemberNotFound:
        raise not_found("file of the artifact", name) from None
    except artifact_files.UnreadableMember as exc:
        raise invalid(str(exc)) from None
    return render_template("console/file.html", model=record, file=shown)


@bp.get("/models/<model_id>/artifact")
def model_artifact(model_id: str) -> Response:
    """The artifact zip, streamed from the blob store, always as a download (never rendered here)."""
    state = current_state()
    record = artifacts.with_sha256(state, artifacts.get_readable(state.db, require_ocid(model_id, "modelId")))
    blob = artifacts.blob_of(record)
    headers = artifact_headers(record)
    headers["content-disposition"] = f'attachment; filename="{model_id}.zip"'
    return blob_response(state.blobs.path(blob.name), blob.size, headers)


@bp.get("/version-sets")
def version_set_list() -> str:
    filters = {"compartmentId": text_filter("compartmentId"), "projectId": text_filter("projectId")}
    table = page_of(version_sets.KIND, filters, ("timeCreated", "name"))
    return render_template("console/version_sets.html", table=table)


@bp.get("/version-sets/<set_id>")
def version_set_detail(set_id: str) -> str:
    record = version_sets.get(current_state().db, require_ocid(set_id, "modelVersionSetId"))
    table = page_of(models.KIND, {"modelVersionSetId": set_id}, ("versionId", "timeCreated", "displayName"))
    return render_template("console/version_set.html", version_set=record, table=table,
                           project=_optional(projects.get, record.get("projectId")))


def _optional(getter: Any, ident: str | None) -> dict[str, Any] | None:
    """``getter(db, ident)``, or None when there is no such record."""
    if not ident:
        return None
    try:
        return getter(current_state().db, ident)
    except OCIError:
        return None


def _blob_path(artifact: dict[str, Any]) -> Any:
    return current_state().blobs.path(artifacts.blob_of(artifact).name)


def _score_text(artifact: dict[str, Any] | None, name: str | None) -> artifact_files.FileText | None:
    if not artifact or not name:
        return None
    try:
        return artifact_files.read_text(_blob_path(artifact), name)
    except (artifact_files.MemberNotFound, artifact_files.UnreadableMember):
        return None
