"""From a fitted estimator to a catalog model and a deployment, through Dockyard's ADS-style toolkit."""
from __future__ import annotations

import pandas as pd
from sklearn.base import BaseEstimator

from toolkit import SklearnModel
from training_pipeline.training import FEATURES, TARGET


def package(estimator: BaseEstimator, rows: pd.DataFrame, artifact_dir: str) -> SklearnModel:
    """The estimator wrapped and its artifact prepared (score.py, runtime.yaml, schemas from a sample)."""
    model = SklearnModel(estimator, artifact_dir=artifact_dir)
    sample = rows.head(5)
    model.prepare(X_sample=sample[FEATURES].to_numpy(), y_sample=sample[TARGET].to_numpy(), force_overwrite=True)
    return model


def deploy(model: SklearnModel, display_name: str) -> SklearnModel:
    """Saved to the catalog and deployed under ``display_name``; ``model.predict`` then calls the deployment."""
    model.save(display_name=display_name)
    model.deploy(display_name=display_name)
    return model
