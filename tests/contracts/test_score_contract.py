"""verify() answers what a deployment answers: one score.py contract, three executors.

Every ``score.py`` of ``fixtures/artifacts/`` and a set of hand-written ones run through
``verify()`` (a fresh Python process) and through a really served deployment on each runtime (the
process runtime and a Docker container, behind the emulator's gateway, over HTTP), with the same
request body and content type. All three must give the same result, or fail in the same way: the
same stage and the same exception.

Every artifact names one environment (the pins of this interpreter's numpy, pandas, joblib and
scikit-learn, which the sklearn deployments use too; the fixtures' own requirements are left out):
verify() and the process runtime run this interpreter, and one Docker image, built once and
normally cached, serves every Docker case. So what is compared is the score.py contract alone: how
score.py is imported and called, how a body becomes ``data``, how a result becomes a response.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from tests.frameworks.conftest import IMAGE_BUILD_TIMEOUT
from toolkit.artifact.errors import VerificationError
from toolkit.artifact.payload import from_response, to_request
from toolkit.artifact.verify import verify, verify_request

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "artifacts"
JSON = "application/json"

# ---------------------------------------------------------------------------------- the score.py files

HAND_WRITTEN = {
    # The review's case: predict uses the model load_model() returned, through a None default.
    "model_keyword_with_none_default": '''
        def load_model():
            return 21

        def predict(data, model=None):
            return {"prediction": model * 2}
        ''',
    "predict_without_a_model_parameter": '''
        def load_model():
            return "unused"

        def predict(data):
            return {"echo": data}
        ''',
    "predict_with_var_kwargs": '''
        def load_model():
            return "the-model"

        def predict(data, **kwargs):
            return {"model": kwargs.get("model"), "data": data}
        ''',
    # Reports what predict received: the body/content-type half of the contract.
    "echo_data_type": '''
        def load_model():
            return None

        def predict(data, model=load_model()):
            if isinstance(data, (bytes, bytearray)):
                return {"type": "bytes", "value": bytes(data).decode("latin-1")}
            return {"type": type(data).__name__, "value": data}
        ''',
    "predict_raises": '''
        def load_model():
            return None

        def predict(data, model=None):
            raise ValueError("this model only takes two features")
        ''',
    "result_not_json_serializable": '''
        def load_model():
            return None

        def predict(data, model=None):
            return {"labels": {"a", "b"}}
        ''',
    "result_is_bytes": '''
        def load_model():
            return b"\\x00\\x01"

        def predict(data, model=None):
            return model + b"\\xff"
        ''',
    "result_is_a_numpy_array": '''
        import numpy as np

        def load_model():
            return np.array([1.5, 2.5])

        def predict(data, model=None):
            return {"prediction": model * 2}
        ''',
    "import_error": '''
        import dockyard_module_nobody_installed

        def load_model():
            return None

        def predict(data, model=None):
            return data
        ''',
    "load_model_error": '''
        def load_model():
            raise RuntimeError("weights missing")

        def predict(data, model=None):
            return data
        ''',
}

# ---------------------------------------------------------------------------------- the requests


@dataclass(frozen=True)
class Request:
    body: bytes
    content_type: str | None  # None: the request has no content-type header


ROWS = Request(*to_request([[1.0, 2.0], [0.5, 0.5]]))  # an ADS-style {"data", "data_type"} document
ECHO_REQUESTS = {
    "json": Request(json.dumps({"x": [1, 2]}).encode(), JSON),
    "json_with_charset": Request(json.dumps([1, 2]).encode(), "Application/JSON; charset=utf-8"),
    "vendor_json": Request(json.dumps({"x": 1}).encode(), "application/vnd+json"),
    "plus_json": Request(json.dumps([3]).encode(), "application/vnd.api+json"),
    "no_content_type_json_body": Request(json.dumps({"x": 1}).encode(), None),
    "no_content_type_empty_body": Request(b"", None),
    "bytes": Request(b"\x00raw\xff", "application/octet-stream"),
    "csv_is_bytes": Request(b"a,b\n1,2\n", "text/csv"),
    "empty_json_body": Request(b"", JSON),
    "malformed_json": Request(b"{not json", JSON),
    "malformed_plus_json": Request(b"[1,", "application/problem+json"),
}


def _cases() -> list[tuple[str, str, Request]]:
    """(case id, artifact name, request) for every fixture score.py and every hand-written one."""
    cases = [(f"fixture-{d.name}", f"fixture-{d.name}", ROWS)
             for d in sorted(FIXTURES.iterdir()) if (d / "score.py").is_file()]
    for name in HAND_WRITTEN:
        if name == "echo_data_type":
            cases += [(f"{name}-{req}", name, request) for req, request in ECHO_REQUESTS.items()]
        else:
            cases.append((name, name, ROWS))
    return cases


CASES = _cases()

# ---------------------------------------------------------------------------------- the two executors


@dataclass(frozen=True)
class Outcome:
    """A result, or a failure: its stage class and the user's exception type."""

    value: Any = None
    failure: str | None = None  # "load" | "bad_request" | "predict" | "serialize"
    error_type: str | None = None


