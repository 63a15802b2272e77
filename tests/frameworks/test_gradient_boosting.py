"""XGBoostModel and LightGBMModel deployed as a user would: prepare -> verify -> save -> deploy
(Docker) -> predict -> delete, the deployment answering what the model in memory predicts. The
artifacts' own round trips (Boosters, zips, from_model_artifact) are tests/artifact/test_xgboost.py's
and test_lightgbm.py's."""
from __future__ import annotations

import pytest

from fixtures import frameworks
from tests.frameworks.conftest import IMAGE_BUILD_TIMEOUT, deployed_answer, saved_in_catalog
from toolkit import LightGBMModel, XGBoostModel


@pytest.fixture(scope="module", autouse=True)
def _installed(xgboost, lightgbm):
    """The dev extras install both: a missing one fails these tests instead of skipping them
    (imported when a test of this module runs, not at collection: tests/conftest.py)."""


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.timeout(IMAGE_BUILD_TIMEOUT)
@pytest.mark.parametrize("model_class, train", [(XGBoostModel, frameworks.xgboost_classifier),
                                                (LightGBMModel, frameworks.lightgbm_classifier)],
                         ids=["xgboost", "lightgbm"])
def test_deployed_in_docker_predicts_what_the_model_predicts(emulator, iris_features, tmp_path, model_class, train):
    X, y = iris_features
    classifier = train(X, y)
    rows = X[[0, 60, 120, 75]]

    def prepared():
        return model_class(classifier, artifact_dir=str(tmp_path / "artifact")).prepare(X_sample=X[:20])

    model, verified = saved_in_catalog(emulator, prepared, rows)
    expected = classifier.predict(rows).tolist()
    assert verified["prediction"] == expected
    assert deployed_answer(model, "docker", rows)["prediction"] == expected
