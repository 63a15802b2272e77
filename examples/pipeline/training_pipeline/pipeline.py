"""The whole pipeline in one call: read, train, package, register and deploy."""
from __future__ import annotations

from typing import Any

from toolkit import SklearnModel
from training_pipeline.data import read_training_rows
from training_pipeline.registration import deploy, package
from training_pipeline.training import train


def run(bucket: str, key: str, artifact_dir: str, display_name: str, s3: Any = None) -> SklearnModel:
    """Train on ``s3://bucket/key`` and return the deployed model."""
    rows = read_training_rows(bucket, key, s3)
    return deploy(package(train(rows), rows, artifact_dir), display_name)