_STAGE_CLASS = {"import": "load", "load_model": "load", "request": "bad_request", "predict": "predict",
                "serialize": "serialize"}


def through_verify(artifact_dir: Path, request: Request) -> Outcome:
    """``verify(data)`` when the request is what it sends for ``data`` (a JSON document), else the
    same run for a body and content type given as they are (``verify_request``)."""
    document = _json_document(request)
    try:
        if document is not None:
            value = verify(artifact_dir, document, serialize=False)
        else:
            value = verify_request(artifact_dir, request.body, request.content_type)
    except VerificationError as exc:
        error = exc.message.split(": ", 1)[1] if ": " in exc.message else exc.message
        error_type = error.split(":", 1)[0] if exc.stage in ("import", "load_model", "predict") else None
        return Outcome(failure=_STAGE_CLASS[exc.stage], error_type=error_type)
    return Outcome(value)


def _json_document(request: Request) -> Any:
    """The document ``verify(document, serialize=False)`` sends as exactly this request, else None."""
    if request.content_type != JSON:
        return None
    try:
        document = json.loads(request.body)
    except ValueError:
        return None
    return document if json.dumps(document).encode() == request.body else None


def through_deployment(deployment: "Served", request: Request) -> Outcome:
    if deployment.failed:
        return Outcome(failure="load", error_type=_last_exception_type(deployment.failed))
    headers = {"content-type": request.content_type} if request.content_type else {}
    session = requests.Session()
    prepared = requests.Request("POST", f"{deployment.url}/predict", data=request.body, headers=headers).prepare()
    if request.content_type is None:
        prepared.headers.pop("Content-Type", None)  # what a bare HTTP client (curl --data-binary) sends
    response = session.send(prepared, timeout=60)
    if response.status_code == 200:
        return Outcome(from_response(response.content, response.headers.get("content-type")))
    message = response.json()["message"]
    if response.status_code == 400:
        return Outcome(failure="bad_request")
    assert response.status_code == 500, (response.status_code, message)
    raised = re.match(r"score\.py predict\(\) raised (\w+)", message)
    if raised:
        return Outcome(failure="predict", error_type=raised.group(1))
    assert "not JSON-serializable" in message, message
    return Outcome(failure="serialize")


def _last_exception_type(text: str) -> str | None:
    """The user's exception type in a failed deployment's error (``score.py could not be loaded: <Type>: ...``)."""
    found = re.search(r"score\.py could not be loaded: (\w+)", text)
    return found.group(1) if found else None

# ---------------------------------------------------------------------------------- the deployments

# The first Docker case may build the shared environment's image (usually cached by the deployment suite).
RUNTIMES = ["process", pytest.param("docker", marks=[pytest.mark.docker, pytest.mark.timeout(IMAGE_BUILD_TIMEOUT)])]


@dataclass
class Served:
    url: str
    failed: str | None  # the work request's error when the deployment did not come up


def _artifact(name: str, directory: Path) -> Path:
    """The artifact of ``name`` in ``directory``, naming the one environment every case shares."""
    from tests.deployment.helpers import runtime_yaml, sklearn_environment

    if name.startswith("fixture-"):
        shutil.copytree(FIXTURES / name[len("fixture-"):], directory)
        (directory / "requirements.txt").unlink(missing_ok=True)
    else:
        directory.mkdir(parents=True)
        (directory / "score.py").write_text(textwrap.dedent(HAND_WRITTEN[name]))
    (directory / "runtime.yaml").write_text(runtime_yaml(sklearn_environment()))
    return directory


