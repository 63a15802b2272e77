"""A deployment whose score.py cannot load says why: the author's traceback with file and line, the
deployment's OCID and the command that shows its logs; not the server's boot lines, and once."""
from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from tests.deployment import helpers
from toolkit.cli import cli
from toolkit.catalog.errors import WorkRequestFailedError
from toolkit.deployment import ModelDeployment, deploy_model

SYNTAX_ERROR_SCORE = """\
import os


def load_model():
    return 1

def predict(data model=None):
    return data
"""

RAISING_LOAD_SCORE = """\
def load_model():
    weights = None
    raise RuntimeError("weights missing")


def predict(data, model=None):
    return {"prediction": None}
"""


def _broken_model(tmp_path, score: str) -> str:
    artifact = helpers.pickle_artifact(tmp_path / "artifact")
    (artifact / "score.py").write_text(textwrap.dedent(score))
    return helpers.save_to_catalog(artifact, "broken")


def _only_deployment(model_id: str) -> ModelDeployment:
    (found,) = [d for d in ModelDeployment.list() if d.model_id == model_id]
    return found.sync()  # the summary a list returns has no lifecycleDetails


def test_a_syntax_error_names_file_line_deployment_and_logs_command(emulator, tmp_path):
    model_id = _broken_model(tmp_path, SYNTAX_ERROR_SCORE)

    with pytest.raises(WorkRequestFailedError) as failure:
        deploy_model(model_id, runtime="process", show_progress=False)

    deployment = _only_deployment(model_id)
    message = str(failure.value)
    assert "SyntaxError" in message and "(score.py, line 7)" in message
    assert "def predict(data model=None):" in message  # the offending line, from the traceback
    assert f"dockyard deployments logs {deployment.id}" in message
    assert "Booting worker" not in message and "Listening at" not in message
    assert deployment.lifecycle_state == "FAILED"
    assert "(score.py, line 7)" in deployment.lifecycle_details
    assert f"dockyard deployments logs {deployment.id}" in deployment.lifecycle_details


def test_a_failing_load_model_points_at_the_line_that_raised(emulator, tmp_path):
    model_id = _broken_model(tmp_path, RAISING_LOAD_SCORE)

    with pytest.raises(WorkRequestFailedError) as failure:
        deploy_model(model_id, runtime="process", show_progress=False)

    message = str(failure.value)
    assert "RuntimeError: weights missing (score.py, line 3)" in message
    assert 'raise RuntimeError("weights missing")' in message
    assert "dockyard_inference" not in message and "scoring.py" not in message  # only the author's frames


def test_the_cli_says_it_once_and_the_logs_command_it_names_shows_the_traceback(emulator, tmp_path):
    model_id = _broken_model(tmp_path, SYNTAX_ERROR_SCORE)

    result = CliRunner().invoke(cli, ["deploy", model_id, "--runtime", "process"])

    assert result.exit_code == 1
    assert result.output.count("def predict(data model=None):") == 1, result.output
    deployment = _only_deployment(model_id)
    command = f"dockyard deployments logs {deployment.id}"
    assert command in result.output
    logs = CliRunner().invoke(cli, command.split()[1:])
    assert logs.exit_code == 0
    assert "score.py" in logs.output and "line 7" in logs.output and "SyntaxError" in logs.output
