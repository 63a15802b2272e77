"""The catalog half of ADS's "Register, Manage, and Deploy Models" workflow, with no Docker engine.

The same unmodified notebooks as ``test_ads_workflow.py`` (``notebooks/``), on the process runtime
against an emulator that checks every request's signature (``--auth enforce``), as OCI does: prepare
from a service conda pack slug, verify, introspect, save into a version set, load back, update, the
DataScienceModel builder and a published pack. Nothing here deploys, so these run wherever the ADS
venv does; the Docker module keeps the deployment steps.
"""
from __future__ import annotations

import pytest

SLUG = "generalml_p311_cpu_x86_64_v1"
PACK_PATH = ("oci://service-conda-packs@id19sfcrra6z/service_pack/cpu/"
             f"General_Machine_Learning_for_CPUs_on_Python_3.11/1.0/{SLUG}")


@pytest.fixture(scope="module")
def saved(ads_process) -> dict:
    return ads_process.run("prepare_verify_save.py", str(ads_process.workdir / "artifact"), "iris-versions")


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


def test_from_model_catalog_and_download_artifact_then_a_metadata_update(ads_process, saved):
    result = ads_process.run("load_download_update.py", saved["model_id"], str(ads_process.workdir / "loaded"),
                             str(ads_process.workdir / "downloaded"))
    for files in (result["loaded_files"], result["downloaded_files"]):
        assert {"score.py", "runtime.yaml", "model.joblib"} <= set(files)  # unzipped, not a '.zip"' file
    assert result["prediction"] == {"prediction": [0, 0]}
    assert (result["display_name"], result["description"], result["owner"]) == (
        "iris-logreg-reviewed", "reviewed", "fraud-team")


def test_datascience_model_builder_create_list_and_from_id(ads_process, saved):
    result = ads_process.run("builder_create_list.py", str(ads_process.workdir / "artifact"))
    assert result["listed"][result["id"]] == "built-by-builder" and saved["model_id"] in result["listed"]
    assert result["fetched"] == {"display_name": "built-by-builder", "description": "DataScienceModel builder",
                                 "freeform_tags": {"team": "ml"}, "lifecycle_state": "ACTIVE"}


def test_a_published_pack_prepares_introspects_and_saves(ads_process, tmp_path):
    from click.testing import CliRunner

    from toolkit.cli import cli

    (tmp_path / "requirements.txt").write_text("cloudpickle\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCKYARD_HOME", str(ads_process.home))
        mp.setenv("DOCKYARD_ENDPOINT", ads_process.url)
        published = CliRunner().invoke(cli, ["conda", "publish", "--slug", "doubler_p311_cpu_v1", "-r",
                                             str(tmp_path / "requirements.txt"), "--python", "3.11"])
    assert published.exit_code == 0, published.output
    pack_path = published.output.strip().splitlines()[-1]
    result = ads_process.run("published_pack.py", str(ads_process.workdir / "published"), pack_path)
    assert result["runtime_info"] == {"inference_env_slug": "doubler_p311_cpu_v1", "inference_env_type": "published",
                                      "inference_env_path": pack_path, "inference_python_version": "3.11"}
    assert result["introspection"]["runtime_path_exist"] == "Passed"
    assert result["model_id"].startswith("ocid1.datasciencemodel.")
