"""Two emulators: the local one (the plugin's session emulator) and a "cloud" stand-in in another
region with request signing enforced, reached through its own OCI config file: profile CLOUD_STANDIN
(a key that may write: promotion, and setting up what a pull test pulls) and CLOUD_READER (a key
registered read-only: pulls use it, so a pull that wrote to the cloud side would fail loudly)."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from toolkit.testing.plugin import dockyard_emulator, dockyard_env  # noqa: F401  (fixtures)

CLOUD_PROFILE = "CLOUD_STANDIN"
READER_PROFILE = "CLOUD_READER"  # the same tenancy, a key that may only read
CLOUD_REGION = "us-phoenix-1"

SCORE_PY = '''
import json
import os

model_name = "model.json"


def load_model(model_file_name=model_name):
    with open(os.path.join(os.path.dirname(os.path.realpath(__file__)), model_file_name)) as fh:
        return json.load(fh)


def _rows(obj):
    """Rows with an "x" from any JSON shape (list of records, DataFrame.to_json(), envelopes)."""
    if isinstance(obj, str):
        yield from _rows(json.loads(obj))
    elif isinstance(obj, dict) and "x" in obj:
        values = obj["x"].values() if isinstance(obj["x"], dict) else [obj["x"]]
        yield from ({"x": v} for v in values)
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _rows(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _rows(value)


def predict(data, model=load_model()):
    payload = data["data"] if isinstance(data, dict) and "data" in data else data
    return {"prediction": [model["a"] * float(r["x"]) + model["b"] for r in _rows(payload)]}
'''
RUNTIME_YAML = """MODEL_ARTIFACT_VERSION: '3.0'
MODEL_DEPLOYMENT:
  INFERENCE_CONDA_ENV:
    INFERENCE_ENV_PATH: oci://service-conda-packs@id19sfcrra6z/service_pack/cpu/Python_3.11_Base_environment/4.0/python_p311_any_x86_64_v4
    INFERENCE_ENV_SLUG: python_p311_any_x86_64_v4
    INFERENCE_ENV_TYPE: data_science
    INFERENCE_PYTHON_VERSION: '3.11'
MODEL_PROVENANCE:
  TRAINING_CODE:
    ARTIFACT_DIRECTORY: .
"""
INPUT_SCHEMA = {"schema": [{"dtype": "float64", "feature_type": "Continuous", "name": "x", "required": True,
                            "description": "", "order": 0,
                            "domain": {"values": "", "stats": {"mean": 2.0, "50%": 2.0}, "constraints": []}}],
                "version": "1.1"}


class LinearModel:
    """A tiny prepared model honouring ``toolkit.catalog.protocol.CatalogModel`` (what save_model needs)."""

    def __init__(self, artifact_dir: Path, broken: bool = False) -> None:
        artifact_dir.mkdir(parents=True, exist_ok=True)
        (artifact_dir / "score.py").write_text(SCORE_PY if not broken else "def load_model(:\n")
        (artifact_dir / "runtime.yaml").write_text(RUNTIME_YAML)
        (artifact_dir / "model.json").write_text(json.dumps({"a": 2.0, "b": 1.0}))
        (artifact_dir / "input_schema.json").write_text(json.dumps(INPUT_SCHEMA))
        self.artifact_dir = str(artifact_dir)
        self.auth = None
        self.model_id: str | None = None

    def introspect(self) -> Any:
        from toolkit.artifact.introspect import introspect

        return introspect(Path(self.artifact_dir))

    def catalog_metadata(self) -> dict[str, Any]:
        return {
            "definedMetadataList": [{"key": "Framework", "value": "other"}, {"key": "UseCaseType", "value": "regression"}],
            "customMetadataList": [{"key": "ModelFileName", "value": "model.json", "description": "weights",
                                    "category": "Other"}],
            "inputSchema": json.dumps(INPUT_SCHEMA),
            "outputSchema": None,
            "provenance": {"repositoryUrl": "https://example.com/repo.git", "gitBranch": "main",
                           "gitCommit": "abc123", "trainingScript": "train.py"},
        }


@pytest.fixture(scope="session")
def dockyard_emulator_config() -> dict[str, Any]:
    """Local deployments run as processes here (no Docker image builds in these tests)."""
    return {"runtime": "process"}


@dataclass
class Cloud:
    """The cloud stand-in: URL, its API keys (profiles of one config file), compartment, project."""

    url: str
    running: Any
    key: Any
    reader: Any  # the read-only key
    compartment_id: str
    project_id: str

    def client(self) -> Any:
        import oci

        return oci.data_science.DataScienceClient(self.key.config(), signer=self.key.signer(), service_endpoint=self.url)


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    import oci

    from emulator.auth import add_key
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background
    from toolkit.testing.credentials import make_api_key

    home = tmp_path_factory.mktemp("cloud-home")
    running = start_in_background(EmulatorConfig(home=home, region=CLOUD_REGION, auth_mode="enforce", runtime="process"))
    key = make_api_key(tmp_path_factory.mktemp("cloud-oci"), profile=CLOUD_PROFILE, region=CLOUD_REGION)
    add_key(running.state.db, key.tenancy, key.user, key.public_key_pem)
    reader = make_api_key(tmp_path_factory.mktemp("cloud-reader"), profile=READER_PROFILE, region=CLOUD_REGION,
                          tenancy=key.tenancy, config_file=key.config_file)
    add_key(running.state.db, reader.tenancy, reader.user, reader.public_key_pem, read_only=True)
    client = oci.data_science.DataScienceClient(key.config(), signer=key.signer(), service_endpoint=running.url)
    project = client.create_project(oci.data_science.models.CreateProjectDetails(
        compartment_id=key.tenancy, display_name="prod")).data
    try:
        yield Cloud(running.url, running, key, reader, key.tenancy, project.id)
    finally:
        running.stop()


@pytest.fixture
def cloud_env(cloud: Cloud, dockyard_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Cloud:
    """OCI_CONFIG_FILE names the cloud stand-in's config; the local profile stays the emulator."""
    monkeypatch.setenv("OCI_CONFIG_FILE", str(cloud.key.config_file))
    return cloud


