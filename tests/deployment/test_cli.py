"""``dockyard deploy / deployments / predict`` against the session emulator."""
from __future__ import annotations

import json

from click.testing import CliRunner

from toolkit.cli import cli


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_deploy_list_get_predict_logs_delete_from_the_shell(pickle_model_id, tmp_path):
    deployment = json.loads(run("deploy", pickle_model_id, "--name", "cli-dep", "--runtime", "process", "--json"))
    ocid = deployment["id"]
    assert deployment["lifecycleState"] == "ACTIVE" and "lifecycle_state" not in deployment
    assert ocid in run("deployments", "list")
    assert "cli-dep" in run("deployments", "get", ocid)
    assert json.loads(run("predict", ocid, "--data", '{"data": [[1, 1]]}')) == {"prediction": [102]}
    payload = tmp_path / "payload.json"
    payload.write_text('{"data": [[5]]}')
    assert json.loads(run("predict", ocid, "--data", f"@{payload}")) == {"prediction": [105]}
    assert "[access]" in run("deployments", "logs", ocid, "--type", "access")
    assert "INACTIVE" in run("deployments", "deactivate", ocid)
    assert "DELETED" in run("deployments", "delete", ocid, "--yes")


def test_predict_on_an_unknown_deployment_is_one_clear_error(emulator):
    result = CliRunner().invoke(cli, ["predict", "ocid1.datasciencemodeldeployment.oc1.iad.amaaaaaanope", "-d", "{}"])
    assert result.exit_code == 1
    assert "NotAuthorizedOrNotFound" in result.output
