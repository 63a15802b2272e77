"""The deployment half of ADS's "Register, Manage, and Deploy Models" workflow, on Docker.

Every notebook (``notebooks/``) is ADS code as its documentation writes it, plus one
``connect_ads()`` call; it runs in ADS's own venv, against an emulator that checks every request's
signature (``--auth enforce``), as OCI does. The steps share one emulator and follow one model:
prepared from a service conda pack slug and saved (the catalog steps and their checks are
``test_ads_catalog_workflow.py``, which needs no Docker), deployed on Docker (the pack's environment
built from the host wheelhouse), driven through the ModelDeployment builder and BYOC, and finally
deleted together with its deployments.
"""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.slow]

LOG_GROUP = "ocid1.loggroup.oc1.iad.amaaaaaaadsworkflowgroup"
ACCESS_LOG = "ocid1.log.oc1.iad.amaaaaaaadsworkflowaccess"
PREDICT_LOG = "ocid1.log.oc1.iad.amaaaaaaadsworkflowpredict"


@pytest.fixture(scope="module")
def saved(ads) -> dict:
    """The model the deployment steps share, saved by ADS into this module's emulator."""
    return ads.run("prepare_verify_save.py", str(ads.workdir / "artifact"), "iris-versions")


@pytest.fixture(scope="module")
def deployed(ads, saved) -> dict:
    return ads.run("deploy_predict_toggle.py", saved["model_id"], str(ads.workdir / "deploy-artifact"))


def test_deploy_on_docker_from_the_conda_slug_then_predict_deactivate_and_activate(deployed):
    assert deployed["states"] == ["ACTIVE", "INACTIVE", "ACTIVE"]
    assert deployed["first"] == deployed["second"] == {"prediction": deployed["expected"]}


def test_the_model_deployment_builder_with_log_ids_then_show_logs(ads, saved):
    result = ads.run("deployment_builder_logs.py", saved["model_id"], LOG_GROUP, ACCESS_LOG, PREDICT_LOG)
    assert result["state"] == "ACTIVE" and result["prediction"] == {"prediction": [0, 0]}
    assert result["log_details"] == {"logGroupId": LOG_GROUP, "logId": ACCESS_LOG}
    assert any("POST /predict 200" in message for message in result["access_messages"])
    assert result["predict_rows"] >= 1


@pytest.fixture(scope="module")
def byoc_image() -> str:
    """A tiny stdlib server image of our own (the one the toolkit's BYOC tests deploy)."""
    from tests.deployment import helpers

    return helpers.build_byoc_image()


def test_bring_your_own_container_with_a_local_image(ads, saved, byoc_image):
    result = ads.run("byoc.py", saved["model_id"], byoc_image)
    prediction = result["prediction"]
    assert (prediction["byoc"], prediction["echo"], prediction["greeting"]) == (True, {"x": [1, 2, 3]}, "hello from ADS")
    assert "score.py" in prediction["files"]  # the model's artifact, mounted where OCI mounts it
    assert result["after_delete"] == "DELETED"


def test_from_model_deployment_then_delete_the_model_with_its_deployments(ads, deployed):
    """Last: it deletes the module's model (ADS reads it again after the DELETE: a DELETED tombstone)."""
    result = ads.run("delete_with_deployment.py", deployed["deployment_id"], str(ads.workdir / "from-deployment"))
    assert {"score.py", "runtime.yaml", "model.joblib"} <= set(result["files"])
    assert (result["model_state"], result["deployment_state"]) == ("DELETED", "DELETED")
