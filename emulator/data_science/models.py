"""Models: the catalog entries, with metadata, schemas, version-set membership and the
auto-incremented ``versionId``. Artifacts and provenance hang off a model in their own modules."""
from __future__ import annotations

from typing import Any

from oci.data_science.models import BackupOperationDetails as _BackupOperation
from oci.data_science.models import BackupSetting as _BackupSetting

from emulator.data_science import projects, records, retention, version_sets
from emulator.data_science.errors import model_not_found, not_active, version_label_taken
from emulator.data_science.validation import check_metadata_size, check_schema, normalize_metadata
from emulator.contracts.states import MODEL_ACTIVE, MODEL_INACTIVE, MODEL_STATES, PROJECT_ACTIVE, VERSION_SET_ACTIVE
from emulator.errors import incorrect_state
from emulator.ocid import new_ocid
from emulator.state import EmulatorState
from emulator.store import Database, kinds
from emulator.wire import now

KIND = kinds.MODEL
UPDATABLE = ("displayName", "description", "freeformTags", "definedTags", "retentionSetting", "backupSetting")
SUMMARY = ("compartmentId", "projectId", "id", "displayName", "createdBy", "timeCreated", "lifecycleState",
           "lifecycleDetails", "modelVersionSetId", "modelVersionSetName", "versionId", "versionLabel",
           "category", "isModelByReference", "freeformTags", "definedTags")


# lifecycleDetails of a model in each state it can be put in by a call (the retention module writes its own
# details about an archived or restored artifact, which a state change keeps)
STATE_DETAILS = {MODEL_ACTIVE: "Model is active", MODEL_INACTIVE: "Model is inactive"}


def backup_setting(asked: dict[str, Any] | None, region: str) -> dict[str, Any]:
    """The model's ``backupSetting``, never null (OCI's API marks it mandatory). OCI's backup is opt-in
    (docs: "Model Store Back Up and Retention"), so a model that asked for none answers backup disabled,
    in its own region, notifying nobody: ADS's ``ModelBackupSetting`` defaults, the region inferred."""
    return {"isBackupEnabled": False, "backupRegion": region,
            "customerNotificationType": _BackupSetting.CUSTOMER_NOTIFICATION_TYPE_NONE, **(asked or {})}


def backup_operation(setting: dict[str, Any], at: str) -> dict[str, Any] | None:
    """``backupOperationDetails``: a model with backup enabled is backed up at once (the emulator has no
    second region; the artifact stays on this machine). None when backup is off: no state of OCI's
    (PENDING/FAILED/SUCCEEDED) says "not asked", and OCI documents no answer for it."""
    if not setting.get("isBackupEnabled"):
        return None
    return {"backupState": _BackupOperation.BACKUP_STATE_SUCCEEDED, "timeLastBackup": at,
            "backupStateDetails": f"Model backed up to {setting['backupRegion']} (emulated: the copy stays local)"}


def get(db: Database, model_id: str) -> dict[str, Any]:
    """The model for a write or a dependent operation (artifact, provenance, deployment): 409 when deleted."""
    return records.load_live(db, KIND, model_id, model_not_found, "model")


def read(db: Database, model_id: str) -> dict[str, Any]:
    """The model as GET answers it, a deleted one included (state DELETED until its tombstone is purged)."""
    return records.load(db, KIND, model_id, model_not_found)


def create(state: EmulatorState, body: dict[str, Any], created_by: str) -> dict[str, Any]:
    db = state.db
    with db.transaction():
        project = projects.get(db, body["projectId"])
        if project["lifecycleState"] != PROJECT_ACTIVE:
            raise not_active("project", project["id"], project["lifecycleState"])
        time = now()
        record = {
            "id": new_ocid("datasciencemodel", state.config.region),
            "compartmentId": body["compartmentId"],
            "projectId": body["projectId"],
            "displayName": body.get("displayName") or f"model{time[:19].replace(':', '')}",
            "description": body.get("description"),
            "lifecycleState": MODEL_ACTIVE,
            "lifecycleDetails": STATE_DETAILS[MODEL_ACTIVE],
            "timeCreated": time,
            "createdBy": created_by,
            "freeformTags": body.get("freeformTags") or {},
            "definedTags": body.get("definedTags") or {},
            "customMetadataList": normalize_metadata(body.get("customMetadataList"), "customMetadataList"),
            "definedMetadataList": normalize_metadata(body.get("definedMetadataList"), "definedMetadataList"),
            "inputSchema": check_schema(body.get("inputSchema"), "inputSchema"),
            "outputSchema": check_schema(body.get("outputSchema"), "outputSchema"),
            "modelVersionSetId": None,
            "modelVersionSetName": None,
            "versionId": None,
            "versionLabel": None,
            "category": "USER",
            "isModelByReference": False,
            "retentionSetting": body.get("retentionSetting"),
            "backupSetting": backup_setting(body.get("backupSetting"), state.config.region),
            "retentionOperationDetails": None,
        }
        record["backupOperationDetails"] = backup_operation(record["backupSetting"], time)
        check_metadata_size(record["customMetadataList"], record["definedMetadataList"])
        _join_version_set(db, record, body.get("modelVersionSetId"), body.get("versionLabel"))
        retention.plan(record, state.config.retention_time_scale)
        return records.insert(db, KIND, record)


