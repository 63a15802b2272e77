"""Where the training rows come from: a CSV object in S3."""
from __future__ import annotations

import io
from typing import Any

import boto3
import pandas as pd


def read_training_rows(bucket: str, key: str, s3: Any = None) -> pd.DataFrame:
    """The CSV at ``s3://bucket/key`` as a data frame (``s3``: a boto3 S3 client, default one made here)."""
    s3 = s3 or boto3.client("s3")
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return pd.read_csv(io.BytesIO(body))
