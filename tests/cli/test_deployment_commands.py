"""``dockyard deploy / deployments / predict`` options, against a stand-in for ``toolkit.deployment``.

No emulator here: these pin what the CLI hands to the Python API (the end-to-end run is
tests/deployment/test_cli.py).
"""
from __future__ import annotations

from typing import Any

import json

import pytest
from click.testing import CliRunner
from oci.data_science.models import ModelDeployment as SdkModelDeployment

import toolkit.deployment as deployment_module
from toolkit.cli import cli

OCID = "ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaafake"


class FakeDeployment:
    """What the commands use of ``ModelDeployment``; records the calls made on it."""

    def __init__(self) -> None:
        self.id, self.display_name, self.lifecycle_state = OCID, "fake", "ACTIVE"
        self.url, self.model_id, self.lifecycle_details = "http://127.0.0.1:1/x", "ocid1.datasciencemodel.x", None
        self.record = SdkModelDeployment(id=OCID, display_name="fake", lifecycle_state="ACTIVE", model_deployment_url=self.url)
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            return {"prediction": [1]}

        return call


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeDeployment:
    deployment = FakeDeployment()
    monkeypatch.setattr(deployment_module.ModelDeployment, "from_id", classmethod(lambda cls, *a, **k: deployment))
    return deployment


@pytest.mark.parametrize("flag", ["--display-name", "--name", "-n"])
def test_deploy_takes_display_name_like_save_and_name_as_alias(flag: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def deploy_model(model_id: str, **kwargs: Any) -> FakeDeployment:
        seen.update(kwargs, model_id=model_id)
        return FakeDeployment()

    monkeypatch.setattr(deployment_module, "deploy_model", deploy_model)
    result = CliRunner().invoke(cli, ["deploy", "ocid1.datasciencemodel.x", flag, "churn-api"])
    assert result.exit_code == 0, result.output
    assert seen["display_name"] == "churn-api" and seen["model_id"] == "ocid1.datasciencemodel.x"


def _called(fake: FakeDeployment) -> list[str]:
    return [name for name, _, _ in fake.calls]


def test_deployments_delete_takes_yes_like_models_delete(fake: FakeDeployment) -> None:
    result = CliRunner().invoke(cli, ["deployments", "delete", OCID, "--yes"])
    assert result.exit_code == 0, result.output
    assert _called(fake) == ["delete"] and "?" not in result.output


def test_deployments_delete_asks_first_and_a_no_deletes_nothing(fake: FakeDeployment) -> None:
    declined = CliRunner().invoke(cli, ["deployments", "delete", OCID], input="n\n")
    assert declined.exit_code == 1 and f"Delete model deployment fake ({OCID})?" in declined.output
    assert _called(fake) == []
    assert CliRunner().invoke(cli, ["deployments", "delete", OCID]).exit_code == 1  # no terminal, no --yes
    assert _called(fake) == []
    accepted = CliRunner().invoke(cli, ["deployments", "delete", OCID], input="y\n")
    assert accepted.exit_code == 0 and _called(fake) == ["delete"]


def test_deactivate_is_undoable_and_does_not_ask(fake: FakeDeployment) -> None:
    result = CliRunner().invoke(cli, ["deployments", "deactivate", OCID])
    assert result.exit_code == 0 and _called(fake) == ["deactivate"]


def _sent_body(fake: FakeDeployment) -> tuple[bytes, str]:
    """The request ``ModelDeployment.predict(data, auto_serialize_data=...)`` builds from the recorded call."""
    from toolkit.artifact.payload import to_request

    (name, args, kwargs), = fake.calls
    assert name == "predict" and not args and set(kwargs) == {"data", "auto_serialize_data"}
    return to_request(kwargs["data"], serialize=kwargs["auto_serialize_data"])


def _predict(*args: str) -> None:
    result = CliRunner().invoke(cli, ["predict", OCID, *args])
    assert result.exit_code == 0, result.output


def test_predict_reads_a_csv_like_verify_and_sends_the_api_payload(fake: FakeDeployment, tmp_path) -> None:
    import pandas as pd

    from toolkit.artifact.payload import to_request

    (tmp_path / "x.csv").write_text("a,b\n1,2\n3,4\n")
    _predict("--data", f"@{tmp_path / 'x.csv'}")
    assert _sent_body(fake) == to_request(pd.DataFrame({"a": [1, 3], "b": [2, 4]}))


def test_predict_reads_npy_and_wraps_inline_json_like_verify(fake: FakeDeployment, tmp_path) -> None:
    import numpy as np

    from toolkit.artifact.payload import to_request

    np.save(tmp_path / "x.npy", np.array([[1.0, 2.0]]))
    _predict("--data", f"@{tmp_path / 'x.npy'}")
    assert _sent_body(fake) == to_request(np.array([[1.0, 2.0]]))
    fake.calls.clear()
    _predict("--data", "[[1, 2]]")
    assert _sent_body(fake) == to_request([[1, 2]])


@pytest.mark.parametrize("args, body", [
    (["--data", '{"data": [[1, 2]]}'], b'{"data": [[1, 2]]}'),  # already an ADS envelope: as it is
    (["--data", '{"x": 1}', "--raw"], b'{"x": 1}'),
], ids=["envelope", "raw"])
def test_predict_sends_a_ready_document_as_it_is(fake: FakeDeployment, args: list[str], body: bytes) -> None:
    _predict(*args)
    assert _sent_body(fake) == (body, "application/json")


def test_predict_binary_still_sends_the_file_bytes(fake: FakeDeployment, tmp_path) -> None:
    (tmp_path / "image.json").write_bytes(b"\x89PNG not json")
    _predict("--data", f"@{tmp_path / 'image.json'}", "--binary")
    assert _sent_body(fake) == (b"\x89PNG not json", "application/octet-stream")
    assert CliRunner().invoke(cli, ["predict", OCID, "--data", "{}", "--binary"]).exit_code == 2


def test_predict_bad_data_is_a_usage_error(fake: FakeDeployment) -> None:
    result = CliRunner().invoke(cli, ["predict", OCID, "--data", "not json"])
    assert result.exit_code == 2 and "not valid JSON" in result.output and fake.calls == []


def test_deployments_json_uses_wire_names_like_models(fake: FakeDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deployment_module.ModelDeployment, "list", classmethod(lambda cls, **kwargs: [fake]))
    got = json.loads(CliRunner().invoke(cli, ["deployments", "get", OCID, "--json"]).output)
    listed = json.loads(CliRunner().invoke(cli, ["deployments", "list", "--json"]).output)
    expected = {"id": OCID, "displayName": "fake", "lifecycleState": "ACTIVE", "modelDeploymentUrl": fake.url}
    assert got == expected and listed == [expected]


def test_deployments_list_is_a_table_like_models_list(fake: FakeDeployment, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timezone

    fake.record.time_created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    monkeypatch.setattr(deployment_module.ModelDeployment, "list", classmethod(lambda cls, **kwargs: [fake]))
    result = CliRunner().invoke(cli, ["deployments", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].strip() == "Model deployments" and "┃ Name" in result.output and "┃ State" in result.output
    row = next(line for line in lines if OCID in line)
    assert "fake" in row and "ACTIVE" in row and "ocid1.datasciencemodel.x" in row and "2026-01-02 03:04:05" in row
    assert lines[-1] == "1 item(s)"