@pytest.fixture
def saved_model(dockyard_emulator: Any, tmp_path: Path) -> Any:
    """A model saved in the local emulator, in a version set with label v1 (a fresh name per test)."""
    from toolkit.catalog.model_catalog import save_model
    from toolkit.catalog.session import connect

    session = connect()
    compartment = session.compartment(None)
    project = session.project(None, compartment)
    import oci

    name = f"vs-{uuid.uuid4().hex[:8]}"
    session.ds.create_model_version_set(oci.data_science.models.CreateModelVersionSetDetails(
        compartment_id=compartment, project_id=project, name=name, description="linear models"))
    model = LinearModel(tmp_path / "artifact")
    save_model(model, display_name=f"linear-{uuid.uuid4().hex[:6]}", model_version_set=name, version_label="v1")
    model.version_set_name = name
    return model


@dataclass
class RequestLog:
    """The (method, path) of every request an emulator served while the log was attached."""

    entries: list[tuple[str, str]]

    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.entries if method not in ("GET", "HEAD")]


@pytest.fixture
def cloud_requests(cloud: Cloud) -> Iterator[RequestLog]:
    """The cloud stand-in's request log for one test: a WSGI wrapper records each request's method
    and path before the emulator handles it (so a refused write is logged too)."""
    app = cloud.running.app
    log = RequestLog([])
    served = app.wsgi_app

    def logged(environ: dict[str, Any], start_response: Any) -> Any:
        log.entries.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        return served(environ, start_response)

    app.wsgi_app = logged
    try:
        yield log
    finally:
        app.wsgi_app = served


@pytest.fixture(scope="module")
def laptop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A third emulator, empty, that pulls land in (the plugin's emulator holds the originals, so a
    pulled copy and its source model never share a version set)."""
    from emulator.config import EmulatorConfig
    from emulator.server import start_in_background

    running = start_in_background(EmulatorConfig(home=tmp_path_factory.mktemp("laptop-home"), runtime="process"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def promoted(cloud_env: Cloud, saved_model: Any) -> tuple[Any, Any]:
    """``saved_model`` promoted to the cloud stand-in: (the local model, the PromotionResult)."""
    from toolkit.promote import promote_model

    result = promote_model(saved_model.model_id, CLOUD_PROFILE, endpoint=cloud_env.url,
                           compartment_id=cloud_env.compartment_id, project_id=cloud_env.project_id)
    return saved_model, result
