"""The inference server as a specification: what /predict and /health answer, in-process and under gunicorn."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import requests

from emulator.inference.server import create_app
from emulator.inference.settings import ServerSettings
from tests.deployment.artifacts import BROKEN_LOAD_SCORE, SCHEMA, write_artifact


@pytest.fixture
def client(tmp_path: Path):
    settings = ServerSettings(model_dir=write_artifact(tmp_path / "model", schema=SCHEMA),
                              max_payload_bytes=1024, log_dir=tmp_path / "logs", validate_input=True)
    app = create_app(settings)
    return app.test_client()


def test_health_is_ready_after_load(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json["status"] == "READY"
    assert response.headers["opc-request-id"]


def test_predict_json_calls_score_with_loaded_model(client):
    response = client.post("/predict", json={"data": [1, 2, 3]})
    assert response.status_code == 200
    assert response.json == {"prediction": [2, 4, 6]}


def test_predict_octet_stream_reaches_score_as_bytes(client):
    response = client.post("/predict", data=b"\x00\x01\x02", content_type="application/octet-stream")
    assert response.json == {"prediction": 3}


def test_malformed_json_is_400_and_server_stays_up(client):
    response = client.post("/predict", data=b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json["code"] == "CannotParseRequest"
    assert client.post("/predict", json=[1]).status_code == 200


def test_payload_over_limit_is_413(client):
    response = client.post("/predict", data=b"x" * 2048, content_type="application/octet-stream")
    assert response.status_code == 413
    assert response.json["code"] == "PayloadTooLarge"


def test_score_exception_is_500_with_traceback_only_in_log(client, tmp_path):
    response = client.post("/predict", json={"boom": True}, headers={"opc-request-id": "REQ1"})
    assert response.status_code == 500
    body = response.json
    assert body["code"] == "InternalServerError"
    assert "boom requested" in body["message"] and "Traceback" not in body["message"]
    log = (tmp_path / "logs" / "predict.log").read_text()
    assert "Traceback" in log and "REQ1" in log


def test_debug_puts_traceback_in_response(tmp_path):
    app = create_app(ServerSettings(model_dir=write_artifact(tmp_path / "m"), debug=True))
    response = app.test_client().post("/predict", json={"boom": True})
    assert "Traceback" in response.json["message"]


def test_schema_violation_names_the_column(client):
    response = client.post("/predict", json={"data": json.dumps({"age": {"0": "old"}})})
    assert response.status_code == 400
    assert "'age'" in response.json["message"] and "int64" in response.json["message"]
    missing = client.post("/predict", json=[{"city": "Paris"}])
    assert "required column 'age' is missing" in missing.json["message"]
    assert client.post("/predict", json=[{"age": 3, "city": "Paris"}]).status_code == 200


def test_failed_load_is_not_ready_and_predict_is_503(tmp_path):
    app = create_app(ServerSettings(model_dir=write_artifact(tmp_path / "m", score=BROKEN_LOAD_SCORE)))
    client = app.test_client()
    health = client.get("/health")
    assert health.status_code == 503 and "weights missing" in health.json["message"]
    assert client.post("/predict", json={}).status_code == 503


def test_unknown_route_is_oci_shaped_404(client):
    response = client.get("/nope")
    assert response.status_code == 404 and response.json["code"] == "NotFound"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _gunicorn(model_dir: Path, workers: int = 2) -> Iterator[tuple[str, subprocess.Popen]]:
    """The server under real gunicorn with this package's config; yields its URL and its master."""
    port = _free_port()
    env = dict(os.environ, PORT=str(port), DOCKYARD_MODEL_DIR=str(model_dir), WEB_CONCURRENCY=str(workers),
               DOCKYARD_THREADS="2")
    pkg = Path(__file__).resolve().parents[2] / "emulator" / "inference"
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(pkg / "gunicorn_conf.py"),
                             "emulator.inference.wsgi:app"], env=env, cwd=pkg.parents[1],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _health(url: str) -> int | None:
    try:
        return requests.get(url + "/health", timeout=5).status_code
    except requests.RequestException:  # not listening yet
        return None


