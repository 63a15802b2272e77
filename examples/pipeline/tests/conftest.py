"""Fixtures of the example's suite. Dockyard's plugin (installed with Dockyard, entry point ``pytest11``)
gives ``dockyard_emulator``, ``clean_catalog``, ``ds_client``, ``oci_config`` and ``deployed_model``;
moto gives S3."""
from __future__ import annotations

from typing import Callable

import boto3
import pytest

BUCKET = "training-data"
KEY = "sales/rows.csv"


@pytest.fixture(scope="session")
def dockyard_emulator_config():
    return {"runtime": "process"}  # deployments as local processes: no Docker engine needed


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch):
    """Fake AWS credentials, as moto's docs advise: a client made before ``mock_aws()`` starts (a fixture's)
    signs with them, and nothing can reach a real account."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def s3(aws_credentials):
    """A boto3 S3 client; inside ``mock_aws()`` moto answers it."""
    return boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def upload_rows(s3) -> Callable[[float], tuple[str, str]]:
    """``upload_rows(slope)``: a CSV of rows on ``y = slope * x + 1`` in a fresh bucket of the S3 that
    answers now (moto's, inside ``mock_aws()``); returns its bucket and key."""
    def upload(slope: float) -> tuple[str, str]:
        s3.create_bucket(Bucket=BUCKET)
        rows = "\n".join(f"{x},{slope * x + 1}" for x in range(8))
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=f"x,y\n{rows}\n".encode())
        return BUCKET, KEY

    return upload
