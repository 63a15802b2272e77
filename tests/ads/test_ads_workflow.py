"""ADS's "Register, Manage, and Deploy Models" workflow runs unmodified against the emulator.

Every notebook (``notebooks/``) is ADS code as its documentation writes it, plus one
``connect_ads()`` call; it runs in ADS's own venv. The steps share one emulator and follow one
model: prepared from a service conda pack slug, saved into a version set, loaded back, deployed on
Docker (the pack's environment built from the host wheelhouse), driven through the ModelDeployment
builder and BYOC, and finally deleted together with its deployments.
"""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SLUG = "generalml_p311_cpu_x86_64_v1"
PACK_PATH = ("oci://service-conda-packs@id19sfcrra6z/service_pack/cpu/"
             f"General_Machine_Learning_for_CPUs_on_Python_3.11/1.0/{SLUG}")
LOG_GROUP = "ocid1.loggroup.oc1.iad.amaaaaaaadsworkflowgroup"
ACCESS_LOG = "ocid1.log.oc1.iad.amaaaaaaadsworkflowaccess"
PREDICT_LOG = "ocid1.log.oc1.iad.amaaaaaaadsworkflowpredict"


@pytest.fixture(scope="module")
def saved(ads) -> dict:
    return ads.run("prepare_verify_save.py", str(ads.workdir / "artifact"), "iris-versions")


@pytest.fixture(scope="module")
def deployed(ads, saved) -> dict:
    return ads.run("deploy_predict_toggle.py", saved["model_id"], str(ads.workdir / "deploy-artifact"))


def test_prepare_with_a_service_slug_then_verify_introspect_and_summary_status(saved):
    assert saved["runtime_info"] == {"inference_env_slug": SLUG, "inference_env_type": "data_science",
                                     "inference_env_path": PACK_PATH, "inference_python_version": "3.11"}
    assert saved["verify"] == {"prediction": [0, 0, 0]}
    assert set(saved["introspection"]) >= {"runtime_path_exist", "runtime_env_path", "score_predict"}
    assert set(saved["introspection"].values()) == {"Passed"}, saved["introspection"]
    assert saved["status"]["prepare()"] == "Done" and saved["status"]["verify()"] == "Done"


def test_save_into_a_version_set_with_a_label_then_list_its_models(saved):
    assert saved["model_id"].startswith("ocid1.datasciencemodel.")
    assert saved["members"] == [{"id": saved["model_id"], "version_label": "v1", "version_id": 1}]


def test_from_model_catalog_and_download_artifact_then_a_metadata_update(ads, saved):
    result = ads.run("load_download_update.py", saved["model_id"], str(ads.workdir / "loaded"),
                     str(ads.workdir / "downloaded"))
    for files in (result["loaded_files"], result["downloaded_files"]):
        assert {"score.py", "runtime.yaml", "model.joblib"} <= set(files)  # unzipped, not a '.zip"' file
    assert result["prediction"] == {"prediction": [0, 0]}
    assert (result["display_name"], result["description"], result["owner"]) == (
        "iris-logreg-reviewed", "reviewed", "fraud-team")


def test_datascience_model_builder_create_list_and_from_id(ads, saved):
    result = ads.run("builder_create_list.py", str(ads.workdir / "artifact"))
    assert result["listed"][result["id"]] == "built-by-builder" and saved["model_id"] in result["listed"]
    assert result["fetched"] == {"display_name": "built-by-builder", "description": "DataScienceModel builder",
                                 "freeform_tags": {"team": "ml"}, "lifecycle_state": "ACTIVE"}


def test_a_published_pack_prepares_introspects_and_saves(ads, tmp_path):
    from click.testing import CliRunner

    from toolkit.cli import cli

    (tmp_path / "requirements.txt").write_text("cloudpickle\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCKYARD_HOME", str(ads.home))
        mp.setenv("DOCKYARD_ENDPOINT", ads.url)
        published = CliRunner().invoke(cli, ["conda", "publish", "--slug", "doubler_p311_cpu_v1", "-r",
                                             str(tmp_path / "requirements.txt"), "--python", "3.11"])
    assert published.exit_code == 0, published.output
    pack_path = published.output.strip().splitlines()[-1]
    result = ads.run("published_pack.py", str(ads.workdir / "published"), pack_path)
    assert result["runtime_info"] == {"inference_env_slug": "doubler_p311_cpu_v1", "inference_env_type": "published",
                                      "inference_env_path": pack_path, "inference_python_version": "3.11"}
    assert result["introspection"]["runtime_path_exist"] == "Passed"
    assert result["model_id"].startswith("ocid1.datasciencemodel.")


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