def _wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout  # on a busy machine the artifact's imports can be slow
    while _health(url) != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _health(url) == 200


def test_real_gunicorn_serves_and_survives_bad_requests(tmp_path):
    with _gunicorn(write_artifact(tmp_path / "m")) as (url, _):
        _wait_ready(url)
        assert requests.post(url + "/predict", data=b"{bad", headers={"content-type": "application/json"}).status_code == 400
        assert requests.post(url + "/predict", json={"boom": True}).status_code == 500
        assert requests.post(url + "/predict", json=[5]).json() == {"prediction": [10]}


_PID_SCORE = """\
import os, pathlib, time
{flag}
def load_model():
    here = pathlib.Path(__file__).parent
    while not (here / "go").exists():  # the test lets load_model() finish when it has checked /health
        time.sleep(0.02)
    with open(here / "loads.txt", "a") as out:
        out.write(f"{{os.getpid()}}\\n")
    return os.getpid()

def predict(data, model=None):
    return {{"loaded_in": model, "worker": os.getpid()}}
"""


def _loader_pids(url: str, calls: int = 40) -> set[tuple[int, int]]:
    """(pid that ran load_model, worker pid) pairs seen over ``calls`` calls on fresh connections."""
    return {tuple(requests.post(url + "/predict", json=[1], headers={"connection": "close"}).json().values())
            for _ in range(calls)}


def test_gunicorn_loads_the_model_once_before_forking_and_is_healthy_only_after(tmp_path):
    model_dir = write_artifact(tmp_path / "m", score=_PID_SCORE.format(flag=""))
    with _gunicorn(model_dir) as (url, master):
        time.sleep(1.0)
        assert _health(url) is None, "/health answered while load_model() had not returned"
        (model_dir / "go").touch()
        _wait_ready(url)
        assert (model_dir / "loads.txt").read_text().split() == [str(master.pid)]  # once, in the master
        assert {loaded for loaded, _ in _loader_pids(url)} == {master.pid}


@pytest.mark.parametrize("flag", ["LOAD_MODEL_PER_WORKER = True",
                                  "import lightgbm  # a framework whose state a fork does not carry over: not preloaded"])
def test_an_artifact_that_asks_for_a_model_per_worker_gets_load_model_in_each(tmp_path, flag):
    model_dir = write_artifact(tmp_path / "m", score=_PID_SCORE.format(flag=flag))
    (model_dir / "go").touch()
    with _gunicorn(model_dir, workers=2) as (url, master):
        _wait_ready(url)
        deadline = time.monotonic() + 30
        while len((model_dir / "loads.txt").read_text().split()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        loads = (model_dir / "loads.txt").read_text().split()
        assert len(loads) == 2 and str(master.pid) not in loads
        assert all(loaded == worker for loaded, worker in _loader_pids(url))


def test_numpy_results_are_returned_as_json(tmp_path):
    score = "import numpy as np\ndef load_model():\n    return None\n" \
            "def predict(data, model=None):\n    return {'prediction': np.arange(3), 'n': np.int64(2)}\n"
    app = create_app(ServerSettings(model_dir=write_artifact(tmp_path / "m", score=score)))
    assert app.test_client().post("/predict", json=[]).json == {"prediction": [0, 1, 2], "n": 2}


def test_an_unserializable_result_is_a_clear_500(tmp_path):
    score = "def load_model():\n    return None\ndef predict(data, model=None):\n    return {'p': object()}\n"
    app = create_app(ServerSettings(model_dir=write_artifact(tmp_path / "m", score=score)))
    response = app.test_client().post("/predict", json=[])
    assert response.status_code == 500 and "not JSON-serializable" in response.json["message"]
