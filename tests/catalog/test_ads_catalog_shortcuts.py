"""ADS's catalog shortcuts against the emulator: DataScienceModel.list_df, version_id and
model_version_set_name, with_version_id; ModelVersionSet.from_ocid and details_link (the console's page)."""
from __future__ import annotations

import uuid

import requests

from tests.catalog.test_ads_catalog_api import hand_written
from toolkit import DataScienceModel, ModelVersionSet


def test_a_model_in_a_version_set_reads_back_its_set_name_and_version_and_lists_as_a_dataframe(tmp_path, project_id):
    name = f"set-{uuid.uuid4().hex[:6]}"
    version_set = ModelVersionSet(name=name, project_id=project_id).create()
    builder = DataScienceModel().with_project_id(project_id).with_display_name("in-a-set") \
        .with_model_version_set_id(version_set.id).with_version_label("v1").with_version_id("7")
    assert builder.version_id == "7"  # the builder's value until the catalog numbers the model
    model = builder.with_artifact(str(hand_written(tmp_path / "art"))).create()
    assert (model.version_id, model.model_version_set_name) == (1, name)
    assert DataScienceModel.from_id(model.id).model_version_set_name == name

    frame = DataScienceModel.list_df(project_id=project_id)
    assert list(frame.columns) == ["id", "display_name", "description", "time_created", "lifecycle_state",
                                   "created_by", "compartment_id", "project_id"]  # ADS's
    row = frame[frame["display_name"] == "in-a-set"].iloc[0]
    assert row["id"] == f"...{model.id[-6:]}" and row["lifecycle_state"] == "ACTIVE"
    assert row["project_id"] == f"...{project_id[-6:]}" and len(row["time_created"]) == 19
    assert DataScienceModel.list_df(project_id=project_id, display_name="nothing-called-so").empty


def test_version_set_from_ocid_and_its_console_link(emulator, project_id):
    version_set = ModelVersionSet(name=f"set-{uuid.uuid4().hex[:6]}", project_id=project_id).create()
    again = ModelVersionSet.from_ocid(version_set.id)
    assert (again.id, again.name) == (version_set.id, version_set.name)
    assert ModelVersionSet(name="not-created").details_link is None
    link = again.details_link
    assert link == f"{emulator.url}/console/version-sets/{version_set.id}"
    page = requests.get(link, timeout=30)
    assert page.status_code == 200 and version_set.name in page.text
