"""The pipeline's steps and the whole run, S3 from moto and OCI Data Science from Dockyard: once in
process (``mock_aws`` and ``mock_datascience`` together) and once against the plugin's emulator."""
from __future__ import annotations

import numpy as np
import pytest
from moto import mock_aws

from toolkit import mock_datascience
from training_pipeline import package, read_training_rows, run, train


@mock_aws
def test_reads_the_training_rows_from_s3(upload_rows, s3):
    rows = read_training_rows(*upload_rows(2), s3)
    assert list(rows.columns) == ["x", "y"] and len(rows) == 8
    assert rows["y"].tolist()[:3] == [1, 3, 5]


@mock_aws
def test_trains_the_line_the_rows_lie_on(upload_rows, s3):
    estimator = train(read_training_rows(*upload_rows(3), s3))
    assert estimator.coef_[0] == pytest.approx(3) and estimator.intercept_ == pytest.approx(1)


@mock_datascience(runtime="process")  # outside mock_aws: its predict call passes through moto to it
@mock_aws
def test_the_whole_pipeline_in_process_with_both_mocks(m, upload_rows, s3, tmp_path):
    model = run(*upload_rows(2), str(tmp_path / "artifact"), "sales", s3)
    try:
        assert model.predict(np.array([[4.0]]))["prediction"] == pytest.approx([9.0])
        listed = m.data_science_client().list_models(compartment_id=m.compartment_id).data
        assert [record.display_name for record in listed] == ["sales"]
    finally:
        model.delete_deployment()


def test_the_pipeline_against_the_plugins_emulator(clean_catalog, ds_client, oci_config, deployed_model,
                                                   upload_rows, s3, tmp_path):
    with mock_aws():
        rows = read_training_rows(*upload_rows(5), s3)
    model = deployed_model(package(train(rows), rows, str(tmp_path / "artifact")),
                           save={"display_name": "sales"}, deploy={"display_name": "sales"})
    assert model.predict(np.array([[2.0]]))["prediction"] == pytest.approx([11.0])
    listed = ds_client.list_models(compartment_id=oci_config["tenancy"]).data
    assert [record.display_name for record in listed] == ["sales"]
