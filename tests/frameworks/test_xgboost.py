"""XGBoostModel deployed as a user would: prepare -> verify -> save -> deploy (Docker) -> predict ->
delete, the deployment answering what the model in memory predicts. The artifact's own round trips
(Booster, zip, from_model_artifact) are tests/artifact/test_xgboost.py's."""
from __future__ import annotations

import pytest
import xgboost  # noqa: F401 - the dev extras install it: a missing one fails CI instead of skipping

from fixtures import frameworks
from tests.frameworks.conftest import IMAGE_BUILD_TIMEOUT, deployed_answer, saved_in_catalog
from toolkit import XGBoostModel


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.timeout(IMAGE_BUILD_TIMEOUT)
def test_deployed_in_docker_predicts_what_the_model_predicts(emulator, iris_features, tmp_path):
    X, y = iris_features
    classifier = frameworks.xgboost_classifier(X, y)
    rows = X[[0, 60, 120, 75]]

    def prepared() -> XGBoostModel:
        return XGBoostModel(classifier, artifact_dir=str(tmp_path / "artifact")).prepare(X_sample=X[:20])

    model, verified = saved_in_catalog(emulator, prepared, rows)
    expected = classifier.predict(rows).tolist()
    assert verified["prediction"] == expected
    assert deployed_answer(model, "docker", rows)["prediction"] == expected
