"""Model retention through the real SDK: retention and backup settings stored and returned, the
artifact archived after ``archiveAfterDays`` (on the emulator's accelerated retention clock), answering
409 until ``restore_archived_model_artifact``, archived again when the restore lapses, and the model
deleted ``deleteAfterDays`` after its archival."""
from __future__ import annotations

import io
import time
import zipfile
from typing import Callable

import oci
import pytest

M = oci.data_science.models
DAY_SECONDS = 0.4  # how long a retention day lasts on the fast emulator
FAST = {"retention_time_scale": DAY_SECONDS / 86400}


def _artifact() -> bytes:
    """The same bytes at every call: a zip entry written with writestr(name) carries the current time
    (two-second steps), so two calls a step apart differed and an equality below failed in CI."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("score.py", date_time=(2026, 1, 1, 0, 0, 0)),
                         "def load_model():\n    return None\n")
    return buffer.getvalue()


def _wait_for(read: Callable[[], object], done: Callable[[object], bool], seconds: float = 30.0) -> object:
    """Poll ``read()`` until ``done(value)``; the value, or a failure naming the last one seen."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"still not there after {seconds} s: {value}")
        time.sleep(0.05)


@pytest.fixture
def fast(start_emulator, clients_for):
    """SDK clients on an emulator whose retention days last DAY_SECONDS."""
    return clients_for(start_emulator(**FAST))


def _model(ds, compartment: str, **fields) -> M.Model:
    project = ds.create_project(M.CreateProjectDetails(compartment_id=compartment)).data
    model = ds.create_model(M.CreateModelDetails(compartment_id=compartment, project_id=project.id, **fields)).data
    ds.create_model_artifact(model.id, _artifact(), content_disposition='attachment; filename="a.zip"')
    return model


def _archived(model: M.Model) -> bool:
    details = model.retention_operation_details
    return details is not None and details.archive_state == "SUCCEEDED"


def test_retention_and_backup_settings_are_stored_and_returned(make_model, ds):
    retention = M.RetentionSetting(archive_after_days=30, delete_after_days=60, customer_notification_type="ALL")
    backup = M.BackupSetting(is_backup_enabled=True, backup_region="us-phoenix-1", customer_notification_type="NONE")
    model = make_model(retention_setting=retention, backup_setting=backup)
    fetched = ds.get_model(model.id).data
    assert fetched.retention_setting.archive_after_days == 30 and fetched.retention_setting.delete_after_days == 60
    assert fetched.backup_setting.backup_region == "us-phoenix-1" and fetched.backup_setting.is_backup_enabled
    details = fetched.retention_operation_details
    assert details.archive_state == "PENDING" and details.time_archival_scheduled > fetched.time_created
    updated = ds.update_model(model.id, M.UpdateModelDetails(retention_setting=M.RetentionSetting(archive_after_days=7))).data
    assert updated.retention_setting.archive_after_days == 7 and updated.retention_setting.delete_after_days is None
    assert updated.retention_operation_details.time_archival_scheduled < details.time_archival_scheduled


def test_a_retention_setting_without_archive_after_days_is_refused(ds, compartment, project, service_error):
    details = M.CreateModelDetails(compartment_id=compartment, project_id=project.id,
                                   retention_setting={"deleteAfterDays": 3})
    error = service_error(lambda: ds.create_model(details))
    assert (error.status, error.code) == (400, "InvalidParameter") and "archiveAfterDays" in error.message


def test_an_archived_artifact_answers_409_until_restored(fast, compartment, service_error):
    ds = fast.ds
    # Readable until its archival: a model whose archival is 30 (fast) days away, so no race with the clock.
    later = _model(ds, compartment, retention_setting=M.RetentionSetting(archive_after_days=30))
    assert ds.get_model_artifact_content(later.id).data.content == _artifact()
    model = _model(ds, compartment, retention_setting=M.RetentionSetting(archive_after_days=0))
    archived = _wait_for(lambda: ds.get_model(model.id).data, _archived)
    assert archived.lifecycle_state == "ACTIVE" and "archived" in archived.lifecycle_details
    error = service_error(lambda: ds.get_model_artifact_content(model.id))
    assert (error.status, error.code) == (409, "IncorrectState") and "restore" in error.message
    assert service_error(lambda: ds.head_model_artifact(model.id)).status == 409  # HEAD: no body, no code

    # Restored for a (fast) year: the reads below cannot race the restore's end on a busy machine.
    response = ds.restore_archived_model_artifact(model.id, restore_model_for_hours_specified=24 * 365)
    assert response.status == 202
    request = ds.get_work_request(response.headers["opc-work-request-id"]).data
    assert (request.operation_type, request.status) == ("RESTORE_ARCHIVED_MODEL", "SUCCEEDED")
    assert ds.get_model_artifact_content(model.id).data.content == _artifact()
    assert "restored" in ds.get_model(model.id).data.lifecycle_details


def test_a_restore_lapses_after_its_hours(fast, compartment, service_error):
    ds = fast.ds
    model = _model(ds, compartment, retention_setting=M.RetentionSetting(archive_after_days=0))
    _wait_for(lambda: ds.get_model(model.id).data, _archived)
    ds.restore_archived_model_artifact(model.id, restore_model_for_hours_specified=1)  # 1/24 of a day
    _wait_for(lambda: ds.get_model(model.id).data, lambda m: "archived" in (m.lifecycle_details or ""))
    assert service_error(lambda: ds.head_model_artifact(model.id)).status == 409


def test_restoring_a_model_that_is_not_archived_is_a_conflict(make_model, ds, service_error):
    model = make_model(retention_setting=M.RetentionSetting(archive_after_days=30))
    error = service_error(lambda: ds.restore_archived_model_artifact(model.id))
    assert (error.status, error.code) == (409, "IncorrectState")


def test_an_archived_model_is_deleted_after_delete_after_days(fast, compartment):
    ds = fast.ds
    model = _model(ds, compartment, retention_setting=M.RetentionSetting(archive_after_days=0, delete_after_days=1))
    gone = _wait_for(lambda: ds.get_model(model.id).data, lambda m: m.lifecycle_state == "DELETED")
    details = gone.retention_operation_details
    assert (details.archive_state, details.delete_state) == ("SUCCEEDED", "SUCCEEDED")
    assert details.time_deletion_scheduled > details.time_archival_scheduled
