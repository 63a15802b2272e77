"""XGBoostModel: JSON model file for the sklearn API and for a Booster; identical round trips."""
from __future__ import annotations

import pytest

from tests.artifact.conftest import round_trip
from toolkit import XGBoostModel


@pytest.mark.slow  # trains, then verify() imports xgboost in three fresh Pythons: 5 s and more on 2 cores
def test_classifier_round_trip(xgboost, iris_numpy, tmp_path):
    X, y = iris_numpy
    model = XGBoostModel(xgboost.XGBClassifier(n_estimators=8, max_depth=2).fit(X, y), artifact_dir=str(tmp_path / "a"))
    model.prepare(X_sample=X[:20])
    assert (tmp_path / "a" / "model.json").exists()
    assert model.metadata_taxonomy["Framework"].value == "xgboost"
    assert model.metadata_taxonomy["Algorithm"].value == "XGBClassifier"
    first, from_dir, from_zip = round_trip(model, X[:10], tmp_path)
    assert first["prediction"] == model.estimator.predict(X[:10]).tolist()
    assert type(from_dir.estimator) is xgboost.XGBClassifier
    assert from_dir.verify(X[:10]) == first == from_zip.verify(X[:10])


@pytest.mark.slow  # trains, then verify() imports xgboost in three fresh Pythons: 5 s and more on 2 cores
def test_booster_round_trip(xgboost, breast_cancer, tmp_path):
    X, y = breast_cancer
    booster = xgboost.train({"objective": "binary:logistic", "max_depth": 2}, xgboost.DMatrix(X, label=y), 5)
    model = XGBoostModel(booster, artifact_dir=str(tmp_path / "a"))
    model.prepare(X_sample=X[:20])
    first, from_dir, from_zip = round_trip(model, X[:5], tmp_path)
    assert first["prediction"] == pytest.approx(booster.predict(xgboost.DMatrix(X[:5])).tolist())
    assert from_dir.verify(X[:5]) == first == from_zip.verify(X[:5])
    assert from_dir.introspect().passed
