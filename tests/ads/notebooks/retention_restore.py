"""ADS's model retention: a DataScienceModel created with_retention_setting / with_backup_setting is
archived on the emulator's accelerated clock, its artifact refused until restore_model, then readable.

Usage: retention_restore.py ARTIFACT_DIR DOWNLOAD_DIR
"""
import json
import os
import sys
import time

from toolkit import connect_ads

connect_ads()

import oci  # noqa: E402
from ads.model.datascience_model import DataScienceModel  # noqa: E402
from ads.model.model_metadata import ModelCustomMetadata  # noqa: E402

artifact_dir, download_dir = sys.argv[1:3]
with open(f"{artifact_dir}/score.py", "w") as out:
    out.write("def load_model():\n    return None\n\ndef predict(data, model=load_model()):\n    return {'prediction': data}\n")
with open(f"{artifact_dir}/runtime.yaml", "w") as out:
    out.write("MODEL_ARTIFACT_VERSION: '3.0'\n")

model = (DataScienceModel()
         .with_display_name("archived-after-a-day")
         .with_custom_metadata_list(ModelCustomMetadata.from_dict({"data": [
             {"key": "owner", "value": "retention-team", "category": "Other", "description": "who answers"}]}))
         .with_artifact(artifact_dir)
         # ADS documents its setting objects too, but its create() fails on them in ADS itself: dicts
         .with_retention_setting({"archive_after_days": 1, "customer_notification_type": "NONE"})
         .with_backup_setting({"is_backup_enabled": True, "backup_region": "us-phoenix-1",
                               "customer_notification_type": "NONE"})
         .create())



def as_dict(setting):
    return setting.to_dict() if hasattr(setting, "to_dict") else dict(setting or {})


def archive_state(details):  # ADS hands the SDK's RetentionOperationDetails back as a dict
    details = as_dict(details)
    return details.get("archive_state", details.get("archiveState"))


deadline = time.time() + 120
while archive_state(model.retention_operation_details) != "SUCCEEDED" and time.time() < deadline:
    time.sleep(0.5)
    model = DataScienceModel.from_id(model.id)
archived = archive_state(model.retention_operation_details)

archived_has_artifact = bool(model.artifact)  # from_id reads the artifact's HEAD, which an archive refuses
try:
    model.dsc_model.client.head_model_artifact(model.id)  # ADS's get_artifact_info() swallows the error
    refused = None
except oci.exceptions.ServiceError as exc:
    refused = {"status": exc.status, "code": exc.code}

model.restore_model(restore_model_for_hours_specified=720)
DataScienceModel.from_id(model.id).download_artifact(target_dir=f"{download_dir}/restored", force_overwrite=True)


print("RESULT " + json.dumps({
    "retention_setting": as_dict(model.retention_setting),
    "backup_setting": as_dict(model.backup_setting),
    "archive_state": archived,
    "refused": refused,
    "archived_has_artifact": archived_has_artifact,
    "restored_files": sorted(os.listdir(f"{download_dir}/restored")),
    "lifecycle_details": DataScienceModel.from_id(model.id).lifecycle_details,
}))
