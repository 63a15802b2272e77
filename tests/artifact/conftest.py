"""Fixtures for artifact tests: small offline data sets and a copy of the defect fixtures."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "artifacts"


@pytest.fixture(scope="session")
def iris():
    """(X DataFrame, y Series) of iris: 150 rows, 4 features, 3 classes, shipped with scikit-learn."""
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True, as_frame=True)


@pytest.fixture(scope="session")
def iris_numpy(iris):
    X, y = iris
    return X.to_numpy(), y.to_numpy()


@pytest.fixture(scope="session")
def breast_cancer():
    """A binary classification set (569 rows, 30 features), shipped with scikit-learn."""
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


@pytest.fixture
def fixture_artifact(tmp_path):
    """Copy of ``fixtures/artifacts/<name>`` (introspection writes into the directory it checks)."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return copy


def round_trip(model, data, tmp_path: Path):
    """prepare()d model -> verify -> from_model_artifact (dir and zip) -> verify: all predictions."""
    from toolkit import GenericModel
    from toolkit.artifact.archive import zip_artifact

    first = model.verify(data)
    from_dir = GenericModel.from_model_artifact(model.artifact_dir)
    archive = zip_artifact(Path(model.artifact_dir), tmp_path / "artifact.zip").path
    from_zip = type(model).from_model_artifact(str(archive), artifact_dir=str(tmp_path / "unzipped"))
    return first, from_dir, from_zip
