"""ADS's "Register, Manage, and Deploy Models" workflow runs unmodified against the emulator.

Every notebook (``notebooks/``) is ADS code as its documentation writes it, plus one
``connect_ads()`` call; it runs in ADS's own venv. The steps share one emulator and follow one
model: prepared from a service conda pack slug, saved into a version set, loaded back, deployed on
Docker (the pack's environment built from the host wheelhouse), driven through the ModelDeployment
builder and BYOC, and finally deleted together with its deployments.
"""
from __future__ import annotations

import textwrap

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
def byoc_image(tmp_path_factory) -> str:
    """A tiny server image of our own on the offline base image: /health and an echoing /predict."""
    import docker

    from toolkit import settings

    context = tmp_path_factory.mktemp("byoc")
    (context / "server.py").write_text(textwrap.dedent('''
        import json, os
        from http.server import BaseHTTPRequestHandler, HTTPServer

        class Handler(BaseHTTPRequestHandler):
            def reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.reply(200, {"status": "ok"}) if self.path == "/health" else self.reply(404, {})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                self.reply(200, {"echo": body, "greeting": os.environ.get("GREETING")})

        HTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
    '''))
    (context / "Dockerfile").write_text(f"FROM {settings.base_image()}\nCOPY server.py /srv/server.py\n"
                                        'EXPOSE 8080\nCMD ["python3", "/srv/server.py"]\n')
    tag = "dockyard-test/ads-byoc:1"
    client = docker.from_env()
    client.images.build(path=str(context), tag=tag, rm=True)
    yield tag
    client.images.remove(tag, force=True)


def test_bring_your_own_container_with_a_local_image(ads, saved, byoc_image):
    result = ads.run("byoc.py", saved["model_id"], byoc_image)
    assert result["prediction"] == {"echo": {"x": [1, 2, 3]}, "greeting": "hello from ADS"}
    assert result["after_delete"] == "DELETED"


def test_from_model_deployment_then_delete_the_model_with_its_deployments(ads, deployed):
    """Last: it deletes the module's model (ADS reads it again after the DELETE: a DELETED tombstone)."""
    result = ads.run("delete_with_deployment.py", deployed["deployment_id"], str(ads.workdir / "from-deployment"))
    assert {"score.py", "runtime.yaml", "model.joblib"} <= set(result["files"])
    assert (result["model_state"], result["deployment_state"]) == ("DELETED", "DELETED")
