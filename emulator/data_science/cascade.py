"""Deletes that reach across resources: a model takes its artifact, metadata artifacts and provenance
with it; a model version set its models (when asked).

These sit above the resources they delete, so ``models`` need not know its artifact and provenance
modules (which read models) and ``version_sets`` need not know ``models``: the import graph stays a
tree. Each delete leaves the record readable as a tombstone (state DELETED) until the retention
purges it, as in OCI.
"""
from __future__ import annotations

from typing import Any

from emulator.contracts.states import LIVE_DEPLOYMENT_STATES, MODEL_STATES, RESOURCE_DELETED
from emulator.data_science import artifacts, metadata_artifacts, models, provenance, records, version_sets, work_requests
from emulator.errors import incorrect_state
from emulator.state import EmulatorState
from emulator.store import Database, kinds
from emulator.wire import new_etag


def delete_model(state: EmulatorState, model_id: str, if_match: str | None) -> dict[str, Any]:
    """Delete the model: its provenance, metadata artifacts and artifact bytes go; 409 while a live
    deployment serves it."""
    db = state.db
    with db.transaction():
        record = models.get(db, model_id)
        records.check_etag(record, if_match)
        _refuse_if_deployed(db, model_id)
        blob_names = artifacts.forget(db, model_id) + metadata_artifacts.forget_all(db, record)
        provenance.forget(db, model_id)
        record["lifecycleDetails"] = "Deleted"
        state.tombstones.bury(models.KIND, record, new_etag())
    for name in blob_names:  # after the commit: a crash before it leaves the bytes in place
        state.blobs.delete(name)
    return record


def _refuse_if_deployed(db: Database, model_id: str) -> None:
    """OCI refuses to delete a model a live deployment still serves."""
    filters = {models.DEPLOYED_MODEL_FIELD: model_id, "lifecycleState": list(LIVE_DEPLOYMENT_STATES)}
    page = db.list(kinds.MODEL_DEPLOYMENT, filters, limit=1)
    if page.items:
        raise incorrect_state(f"Model {model_id} is used by model deployment {page.items[0]['id']}; "
                              "delete the deployment first.")


def delete_version_set(state: EmulatorState, set_id: str, if_match: str | None,
                       delete_models: bool) -> dict[str, Any]:
    """Delete the set (and its models when asked) through a MODELVERSIONSET_DELETE work request.

    Without ``isDeleteRelatedModels`` a set that still has models is refused with 409, as in OCI."""
    db = state.db
    with db.transaction():
        record = version_sets.get(db, set_id)
        records.check_etag(record, if_match)
        members = {"modelVersionSetId": set_id, "lifecycleState": records.not_deleted(MODEL_STATES)}
        member_ids = [m["id"] for m in db.list(models.KIND, members).items]
        if member_ids and not delete_models:
            raise incorrect_state(f"Model version set {set_id} still has {len(member_ids)} model(s); delete them "
                                  "or pass isDeleteRelatedModels=true.")
        resources = [work_requests.resource("modelversionset", set_id, RESOURCE_DELETED, f"/modelVersionSets/{set_id}")]
        request = work_requests.create(db, "MODELVERSIONSET_DELETE", record["compartmentId"], resources,
                                       state.config.region)
    work_requests.start(db, request["id"], f"Deleting model version set {set_id}")
    try:
        for index, model_id in enumerate(member_ids, start=1):
            delete_model(state, model_id, None)
            work_requests.progress(db, request["id"], 100.0 * index / (len(member_ids) + 1),
                                   f"Deleted model {model_id}")
        state.tombstones.bury(version_sets.KIND, version_sets.get(db, set_id), new_etag())
    except Exception as exc:  # record the failure where the client looks for it, then re-raise
        work_requests.fail(db, request["id"], "InternalServerError", str(exc))
        raise
    return work_requests.succeed(db, request["id"], f"Deleted model version set {set_id}")
