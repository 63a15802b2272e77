"""Putting small real models into the emulator's catalog through the oci SDK, for deployment tests."""
from __future__ import annotations

import io
import tarfile
import textwrap
import time
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

from oci.data_science.models import CreateModelDetails

from toolkit.catalog.session import connect

SKLEARN_SCORE = '''
import os
import joblib
import numpy as np

def load_model():
    return joblib.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.joblib"))

def predict(data, model=load_model()):
    rows = data["data"] if isinstance(data, dict) else data
    return {"prediction": model.predict(np.asarray(rows, dtype=float)).tolist()}
'''

PICKLE_SCORE = '''
import os
import cloudpickle

def load_model():
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.pkl"), "rb") as fh:
        return cloudpickle.load(fh)

def predict(data, model=load_model()):
    rows = data["data"] if isinstance(data, dict) else data
    return {"prediction": [model(row) for row in rows]}
'''


def pins(*names: str) -> list[str]:
    return [f"{n}=={metadata.version(n)}" for n in names]


def sklearn_environment() -> list[str]:
    """The requirements of a scikit-learn artifact, pinned to this interpreter: one Docker image serves
    every test artifact that names them, and the process runtime runs them with this interpreter."""
    return pins("numpy", "pandas", "joblib", "scikit-learn")


def runtime_yaml(requirements: list[str]) -> str:
    """A runtime.yaml with the requirements where prepare() writes them (the runtime.yaml contract)."""
    import yaml

    from emulator.contracts import runtime_yaml as contract

    data = {"MODEL_ARTIFACT_VERSION": contract.ARTIFACT_VERSION,
            contract.DEPLOYMENT: {"INFERENCE_CONDA_ENV": {"INFERENCE_ENV_TYPE": "published",
                                                           "INFERENCE_PYTHON_VERSION": "3.11"}}}
    if requirements:
        data[contract.DEPLOYMENT]["INFERENCE_ENV"] = {contract.REQUIREMENTS[-1]: list(requirements)}
    return yaml.safe_dump(data, sort_keys=False)


def sklearn_artifact(directory: Path) -> Path:
    """A tiny fitted LogisticRegression with its score.py; the same pins as SklearnModel, so one image serves both."""
    import joblib
    from sklearn.linear_model import LogisticRegression

    directory.mkdir(parents=True, exist_ok=True)
    model = LogisticRegression().fit([[0.0, 0.0], [1.0, 1.0], [0.1, 0.0], [0.9, 1.0]], [0, 1, 0, 1])
    joblib.dump(model, directory / "model.joblib")
    (directory / "score.py").write_text(textwrap.dedent(SKLEARN_SCORE))
    (directory / "runtime.yaml").write_text(runtime_yaml(sklearn_environment()))
    return directory


def pickle_artifact(directory: Path) -> Path:
    """A cloudpickled Python function as the model (the GenericModel/cloudpickle case)."""
    import cloudpickle

    directory.mkdir(parents=True, exist_ok=True)
    offset = 100
    (directory / "model.pkl").write_bytes(cloudpickle.dumps(lambda row: sum(row) + offset))
    (directory / "score.py").write_text(textwrap.dedent(PICKLE_SCORE))
    (directory / "runtime.yaml").write_text(runtime_yaml(pins("cloudpickle")))
    return directory


def save_to_catalog(artifact_dir: Path, name: str = "test-model") -> str:
    """Create a catalog model and upload ``artifact_dir`` as its zip artifact; returns the model OCID."""
    session = connect()
    compartment = session.compartment(None)
    project = session.project(None, compartment)
    model = session.ds.create_model(CreateModelDetails(compartment_id=compartment, project_id=project,
                                                       display_name=name)).data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(artifact_dir.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(artifact_dir).as_posix())
    session.ds.create_model_artifact(model.id, buffer.getvalue(),
                                     content_disposition=f'attachment; filename="{model.id}.zip"')
    return model.id


def wait_state(deployment: Any, states: tuple[str, ...], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = deployment.sync().lifecycle_state
        if state in states:
            return state
        time.sleep(0.3)
    raise AssertionError(f"{deployment} never reached {states}")


def predict_when_back(deployment_id: str, timeout: float = 120) -> dict:
    """The deployment's answer to ``[[1]]`` once its server is back (an emulator that starts brings
    deployments up in the background)."""
    from toolkit.deployment import ModelDeployment

    deadline = time.monotonic() + timeout
    while True:
        try:
            return ModelDeployment.from_id(deployment_id).predict(json_input={"data": [[1]]})
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def containers_of(home: Path) -> list:
    """Every Docker container (running or not) of the deployments of the emulator serving ``home``."""
    import docker

    from emulator.runtimes.docker import LABEL_HOME, DockerRuntime

    label = f"{LABEL_HOME}={DockerRuntime(home).home_label}"
    return docker.from_env().containers.list(all=True, filters={"label": label})


BYOC_SERVER = '''
import json, os, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self._send({"status": "ok"} if self.path == "/health" else {"error": self.path}, 200 if self.path == "/health" else 404)
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        files = sorted(os.listdir("/opt/ds/model/deployed_model"))
        self._send({"byoc": True, "greeting": os.environ.get("GREETING"), "echo": body, "files": files}, 200)
    def _send(self, body, status):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

def serve(port):
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()

server_port = int(os.environ.get("SERVER_PORT", "8080"))  # OCI's default port for both
health_port = int(os.environ.get("HEALTH_PORT", server_port))
if health_port != server_port:
    threading.Thread(target=serve, args=(health_port,), daemon=True).start()
serve(server_port)
'''


def build_byoc_image(tag: str = "dockyard-test/byoc:latest", path: str = "/app/server.py",
                     instructions: tuple[str, ...] = ()) -> str:
    """A tiny image on the base image deployments build on, with a stdlib HTTP server (``BYOC_SERVER``:
    ports from SERVER_PORT / HEALTH_PORT, else 8080) at ``path``: the user's own container for BYOC
    deployments. ``instructions`` end the Dockerfile (none: the deployment names the entrypoint,
    ``python3 /app/server.py``)."""
    import docker

    from emulator.runtimes.base_image import resolve as resolve_base_image
    from toolkit import settings

    dockerfile = "\n".join([f"FROM {resolve_base_image(settings.base_image())}", f"COPY server.py {path}",
                            *instructions, ""])
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        for name, text in (("Dockerfile", dockerfile), ("server.py", textwrap.dedent(BYOC_SERVER))):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    context.seek(0)
    docker.from_env().images.build(fileobj=context, custom_context=True, tag=tag, rm=True)
    return tag
