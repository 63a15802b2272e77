"""``mock_datascience()`` and moto's ``mock_aws()`` open at once, in both nesting orders, as context
managers and as decorators: real boto3 calls reach moto, real ``oci`` SDK calls reach the in-process
emulator, plain ``requests`` calls reach whichever of the two owns the host (an S3 presigned URL,
a deployment's predict URL), and anything else is treated as each library documents (moto: "not
implemented" for unknown AWS URLs, the network for the rest; Dockyard: the network)."""
from __future__ import annotations

from contextlib import ExitStack

import boto3
import oci
import pytest
import requests
import responses
from moto import mock_aws
from moto.core import models as moto_models
from requests.adapters import HTTPAdapter

from toolkit import mock_datascience

BUCKET = "training-data"
REAL_SEND = HTTPAdapter.send


def _both_mocks_answer(m: mock_datascience) -> None:
    """One workload touching both clouds: what each side must see."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="rows.csv", Body=b"x,y\n1,2\n")
    ds = oci.data_science.DataScienceClient(m.config, signer=m.signer)  # the default regional endpoint
    project = ds.create_project(oci.data_science.models.CreateProjectDetails(
        compartment_id=m.compartment_id, display_name="beside-moto")).data

    assert s3.get_object(Bucket=BUCKET, Key="rows.csv")["Body"].read() == b"x,y\n1,2\n"
    assert [p.display_name for p in ds.list_projects(m.compartment_id).data] == ["beside-moto"]
    assert ds.get_project(project.id).data.id == project.id

    presigned = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "rows.csv"})
    assert requests.get(presigned, timeout=5).content == b"x,y\n1,2\n"  # plain requests to moto
    assert requests.get(f"{m.url}/_dockyard/health", timeout=5).json()["status"] == "ok"  # to the emulator

    unknown_aws = requests.get("https://no-such-service.amazonaws.com/anything", timeout=5)
    assert unknown_aws.status_code == 400 and "not implemented" in unknown_aws.text  # moto's documented answer
    with pytest.raises(requests.ConnectionError):  # neither owns it: a real (refused) connection
        requests.get("http://127.0.0.1:9/", timeout=1)


def _assert_nothing_left_patched() -> None:
    assert HTTPAdapter.send is REAL_SEND
    assert moto_models.responses_mock._real_send is responses._real_send


@pytest.mark.parametrize("outer", ["mock_aws", "mock_datascience"])
def test_context_managers_nest_either_way(outer):
    with ExitStack() as stack:
        if outer == "mock_aws":
            stack.enter_context(mock_aws())
            m = stack.enter_context(mock_datascience())
        else:
            m = stack.enter_context(mock_datascience())
            stack.enter_context(mock_aws())
        _both_mocks_answer(m)
    _assert_nothing_left_patched()


@mock_aws
@mock_datascience()
def test_decorators_mock_datascience_inside_mock_aws(m):
    _both_mocks_answer(m)


@mock_datascience()
@mock_aws
def test_decorators_mock_aws_inside_mock_datascience(m):
    _both_mocks_answer(m)


def test_decorated_pair_leaves_nothing_patched():
    @mock_datascience()
    @mock_aws
    def workload(m):
        _both_mocks_answer(m)

    workload()
    workload()  # a second call starts from fresh state on both sides
    _assert_nothing_left_patched()


def test_each_mock_keeps_its_own_state_after_the_other_closes():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        with mock_datascience() as m:
            m.data_science_client().list_projects(m.compartment_id)
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
        presigned = s3.generate_presigned_url("list_objects_v2", Params={"Bucket": BUCKET})
        assert requests.get(presigned, timeout=5).status_code == 200
    with mock_datascience() as m:
        with mock_aws():
            pass
        assert requests.get(f"{m.url}/_dockyard/health", timeout=5).status_code == 200
    _assert_nothing_left_patched()
