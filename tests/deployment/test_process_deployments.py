"""Deployments on the process runtime, end to end through the real oci SDK, the emulator and gunicorn."""
from __future__ import annotations

import os
import signal

import pytest

from emulator.model_deployment.service import service_of
from tests.deployment import helpers
from tests.deployment.conftest import pointing_at
from tests.deployment.artifacts import BROKEN_LOAD_SCORE, ECHO_SCORE, SCHEMA, write_artifact
from toolkit.artifact.archive import extract_fresh
from toolkit.catalog.errors import WorkRequestFailedError
from toolkit.catalog.session import connect
from toolkit.deployment import DeploymentError, ModelDeployment, PredictError, deploy_model

ROWS = [[0.0, 0.0], [1.0, 1.0]]


def test_deploy_predict_logs_deactivate_activate_delete(sklearn_model_id):
    deployment = deploy_model(sklearn_model_id, display_name="sk-process", runtime="process")
    assert deployment.lifecycle_state == "ACTIVE"
    assert deployment.record.created_by == connect().profile.config["user"]  # the caller, as for every resource
    assert deployment.url.endswith("/" + deployment.id)
    assert deployment.predict(json_input={"data": ROWS}) == {"prediction": [0, 1]}

    logs = deployment.logs()
    assert any(e.type == "access" and "200" in e.message for e in logs)
    assert any(e.type == "predict" and "model loaded" in e.message for e in logs)
    followed = deployment.logs("access", follow=True, poll_interval=0.1)
    assert "POST /predict 200" in next(followed).message
    assert ModelDeployment.from_id(deployment.id).display_name == "sk-process"
    assert deployment.id in [d.id for d in ModelDeployment.list()]

    deployment.deactivate()
    assert deployment.lifecycle_state == "INACTIVE"
    with pytest.raises(DeploymentError, match="INACTIVE"):
        deployment.predict(json_input={"data": ROWS})
    deployment.activate()
    assert deployment.lifecycle_state == "ACTIVE"
    assert deployment.predict(json_input={"data": ROWS}) == {"prediction": [0, 1]}
    deployment.delete()
    assert deployment.lifecycle_state == "DELETED"


def test_two_deployments_serve_at_once(sklearn_model_id, pickle_model_id):
    first = deploy_model(sklearn_model_id, runtime="process", wait_for_completion=False)
    second = deploy_model(pickle_model_id, runtime="process", wait_for_completion=False)
    assert helpers.wait_state(first, ("ACTIVE", "FAILED")) == "ACTIVE"
    assert helpers.wait_state(second, ("ACTIVE", "FAILED")) == "ACTIVE"
    assert first.predict(json_input={"data": ROWS}) == {"prediction": [0, 1]}
    assert second.predict(json_input={"data": [[1, 2]]}) == {"prediction": [103]}
    first.delete()
    second.delete()


@pytest.fixture(scope="module")
def echo_deployment(emulator, tmp_path_factory):
    artifact = write_artifact(tmp_path_factory.mktemp("echo"), ECHO_SCORE, schema=SCHEMA)
    with pointing_at(emulator):
        model_id = helpers.save_to_catalog(artifact, "echo")
        deployment = deploy_model(model_id, runtime="process", environment_variables={"DOCKYARD_VALIDATE_INPUT": "1"})
    yield deployment
    with pointing_at(emulator):
        deployment.delete()


def test_malformed_json_is_400_and_the_server_stays_up(echo_deployment):
    with pytest.raises(PredictError) as err:
        echo_deployment.predict(b"{not json", content_type="application/json")
    assert err.value.status == 400 and err.value.code == "CannotParseRequest"
    assert echo_deployment.predict(json_input=[{"age": 3}]) == {"prediction": [{"age": 3}]}


def test_payload_over_the_limit_is_413(echo_deployment):
    with pytest.raises(PredictError) as err:
        echo_deployment.predict(b"x" * (1024 * 1024 + 1))
    assert err.value.status == 413 and err.value.code == "PayloadTooLarge"


def test_schema_violation_names_the_column(echo_deployment):
    with pytest.raises(PredictError) as err:
        echo_deployment.predict(json_input=[{"age": "old"}])
    assert err.value.status == 400 and "'age'" in err.value.message


def test_score_exception_is_500_with_traceback_in_the_predict_log(echo_deployment):
    with pytest.raises(PredictError) as err:
        echo_deployment.predict(json_input={"boom": True})
    assert err.value.status == 500 and "Traceback" not in err.value.message
    predict_log = "\n".join(e.message for e in echo_deployment.logs("predict"))
    assert "Traceback" in predict_log and "boom requested" in predict_log
    assert echo_deployment.predict(b"abc") == {"prediction": 3}


