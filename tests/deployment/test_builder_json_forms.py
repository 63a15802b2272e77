"""ADS's JSON and string forms of the deployment builders (to_json, from_json, from_string): the same
document as to_dict, so a spec written as JSON by ADS reads back here and the other way round."""
from __future__ import annotations

import json

import pytest

from toolkit import ModelDeployment, ModelDeploymentContainerRuntime, ModelDeploymentInfrastructure
from toolkit.deployment.spec import SpecError


def _deployment() -> ModelDeployment:
    infrastructure = ModelDeploymentInfrastructure().with_shape_name("VM.Standard.E4.Flex").with_replica(2)
    runtime = ModelDeploymentContainerRuntime().with_image("iad.ocir.io/ns/app:1").with_server_port(8080)
    return ModelDeployment().with_display_name("json").with_infrastructure(infrastructure).with_runtime(runtime)


def test_a_deployment_round_trips_through_json_and_from_string():
    deployment = _deployment()
    text = deployment.to_json()
    assert json.loads(text) == deployment.to_dict()
    assert ModelDeployment.from_json(text).to_dict() == deployment.to_dict()
    assert ModelDeployment.from_string(text).to_dict() == deployment.to_dict()  # JSON is YAML
    assert ModelDeployment.from_string(deployment.to_yaml()).to_dict() == deployment.to_dict()


def test_builders_write_and_read_json_files(tmp_path):
    infrastructure = ModelDeploymentInfrastructure().with_replica(3)
    path = tmp_path / "infrastructure.json"
    assert infrastructure.to_json(uri=str(path)) is None
    assert ModelDeploymentInfrastructure.from_json(uri=str(path)).replica == 3
    with pytest.raises(FileExistsError):
        infrastructure.to_json(uri=str(path), overwrite=False)
    with pytest.raises(SpecError, match="exactly one"):
        ModelDeploymentInfrastructure.from_json()
