"""``ListModelDeploymentModelStates``: which models a deployment serves and whether each is loaded.

A SINGLE_MODEL deployment serves one model, whose inference key is its display name (the name a
caller may send as ``model-name``); a MODEL_GROUP deployment serves its group's members under their
inference keys. The state follows the deployment's: SUCCESS while it is
ACTIVE, FAILED when it failed, INCONSISTENT in every other state (being created, updated, stopped),
where OCI's answer is neither.
"""
from __future__ import annotations

from typing import Any, Iterator

from oci.data_science.models import ModelDeploymentModelStateSummary as _Summary

from emulator.contracts.states import ACTIVE, FAILED, NEEDS_ATTENTION
from emulator.data_science import model_groups, models
from emulator.model_deployment import configuration
from emulator.store import Database

SUCCESS = _Summary.STATE_SUCCESS
INCONSISTENT = _Summary.STATE_INCONSISTENT
FILTERS = ("projectId", "displayName", "inferenceKey", "modelId")


def model_state(deployment_state: str) -> str:
    if deployment_state == ACTIVE:
        return SUCCESS
    if deployment_state in (FAILED, NEEDS_ATTENTION):
        return _Summary.STATE_FAILED
    return INCONSISTENT


def served_models(db: Database, deployment: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """(model record, inference key) of each model the deployment serves: a MODEL_GROUP deployment's
    members with their group's inference keys (the display name for a member without one)."""
    group_id = configuration.model_group_id(deployment)
    if group_id is not None:
        group = db.get(model_groups.KIND, group_id)
        entries = group["memberModelEntries"]["memberModelDetails"] if group else []
        for entry in entries:
            model = db.get(models.KIND, entry["modelId"])
            if model is not None:
                yield model, entry.get("inferenceKey") or model.get("displayName") or model["id"]
        return
    model_id = configuration.model_id(deployment)
    model = db.get(models.KIND, model_id) if model_id else None
    if model is not None:
        yield model, model.get("displayName") or model["id"]


def summaries(db: Database, deployment: dict[str, Any], filters: dict[str, str | None]) -> list[dict[str, Any]]:
    """The ``ModelDeploymentModelStateSummary`` items matching the non-empty ``filters``, by display name."""
    state = model_state(deployment["lifecycleState"])
    items = [{"modelId": model["id"], "projectId": model["projectId"], "displayName": model.get("displayName"),
              "inferenceKey": key, "state": state, "freeformTags": model.get("freeformTags") or {},
              "definedTags": model.get("definedTags") or {}, "systemTags": model.get("systemTags") or {}}
             for model, key in served_models(db, deployment)]
    wanted = {name: value for name, value in filters.items() if value}
    return sorted((item for item in items if all(item.get(k) == v for k, v in wanted.items())),
                  key=lambda item: item["displayName"] or "")