def test_a_model_that_cannot_load_fails_with_its_log_lines(emulator, tmp_path):
    model_id = helpers.save_to_catalog(write_artifact(tmp_path / "broken", BROKEN_LOAD_SCORE), "broken")
    with pytest.raises(WorkRequestFailedError, match="weights missing"):  # the one waiter's error
        deploy_model(model_id, display_name="broken", runtime="process")
    failed = [d for d in ModelDeployment.list() if d.display_name == "broken"][0]
    assert failed.lifecycle_state == "FAILED"


def test_a_killed_server_turns_the_deployment_needs_attention(pickle_model_id, emulator):
    deployment = deploy_model(pickle_model_id, runtime="process")
    handle = service_of(emulator.app).upstream(deployment.id)
    os.killpg(int(handle.ref), signal.SIGKILL)
    assert helpers.wait_state(deployment, ("NEEDS_ATTENTION",)) == "NEEDS_ATTENTION"
    assert "stopped unexpectedly" in deployment.lifecycle_details
    assert any("stopped unexpectedly" in e.message for e in deployment.logs("predict"))
    deployment.activate()
    assert deployment.predict(json_input={"data": [[1]]}) == {"prediction": [101]}
    deployment.delete()


def test_a_chunked_body_over_the_limit_is_413_at_the_gateway(echo_deployment):
    import requests

    def chunks():
        for _ in range(17):
            yield b"x" * 65536  # 1.06 MiB in total, no Content-Length

    response = requests.post(f"{echo_deployment.url}/predict", data=chunks(),
                             headers={"content-type": "application/octet-stream"}, timeout=30)
    assert response.status_code == 413 and response.json()["code"] == "PayloadTooLarge"
    small = requests.post(f"{echo_deployment.url}/predict", data=iter([b"ab", b"c"]),
                          headers={"content-type": "application/octet-stream"}, timeout=30)
    assert small.json() == {"prediction": 3}


def test_update_renames_and_a_new_model_restarts_the_server(sklearn_model_id, pickle_model_id):
    deployment = deploy_model(sklearn_model_id, display_name="before", runtime="process")
    deployment.update(display_name="after")
    assert deployment.display_name == "after" and deployment.lifecycle_state == "ACTIVE"
    deployment.update(model_id=pickle_model_id, environment_variables={"WEB_CONCURRENCY": "1"})
    assert deployment.lifecycle_state == "ACTIVE" and deployment.model_id == pickle_model_id
    assert deployment.predict(json_input={"data": [[1, 1]]}) == {"prediction": [102]}
    deployment.delete()


def test_deployment_logs_are_readable_by_their_owner_only(pickle_model_id, emulator):
    """deploy.jsonl, access.log (the emulator's), server.log and predict.log (the model server's):
    payloads and tracebacks land there."""
    import stat
    import time

    deployment = deploy_model(pickle_model_id, display_name="private-logs", runtime="process")
    try:
        deployment.predict(json_input={"data": ROWS})
        logs = emulator.state.config.home / "deployments" / deployment.id / "logs"
        deadline = time.monotonic() + 10
        while not (logs / "access.log").exists() and time.monotonic() < deadline:  # written once the reply is sent
            time.sleep(0.05)
        modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in [logs, *logs.iterdir()]}
        assert set(modes) >= {"logs", "deploy.jsonl", "access.log", "server.log", "predict.log"}
        assert set(modes.values()) == {"0o700", "0o600"} and modes["logs"] == "0o700", modes
    finally:
        deployment.delete()


def test_a_zip_made_around_a_folder_on_a_mac_loads_and_deploys(emulator, tmp_path):
    """A top folder with the .DS_Store and __MACOSX a Mac's archiver adds: the toolkit and a deployment
    find the same artifact root in it (emulator.unzip.artifact_root), so what loads also serves."""
    wrapped = tmp_path / "zipped"
    helpers.pickle_artifact(wrapped / "my-model")
    (wrapped / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (wrapped / "__MACOSX" / "my-model").mkdir(parents=True)
    (wrapped / "__MACOSX" / "my-model" / "._score.py").write_bytes(b"\x00\x05\x16\x07")
    model_id = helpers.save_to_catalog(wrapped, "mac-zipped")

    loaded = extract_fresh(_download(model_id, tmp_path / "artifact.zip"), tmp_path / "loaded")
    assert loaded.name == "my-model" and (loaded / "score.py").is_file()

    deployment = deploy_model(model_id, runtime="process")
    assert deployment.lifecycle_state == "ACTIVE"
    assert deployment.predict(json_input={"data": [[1, 2]]}) == {"prediction": [103]}
    deployment.delete()


def _download(model_id: str, path):
    path.write_bytes(connect().ds.get_model_artifact_content(model_id).data.content)
    return path
