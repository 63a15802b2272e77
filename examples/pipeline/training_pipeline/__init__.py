"""A training-and-registration pipeline: training rows from a CSV in S3, a scikit-learn model fit on
them, its artifact prepared with Dockyard's toolkit, saved to the OCI Data Science model catalog and
deployed. The same code runs against OCI (a cloud profile) and offline (Dockyard's emulator, or
``mock_datascience()`` beside moto's ``mock_aws()``): see ``tests/``."""
from training_pipeline.data import read_training_rows
from training_pipeline.pipeline import run
from training_pipeline.registration import deploy, package
from training_pipeline.training import FEATURES, TARGET, train

__all__ = ["FEATURES", "TARGET", "deploy", "package", "read_training_rows", "run", "train"]
