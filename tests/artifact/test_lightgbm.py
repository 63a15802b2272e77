"""LightGBMModel: joblib for the sklearn API, native text for a Booster; identical round trips."""
from __future__ import annotations

import pytest

from tests.artifact.conftest import round_trip
from toolkit import LightGBMModel


def test_sklearn_api_round_trip(lightgbm, iris_numpy, tmp_path):
    X, y = iris_numpy
    estimator = lightgbm.LGBMClassifier(n_estimators=8, num_leaves=4, verbose=-1).fit(X, y)
    model = LightGBMModel(estimator, artifact_dir=str(tmp_path / "a"))
    model.prepare(X_sample=X[:20])
    assert (tmp_path / "a" / "model.joblib").exists()
    assert model.metadata_custom["ModelSerializationFormat"].value == "joblib"
    first, from_dir, from_zip = round_trip(model, X[:10], tmp_path)
    assert first["prediction"] == estimator.predict(X[:10]).tolist()
    assert from_dir.verify(X[:10]) == first == from_zip.verify(X[:10])


def test_booster_round_trip(lightgbm, breast_cancer, tmp_path):
    X, y = breast_cancer
    booster = lightgbm.train({"objective": "binary", "num_leaves": 4, "verbose": -1}, lightgbm.Dataset(X, label=y), 5)
    model = LightGBMModel(booster, artifact_dir=str(tmp_path / "a"))
    model.prepare(X_sample=X[:20])
    assert (tmp_path / "a" / "model.txt").exists()
    assert model.metadata_custom["ModelSerializationFormat"].value == "lightgbm"
    first, from_dir, from_zip = round_trip(model, X[:5], tmp_path)
    assert first["prediction"] == pytest.approx(booster.predict(X[:5]).tolist())
    assert type(from_dir.estimator) is lightgbm.Booster
    assert from_dir.verify(X[:5]) == first == from_zip.verify(X[:5])