def _content_key(directory: Path) -> str:
    """Artifacts with the same files are the same deployment (many fixtures differ only in runtime.yaml)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.name != "runtime.yaml"):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("score-contract")
    return {name: _artifact(name, root / name) for name in sorted({artifact for _, artifact, _ in CASES})}


@pytest.fixture(scope="module")
def model_ids(artifacts: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    """One emulator for both runtimes, and each distinct artifact saved in its catalog once:
    (the emulator, {content key: model OCID})."""
    from tests.deployment.conftest import _remove_containers, pointing_at, start_emulator
    from tests.deployment.helpers import save_to_catalog

    home = tmp_path_factory.mktemp("score-contract-home")
    running = start_emulator(home)
    try:
        with pointing_at(running):
            ids = {}
            for name, directory in artifacts.items():
                ids.setdefault(_content_key(directory), save_to_catalog(directory, name))
        yield running, ids
    finally:
        running.stop()
        _remove_containers(home)


@pytest.fixture(scope="module", params=RUNTIMES)
def served(request: pytest.FixtureRequest, artifacts: dict[str, Path],
           model_ids: tuple[Any, dict[str, str]]) -> Iterator[dict[str, Served]]:
    """Every distinct artifact deployed on the runtime at once, then awaited; deleted after the runtime's cases."""
    from tests.deployment.conftest import pointing_at
    from tests.deployment.helpers import wait_state
    from toolkit.catalog.session import connect
    from toolkit.deployment import deploy_model

    running, ids = model_ids
    runtime = request.param
    with pointing_at(running):
        deployments = {key: deploy_model(model_id, display_name=f"{runtime}-{key[:12]}", runtime=runtime,
                                         wait_for_completion=False) for key, model_id in ids.items()}
        try:
            session = connect()
            outcomes = {key: _await(session, deployment) for key, deployment in deployments.items()}
            yield {name: outcomes[_content_key(directory)] for name, directory in artifacts.items()}
        finally:  # all deleted at once, and gone before the next runtime's (or the emulator stops)
            for deployment in deployments.values():
                deployment.delete(wait_for_completion=False)
            for deployment in deployments.values():
                wait_state(deployment, ("DELETED",), timeout=120)


def _await(session: Any, deployment: Any, timeout: float = IMAGE_BUILD_TIMEOUT) -> Served:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = session.ds.get_model_deployment(deployment.id).data
        if record.lifecycle_state == "ACTIVE":
            return Served(record.model_deployment_url, None)
        if record.lifecycle_state == "FAILED":
            work = session.ds.list_work_requests(record.compartment_id, resource_id=deployment.id).data
            errors = [e.message for w in work for e in session.ds.list_work_request_errors(w.id).data]
            return Served(record.model_deployment_url, "\n".join(errors) or record.lifecycle_details)
        time.sleep(0.25)
    raise AssertionError(f"{deployment.id} is still {record.lifecycle_state} after {timeout} s")

# ---------------------------------------------------------------------------------- the test


@pytest.mark.parametrize("artifact, request_", [(a, r) for _, a, r in CASES], ids=[c for c, _, _ in CASES])
def test_verify_and_a_served_deployment_agree(artifacts, served, artifact, request_):
    """verify() and a deployment on each runtime (the ``served`` parameter: process, docker)."""
    deployment = served[artifact]
    assert through_verify(artifacts[artifact], request_) == through_deployment(deployment, request_), (
        f"the deployment failed: {deployment.failed}" if deployment.failed else "")


def test_the_agreement_is_the_contract_not_a_shared_blind_spot(artifacts):
    """A few answers spelled out, so that both executors being wrong the same way fails too."""
    assert through_verify(artifacts["model_keyword_with_none_default"], ROWS).value == {"prediction": 42}
    assert through_verify(artifacts["predict_with_var_kwargs"], ROWS).value["model"] == "the-model"
    echo = artifacts["echo_data_type"]
    assert through_verify(echo, ECHO_REQUESTS["plus_json"]).value == {"type": "list", "value": [3]}
    assert through_verify(echo, ECHO_REQUESTS["no_content_type_empty_body"]).value == {"type": "bytes", "value": ""}
    assert through_verify(echo, ECHO_REQUESTS["csv_is_bytes"]).value == {"type": "bytes", "value": "a,b\n1,2\n"}
    assert through_verify(artifacts["result_is_bytes"], ROWS).value == b"\x00\x01\xff"
    assert through_verify(artifacts["result_is_a_numpy_array"], ROWS).value == {"prediction": [3.0, 5.0]}
    assert through_verify(artifacts["fixture-valid"], ROWS).value == {"prediction": [4.5, 1.25]}
    assert through_verify(artifacts["fixture-missing_predict"], ROWS) == Outcome(failure="load", error_type="AttributeError")