def _join_version_set(db: Database, record: dict[str, Any], set_id: str | None, label: str | None) -> None:
    """Put the model in a version set with the next ``versionId``; labels are unique within a set."""
    if label is not None:
        record["versionLabel"] = label
    if set_id is None or set_id == record.get("modelVersionSetId"):
        _check_label_free(db, record)
        return
    version_set = version_sets.get(db, set_id)
    if version_set["lifecycleState"] != VERSION_SET_ACTIVE:
        raise not_active("model version set", set_id, version_set["lifecycleState"])
    record["modelVersionSetId"] = set_id
    record["modelVersionSetName"] = version_set["name"]
    record["versionId"] = version_sets.next_version_id(db, set_id)
    _check_label_free(db, record)


def _check_label_free(db: Database, record: dict[str, Any]) -> None:
    set_id, label = record.get("modelVersionSetId"), record.get("versionLabel")
    if not set_id or not label:
        return
    page = db.list(KIND, {"modelVersionSetId": set_id, "versionLabel": label,
                          "lifecycleState": records.not_deleted(MODEL_STATES)}, limit=2)
    if any(other["id"] != record["id"] for other in page.items):
        raise version_label_taken(label)


def update(db: Database, model_id: str, body: dict[str, Any], if_match: str | None,
           retention_time_scale: float = 1.0) -> dict[str, Any]:
    with db.transaction():
        record = get(db, model_id)
        records.check_etag(record, if_match)
        region = (record.get("backupSetting") or {}).get("backupRegion")
        records.apply(record, body, UPDATABLE)
        if body.get("backupSetting") is not None:
            record["backupSetting"] = backup_setting(body["backupSetting"], region)
            record["backupOperationDetails"] = backup_operation(record["backupSetting"], now())
        for field in ("customMetadataList", "definedMetadataList"):
            if body.get(field) is not None:
                record[field] = _keep_artifact_flags(record[field], normalize_metadata(body[field], field))
        check_metadata_size(record["customMetadataList"], record["definedMetadataList"])
        _join_version_set(db, record, body.get("modelVersionSetId"), body.get("versionLabel"))
        if body.get("retentionSetting") is not None:
            retention.plan(record, retention_time_scale)
        return records.save(db, KIND, record)


def _keep_artifact_flags(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``hasArtifact`` is the service's to set (on artifact upload/delete), not the client's."""
    flags = {item["key"]: item.get("hasArtifact", False) for item in old}
    for item in new:
        item["hasArtifact"] = flags.get(item["key"], False)
    return new


def set_state(db: Database, model_id: str, target: str, if_match: str | None) -> dict[str, Any]:
    """activate/deactivate: ACTIVE <-> INACTIVE, and a no-op when the model is already there (ADS's
    ``ads.catalog.model.Model.commit()`` activates every ACTIVE model it commits); 409 from any other state."""
    with db.transaction():
        record = get(db, model_id)
        records.check_etag(record, if_match)
        if record["lifecycleState"] == target:
            return record
        source = MODEL_INACTIVE if target == MODEL_ACTIVE else MODEL_ACTIVE
        if record["lifecycleState"] != source:
            raise incorrect_state(f"Model {model_id} is {record['lifecycleState']}; it must be {source} to become {target}.")
        record["lifecycleState"] = target
        if record.get("lifecycleDetails") in (None, *STATE_DETAILS.values()):
            record["lifecycleDetails"] = STATE_DETAILS[target]
        return records.save(db, KIND, record)


# the field of a deployment record naming the model it serves
DEPLOYED_MODEL_FIELD = "modelDeploymentConfigurationDetails.modelConfigurationDetails.modelId"


def summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in SUMMARY}
