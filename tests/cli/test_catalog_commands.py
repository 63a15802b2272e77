"""``dockyard models ...`` messages that must speak CLI, against a stand-in for ``toolkit.catalog.model_catalog``."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

import toolkit.catalog.model_catalog as model_catalog
from toolkit.catalog.errors import ModelInUseError
from toolkit.cli import cli

MODEL = "ocid1.datasciencemodel.oc1.iad.amaaaaaafake"
DEPLOYMENT = "ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaafake"


def test_models_delete_refusal_names_the_cli_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    def delete_model(model_id: str, delete_associated_model_deployment: bool = False, **kwargs: object) -> None:
        raise ModelInUseError(model_id, [DEPLOYMENT])

    monkeypatch.setattr(model_catalog, "delete_model", delete_model)
    result = CliRunner().invoke(cli, ["models", "delete", MODEL, "--yes"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: model {MODEL} is used by model deployment(s) {DEPLOYMENT}")
    assert "--delete-deployments" in result.output and "delete_associated_model_deployment" not in result.output


def test_python_callers_keep_the_argument_name() -> None:
    assert "delete_associated_model_deployment=True" in str(ModelInUseError(MODEL, [DEPLOYMENT]))
