"""``toolkit.cli.common.handle_errors``: expected failures are one ``Error:`` line and exit 1; bugs keep their traceback."""
from __future__ import annotations

import json

import click
import oci
import pytest
from click.testing import CliRunner

from toolkit.artifact.errors import ArtifactExistsError, VerificationError
from toolkit.catalog.errors import CatalogError
from toolkit.cli.common import handle_errors
from toolkit.deployment import DeploymentError
from toolkit.profiles import ProfileError


def _command_raising(exc: BaseException) -> click.Command:
    @click.command()
    @handle_errors
    def command() -> None:
        raise exc

    return command


def _run(exc: BaseException):
    return CliRunner().invoke(_command_raising(exc), [])


def test_service_error_is_code_message_and_request_id() -> None:
    error = oci.exceptions.ServiceError(404, "NotAuthorizedOrNotFound", {"opc-request-id": "req-1"}, "no such model")
    result = _run(error)
    assert result.exit_code == 1
    assert result.output == "Error: NotAuthorizedOrNotFound: no such model (opc-request-id req-1)\n"
    assert _run(oci.exceptions.ServiceError(400, "InvalidParameter", {}, "bad")).output == "Error: InvalidParameter: bad\n"


def test_an_existing_artifact_dir_says_how_to_overwrite() -> None:
    result = _run(ArtifactExistsError("./artifact is not empty; prepare() does not overwrite it"))
    assert result.exit_code == 1 and "Hint: pass --force" in result.output


@pytest.mark.parametrize("exc", [
    CatalogError("catalog says no"), DeploymentError("deployment failed: boom"), ProfileError("run oci setup config"),
    VerificationError("score.py failed during predict", traceback='File "score.py", line 3'),
    FileNotFoundError(2, "No such file or directory"), ValueError("model_id cannot be empty"),
], ids=lambda e: type(e).__name__)
def test_expected_errors_are_one_error_line_and_exit_1(exc: Exception) -> None:
    result = _run(exc)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output == f"Error: {exc}\n"


def test_a_bug_keeps_its_traceback() -> None:
    result = _run(KeyError("bug"))
    assert isinstance(result.exception, KeyError)


def test_click_usage_errors_and_aborts_pass_through() -> None:
    assert _run(click.BadParameter("nope", param_hint="--data")).exit_code == 2
    assert _run(click.Abort()).exit_code == 1


def test_prepare_of_a_file_that_is_not_a_model_is_one_error_line(tmp_path) -> None:
    from toolkit.cli import cli

    not_a_model = tmp_path / "notes.txt"
    not_a_model.write_text("version 1\n")
    result = CliRunner().invoke(cli, ["prepare", str(not_a_model), "-f", "generic", "-d", str(tmp_path / "artifact")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.startswith(f"Error: cannot load {not_a_model} as a generic model: UnpicklingError")
    assert "Hint:" in result.output and not (tmp_path / "artifact").exists()


def test_print_json_names_fields_as_the_wire_does(capsys) -> None:
    """One naming for every --json: SDK objects and snake_case views (ModelVersionSet.to_dict()) alike."""
    from oci.data_science.models import ModelDeployment, ModelVersionSet

    from toolkit.cli.common import print_json

    print_json(ModelDeployment(id="md1", lifecycle_state="ACTIVE", model_deployment_url="http://u"))
    assert json.loads(capsys.readouterr().out) == {"id": "md1", "lifecycleState": "ACTIVE", "modelDeploymentUrl": "http://u"}
    view = {"id": "mvs1", "compartment_id": "c", "lifecycle_state": "ACTIVE", "models": []}
    print_json([view], sdk_model=ModelVersionSet)
    assert json.loads(capsys.readouterr().out) == [{"id": "mvs1", "compartmentId": "c", "lifecycleState": "ACTIVE",
                                                    "models": []}]
