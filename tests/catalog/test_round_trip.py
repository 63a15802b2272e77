"""The ADS workflow end to end through the catalog: prepare -> save -> from_model_catalog -> verify
gives the very same predictions (a small sklearn model, the real SklearnModel class)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from toolkit.catalog import model_catalog as mc
from toolkit.catalog.errors import IntrospectionFailedError
from toolkit.cli import cli


@pytest.fixture(scope="module")
def trained():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=300).fit(X, y), X[:10]


def _prepared(tmp_path: Path, trained, with_schema: bool = True):
    from toolkit import SklearnModel

    estimator, X = trained
    model = SklearnModel(estimator=estimator, artifact_dir=str(tmp_path / "artifact"))
    model.prepare(inference_python_version="3.11", X_sample=X if with_schema else None, force_overwrite=True,
                  ignore_conda_error=True)
    return model, X


def test_save_then_from_model_catalog_verifies_with_identical_predictions(tmp_path: Path, project_id: str, trained) -> None:
    from toolkit import GenericModel, SklearnModel

    model, X = _prepared(tmp_path, trained)
    expected = model.verify(X)["prediction"]
    model_id = model.save(display_name="iris-lr", project_id=project_id)
    assert model.model_id == model_id

    loaded = SklearnModel.from_model_catalog(model_id, artifact_dir=str(tmp_path / "loaded"))
    assert loaded.model_id == model_id
    assert loaded.verify(X)["prediction"] == expected
    np.testing.assert_array_equal(loaded.estimator.predict(X), trained[0].predict(X))
    assert loaded.metadata_taxonomy.get("Framework") == model.metadata_taxonomy.get("Framework")
    assert loaded.schema_input is not None

    by_id = GenericModel.from_id(model_id, artifact_dir=str(tmp_path / "by-id"))
    assert type(by_id).__name__ == "SklearnModel" and by_id.verify(X)["prediction"] == expected


def test_save_refuses_an_artifact_whose_introspection_fails(tmp_path: Path, project_id: str, trained) -> None:
    model, _ = _prepared(tmp_path, trained)
    (Path(model.artifact_dir) / "score.py").write_text("def load_model():\n    return None\n")  # no predict()
    with pytest.raises(IntrospectionFailedError, match="predict"):
        model.save(display_name="broken", project_id=project_id)
    assert model.model_id is None
    assert list(mc.list_models(project_id=project_id)) == []


def test_model_delete_removes_it_from_the_catalog(tmp_path: Path, project_id: str, trained) -> None:
    model, _ = _prepared(tmp_path, trained, with_schema=False)
    model.save(project_id=project_id, ignore_introspection=True)
    model.delete()
    assert [m.lifecycle_state for m in mc.list_models(project_id=project_id, lifecycle_state="ACTIVE")] == []


def test_cli_save_of_a_prepared_artifact_dir(tmp_path: Path, project_id: str, trained) -> None:
    model, _ = _prepared(tmp_path, trained, with_schema=False)
    result = CliRunner().invoke(cli, ["save", model.artifact_dir, "--display-name", "from-cli", "--project-id",
                                      project_id, "--tag", "team=ml"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    record = mc.get_model(result.output.strip())
    assert record.display_name == "from-cli" and record.freeform_tags == {"team": "ml"}
    assert {m.key for m in record.defined_metadata_list} >= {"Framework", "ArtifactTestResults"}
    as_json = CliRunner().invoke(cli, ["save", model.artifact_dir, "--project-id", project_id, "--json",
                                       "--ignore-introspection"], catch_exceptions=False)
    assert json.loads(as_json.output)["lifecycleState"] == "ACTIVE"


def test_cli_save_refuses_failing_introspection_with_exit_1(tmp_path: Path, project_id: str, trained) -> None:
    model, _ = _prepared(tmp_path, trained)
    (Path(model.artifact_dir) / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '2.0'\n")
    result = CliRunner().invoke(cli, ["save", model.artifact_dir, "--project-id", project_id])
    assert result.exit_code == 1 and "introspection" in result.output


@pytest.mark.slow
def test_delete_is_refused_while_a_real_deployment_serves_the_model(tmp_path: Path, project_id: str, trained) -> None:
    from toolkit.catalog.errors import ModelInUseError
    from toolkit.catalog.session import connect

    model, _ = _prepared(tmp_path, trained, with_schema=False)
    model_id = model.save(project_id=project_id)
    deployment = model.deploy(runtime="process", project_id=project_id)
    assert mc.deployments_using(connect(), model_id) == [deployment.model_deployment_id]
    with pytest.raises(ModelInUseError, match=deployment.model_deployment_id):
        model.delete()
    assert mc.get_model(model_id).lifecycle_state == "ACTIVE"
    model.delete(delete_associated_model_deployment=True)
    assert mc.deployments_using(connect(), model_id) == []
