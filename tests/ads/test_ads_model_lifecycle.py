"""ADS's model lifecycle beyond save (issue 21, items 4 and 5), unmodified ADS code on the process
runtime against an emulator that checks every request's signature: retention (archived on an
accelerated clock, restored with restore_model) and models by reference (created, loaded,
downloaded, deployed and predicted through the description in a versioned bucket)."""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Iterator

import pytest

from tests.ads.conftest import AdsSession, ads_session

DAY_SECONDS = 2.0  # a retention day on this module's emulator's clock


@pytest.fixture(scope="module")
def ads_lifecycle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdsSession]:
    """``ads_process``'s emulator (process runtime, ``--auth enforce``) with retention days of
    ``DAY_SECONDS`` (``DOCKYARD_RETENTION_TIME_SCALE``, read when the emulator's config is made)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCKYARD_RETENTION_TIME_SCALE", str(DAY_SECONDS / 86400))
        with ads_session(tmp_path_factory, "process") as session:
            yield session


def test_a_model_with_a_retention_setting_is_archived_then_restored(ads_lifecycle):
    (ads_lifecycle.workdir / "retained").mkdir()
    result = ads_lifecycle.run("retention_restore.py", str(ads_lifecycle.workdir / "retained"),
                               str(ads_lifecycle.workdir / "retention-downloads"))
    assert result["retention_setting"]["archive_after_days"] == 1
    assert result["backup_setting"]["is_backup_enabled"] is True
    assert result["archive_state"] == "SUCCEEDED"
    assert result["refused"]["status"] == 409 and not result["archived_has_artifact"]  # a HEAD: no error body
    assert {"score.py", "runtime.yaml"} <= set(result["restored_files"])
    assert "restored until" in result["lifecycle_details"]


def test_a_model_by_reference_loads_downloads_deploys_and_predicts(ads_lifecycle):
    work = ads_lifecycle.workdir
    result = ads_lifecycle.run("model_by_reference.py", str(work / "by-reference"), str(work / "by-reference-loaded"),
                               str(work / "by-reference-downloaded"))
    assert result["save_error"] == "ValueError"  # ADS's own GenericModel.save(model_by_reference=True), as in OCI
    assert result["flag"] is True  # ADS reads the "true" it wrote back as a bool
    for files in (result["downloaded_files"], result["loaded_files"]):  # in folders of ADS's own making
        assert {"score.py", "runtime.yaml", "model.joblib"} <= {PurePosixPath(f).name for f in files}
    assert result["prediction"] == {"prediction": result["expected"]}
