"""Item 8 of issue 21: every model, project and work-request operation of the installed ``oci`` SDK's
DataScienceClient is routed by the emulator (the list comes from the SDK, tests/emulator/sdk_operations.py),
and each served operation, called through the SDK with valid input, answers something that deserialises
into the SDK's model with every field OCI marks mandatory filled (tests/emulator/data/oci_mandatory_fields.json,
taken from the OCI Go SDK's ``mandatory:"true"`` tags; each entry names its source)."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from werkzeug.exceptions import MethodNotAllowed, NotFound

from emulator.app import create_app
from emulator.config import EmulatorConfig
from tests.emulator.sdk_operations import Operation, sdk_operations

MANDATORY = json.loads((Path(__file__).parent / "data" / "oci_mandatory_fields.json").read_text())["models"]

def _routed(operations: list[Operation]) -> tuple[list[Operation], list[Operation]]:
    with tempfile.TemporaryDirectory() as home:
        app = create_app(EmulatorConfig(home=home))
        adapter = app.url_map.bind("localhost")
        served, missing = [], []
        for operation in operations:
            try:
                adapter.match(operation.path(), method=operation.method)
                served.append(operation)
            except (NotFound, MethodNotAllowed):
                missing.append(operation)
        app.extensions["dockyard"].run_shutdown()
    return served, missing


def test_every_sdk_operation_on_models_projects_and_work_requests_is_routed(capsys):
    operations = sdk_operations()
    served, missing = _routed(operations)
    with capsys.disabled():  # the figure is printed whatever -q/-s say
        print(f"\nDataScienceClient operation coverage: {len(served)}/{len(operations)} routed")
    assert not missing, f"operations of the oci SDK the emulator does not route: {sorted(o.name for o in missing)}"


def test_the_operation_list_comes_from_the_sdk():
    """The derivation finds what the SDK has: its methods, their verbs and paths."""
    by_name = {o.name: o for o in sdk_operations()}
    assert len(by_name) >= 79
    assert (by_name["cancel_work_request"].method, by_name["cancel_work_request"].resource_path) == (
        "DELETE", "/workRequests/{workRequestId}")
    assert by_name["list_model_deployment_shapes"].response_type == "ModelDeploymentShapeSummary"
    assert by_name["list_model_deployment_shapes"].is_list
    assert all(o.response_type is None or o.response_type in MANDATORY for o in by_name.values()), \
        "tests/emulator/data/oci_mandatory_fields.json lacks a response model: regenerate it"
