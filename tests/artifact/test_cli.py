"""dockyard prepare / verify / introspect from a shell."""
from __future__ import annotations

import json

import joblib
import numpy as np
from click.testing import CliRunner

from toolkit.cli import cli


def test_prepare_verify_introspect(iris_numpy, tmp_path):
    from sklearn.tree import DecisionTreeClassifier

    X, y = iris_numpy
    joblib.dump(DecisionTreeClassifier(max_depth=3).fit(X, y), tmp_path / "model.joblib")
    np.save(tmp_path / "sample.npy", X[:10])
    runner = CliRunner()
    artifact = tmp_path / "artifact"

    prepared = runner.invoke(cli, ["prepare", str(tmp_path / "model.joblib"), "--framework", "sklearn",
                                   "--artifact-dir", str(artifact), "--sample", f"@{tmp_path / 'sample.npy'}"])
    assert prepared.exit_code == 0, prepared.output
    assert (artifact / "model.joblib").exists() and (artifact / "input_schema.json").exists()

    verified = runner.invoke(cli, ["verify", str(artifact), "--data", json.dumps(X[[0, 50, 100]].tolist())])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output) == {"prediction": [0, 1, 2]}
    # an ADS envelope (the README's predict form) is sent as it is, not wrapped a second time
    enveloped = runner.invoke(cli, ["verify", str(artifact), "--data", json.dumps({"data": X[[0, 50, 100]].tolist()})])
    assert enveloped.exit_code == 0 and json.loads(enveloped.output) == {"prediction": [0, 1, 2]}, enveloped.output

    introspected = runner.invoke(cli, ["introspect", str(artifact), "--json"])
    assert introspected.exit_code == 0, introspected.output
    assert json.loads(introspected.output)["model_file"]["success"] is True

    again = runner.invoke(cli, ["prepare", str(tmp_path / "model.joblib"), "-f", "sklearn", "-d", str(artifact)])
    assert again.exit_code == 1 and "does not overwrite" in again.output and "--force" in again.output


def test_introspect_exits_1_on_a_defect(fixture_artifact):
    result = CliRunner().invoke(cli, ["introspect", str(fixture_artifact("wrong_runtime_version"))])
    assert result.exit_code == 1
    assert "runtime_version" in result.output and "Failed" in result.output


def test_verify_prints_the_users_traceback(fixture_artifact):
    artifact = fixture_artifact("valid")
    result = CliRunner().invoke(cli, ["verify", str(artifact), "--data", '"not rows"'])
    assert result.exit_code == 1
    assert 'score.py", line' in result.output and "Error: score.py failed during predict" in result.output
