"""Run in parallel (``pytest -n 2``), each side below runs on a worker of its own (``--dist loadgroup``,
set in pyproject.toml) with the emulator of that worker: both deploy at the same time, each predict is
answered by its own deployment, neither emulator knows the other's deployment, and a ``clean_catalog``
on one worker leaves the other's catalog alone. Run without xdist, the sides run one after the other.

The two sides meet through files in the run's temp root, the one folder xdist workers share."""
from __future__ import annotations

import json
import os
import time

import numpy as np
import oci
import pytest
import requests
from moto import mock_aws

from training_pipeline import package, read_training_rows, train

SLOPES = {"left": 2.0, "right": 3.0}
SIDES = [pytest.param(side, marks=pytest.mark.xdist_group(side)) for side in SLOPES]
IN_PARALLEL = "PYTEST_XDIST_WORKER" in os.environ


def _other(side: str) -> str:
    return next(name for name in SLOPES if name != side)


@pytest.fixture
def meeting_point(tmp_path_factory):
    """``meet(side, step, record)``: leave ``record`` for the other side and, under xdist, wait for its
    record of the same step (the workers' temp folders share their parent)."""
    root = tmp_path_factory.getbasetemp().parent

    def meet(side: str, step: str, record: dict) -> dict | None:
        (root / f"{side}.{step}.json").write_text(json.dumps(record))
        if not IN_PARALLEL:
            return None
        other = root / f"{_other(side)}.{step}.json"
        deadline = time.monotonic() + 240
        while not other.exists():
            assert time.monotonic() < deadline, f"the {_other(side)} side never reached {step}"
            time.sleep(0.1)
        return json.loads(other.read_text())

    return meet


@pytest.mark.parametrize("side", SIDES)
def test_each_worker_predicts_with_its_own_deployment(side, meeting_point, clean_catalog, ds_client,
                                                      deployed_model, upload_rows, s3, tmp_path):
    with mock_aws():
        rows = read_training_rows(*upload_rows(SLOPES[side]), s3)
    model = deployed_model(package(train(rows), rows, str(tmp_path / "artifact")),
                           save={"display_name": "sales"}, deploy={"display_name": "sales"})
    deployment = model.model_deployment
    here = {"worker": clean_catalog.worker, "emulator": clean_catalog.url, "deployment": deployment.id}
    there = meeting_point(side, "deployed", here)  # both deployments are up from here on

    here["answer"] = model.predict(np.array([[4.0]]))["prediction"]
    assert here["answer"] == pytest.approx([SLOPES[side] * 4 + 1])
    if there is not None:
        assert there["worker"] != here["worker"] and there["emulator"] != here["emulator"]
        with pytest.raises(oci.exceptions.ServiceError) as unknown:
            ds_client.get_model_deployment(there["deployment"])
        assert unknown.value.status == 404
        through_mine = deployment.url.replace(deployment.id, there["deployment"]) + "/predict"
        assert requests.post(through_mine, json=[[4.0]], timeout=30).status_code == 404
    meeting_point(side, "predicted", here)  # neither tears down before both have predicted


@pytest.mark.parametrize("side", SIDES)
def test_clean_catalog_leaves_the_other_workers_catalog(side, meeting_point, ds_client, oci_config, request):
    """The left side fills its catalog while the right side empties its own: the left keeps its project."""
    compartment = oci_config["tenancy"]
    if side == "left":
        ds_client.create_project(oci.data_science.models.CreateProjectDetails(
            compartment_id=compartment, display_name="kept"))
    meeting_point(side, "filled", {})
    if side == "right":
        request.getfixturevalue("clean_catalog")
    meeting_point(side, "cleaned", {})
    names = [project.display_name for project in ds_client.list_projects(compartment_id=compartment).data]
    assert ("kept" in names) if side == "left" else (names == [])
