"""Model group pages: the groups (type, state, version history) and one group with its member models
and inference keys, read from the same records the REST API serves."""
from __future__ import annotations

from typing import Any

from flask import render_template

from emulator.console.blueprint import bp
from emulator.console.paging import page_of, text_filter
from emulator.data_science import model_group_version_histories, model_groups, models
from emulator.state import current_state
from emulator.wire import require_ocid


@bp.get("/model-groups")
def model_group_list() -> str:
    filters = {"compartmentId": text_filter("compartmentId"), "projectId": text_filter("projectId")}
    table = page_of(model_groups.KIND, filters, ("timeCreated", "displayName"))
    return render_template("console/model_groups.html", table=table)


@bp.get("/model-groups/<group_id>")
def model_group_detail(group_id: str) -> str:
    db = current_state().db
    record = model_groups.read(db, require_ocid(group_id, "modelGroupId"))
    history_id = record.get("modelGroupVersionHistoryId")
    history = db.get(model_group_version_histories.KIND, history_id) if history_id else None
    return render_template("console/model_group.html", group=record, members=_members(db, record), history=history)


def _members(db: Any, record: dict[str, Any]) -> list[dict[str, Any]]:
    """Each member's inference key and model record (None for a model since purged)."""
    return [{"inferenceKey": member.get("inferenceKey"), "modelId": member["modelId"],
             "model": db.get(models.KIND, member["modelId"])}
            for member in record["memberModelEntries"]["memberModelDetails"]]
