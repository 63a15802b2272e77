"""Deployment shapes and the models a deployment serves, through the real SDK: ListModelDeploymentShapes
answers exactly the shapes the create/update validation accepts (one list, emulator/contracts/
deployment_shapes.py), an unknown instanceShapeName is 400 on create and on update, and
ListModelDeploymentModelStates honours each of its filters."""
from __future__ import annotations

import io
import time
import zipfile

import oci
import pytest

from emulator.contracts import deployment_shapes

M = oci.data_science.models
UNKNOWN_SHAPE = "VM.Standard.Imaginary.Flex"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("score.py", "def load_model():\n    return None\n\ndef predict(data, model=None):\n    return {}\n")
    return buffer.getvalue()


def _details(compartment: str, project_id: str, model_id: str, shape: str) -> M.CreateModelDeploymentDetails:
    return M.CreateModelDeploymentDetails(
        compartment_id=compartment, project_id=project_id, display_name="shapes",
        freeform_tags={"dockyard-runtime": "process"},
        model_deployment_configuration_details=M.SingleModelDeploymentConfigurationDetails(
            model_configuration_details=M.ModelConfigurationDetails(
                model_id=model_id, instance_configuration=M.InstanceConfiguration(instance_shape_name=shape))))


@pytest.fixture
def served(ds, compartment, project) -> tuple[M.Model, M.ModelDeployment]:
    """An ACTIVE process-runtime deployment of one model."""
    model = ds.create_model(M.CreateModelDetails(compartment_id=compartment, project_id=project.id,
                                                 display_name="served")).data
    ds.create_model_artifact(model.id, _zip())
    deployment = ds.create_model_deployment(_details(compartment, project.id, model.id, "VM.Standard.E4.Flex")).data
    deadline = time.monotonic() + 120
    while (state := ds.get_model_deployment(deployment.id).data.lifecycle_state) == "CREATING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert state == "ACTIVE"
    return model, deployment


def test_the_listed_shapes_are_the_ones_the_validation_accepts(ds, compartment):
    listed = ds.list_model_deployment_shapes(compartment).data
    assert [s.name for s in listed] == list(deployment_shapes.SHAPE_NAMES)
    assert all(deployment_shapes.is_accepted(s.name) and s.core_count and s.memory_in_gbs for s in listed)
    assert not deployment_shapes.is_accepted(UNKNOWN_SHAPE)


def test_an_unknown_shape_is_400_on_create(ds, compartment, project, make_model, service_error):
    model = make_model()
    error = service_error(lambda: ds.create_model_deployment(_details(compartment, project.id, model.id, UNKNOWN_SHAPE)))
    assert (error.status, error.code) == (400, "InvalidParameter") and UNKNOWN_SHAPE in error.message


def test_an_unknown_shape_is_400_on_update(ds, served, service_error):
    model, deployment = served
    update = M.UpdateModelDeploymentDetails(
        model_deployment_configuration_details=M.UpdateSingleModelDeploymentConfigurationDetails(
            model_configuration_details=M.UpdateModelConfigurationDetails(
                model_id=model.id, instance_configuration=M.InstanceConfiguration(instance_shape_name=UNKNOWN_SHAPE))))
    error = service_error(lambda: ds.update_model_deployment(deployment.id, update))
    assert (error.status, error.code) == (400, "InvalidParameter") and UNKNOWN_SHAPE in error.message
    assert ds.get_model_deployment(deployment.id).data.lifecycle_state == "ACTIVE"


def test_model_states_honour_every_filter(ds, compartment, project, served):
    model, deployment = served

    def states(**filters) -> list[tuple[str, str]]:
        found = ds.list_model_deployment_model_states(deployment.id, compartment, **filters).data
        return [(s.model_id, s.state) for s in found]

    everything = [(model.id, "SUCCESS")]
    assert states() == everything
    for name, match, miss in (("display_name", "served", "other"), ("model_id", model.id, project.id),
                              ("project_id", project.id, model.id), ("inference_key", "served", "other")):
        assert states(**{name: match}) == everything, name
        assert states(**{name: miss}) == [], name
    assert ds.list_model_deployment_model_states(deployment.id, "ocid1.compartment.oc1..aaaaother").data == []
