"""``dockyard deploy / deployments / predict`` options, against a stand-in for ``toolkit.deployment``.

No emulator here: these pin what the CLI hands to the Python API (the end-to-end run is
tests/deployment/test_cli.py).
"""
from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

import toolkit.deployment as deployment_module
from toolkit.cli import cli

OCID = "ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaafake"


class FakeDeployment:
    """What the commands use of ``ModelDeployment``; records the calls made on it."""

    def __init__(self) -> None:
        self.id, self.display_name, self.lifecycle_state = OCID, "fake", "ACTIVE"
        self.url, self.model_id, self.lifecycle_details = "http://127.0.0.1:1/x", "ocid1.datasciencemodel.x", None
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
