"""Notebook sessions through the real SDK: create (a work request), get, list; what ADS reads of a
session (shape, shape config, subnet) in either configuration field; 404 for an unknown OCID."""
from __future__ import annotations

import oci
import pytest

M = oci.data_science.models
SUBNET = "ocid1.subnet.oc1.iad.aaaaaaaanotebooksubnet"


def _create(ds, compartment, project, **fields):
    configuration = M.NotebookSessionConfigurationDetails(
        shape="VM.Standard.E4.Flex", subnet_id=SUBNET, block_storage_size_in_gbs=100,
        notebook_session_shape_config_details=M.NotebookSessionShapeConfigDetails(ocpus=2.0, memory_in_gbs=32.0))
    details = M.CreateNotebookSessionDetails(compartment_id=compartment, project_id=project.id,
                                             **({"notebook_session_configuration_details": configuration} | fields))
    return ds.create_notebook_session(details)


def test_a_created_session_is_active_and_answers_with_its_shape_and_subnet(ds, compartment, project):
    created = _create(ds, compartment, project, display_name="nb")
    session = created.data
    assert session.id.startswith("ocid1.datasciencenotebooksession.oc1.iad.")
    assert session.lifecycle_state == "ACTIVE" and created.headers["etag"]
    work_request = ds.get_work_request(created.headers["opc-work-request-id"]).data
    assert (work_request.operation_type, work_request.status) == ("NOTEBOOK_SESSION_CREATE", "SUCCEEDED")
    assert work_request.resources[0].identifier == session.id

    fetched = ds.get_notebook_session(session.id).data
    assert (fetched.display_name, fetched.project_id, fetched.compartment_id) == ("nb", project.id, compartment)
    assert fetched.notebook_session_url and fetched.created_by and fetched.time_created
    for config in (fetched.notebook_session_configuration_details, fetched.notebook_session_config_details):
        assert (config.shape, config.subnet_id, config.block_storage_size_in_gbs) == ("VM.Standard.E4.Flex", SUBNET, 100)
        shape = config.notebook_session_shape_config_details
        assert (shape.ocpus, shape.memory_in_gbs) == (2.0, 32.0)


def test_the_newer_config_field_needs_no_subnet(ds, compartment, project):
    config = M.NotebookSessionConfigDetails(shape="VM.Standard.E4.Flex")
    session = _create(ds, compartment, project, notebook_session_configuration_details=None,
                      notebook_session_config_details=config).data
    fetched = ds.get_notebook_session(session.id).data
    assert fetched.notebook_session_configuration_details.shape == "VM.Standard.E4.Flex"
    assert fetched.notebook_session_config_details.subnet_id is None


def test_list_filters_by_project_and_name(ds, compartment, project):
    for name in ("b", "a"):
        _create(ds, compartment, project, display_name=name)
    names = [s.display_name for s in ds.list_notebook_sessions(compartment, sort_by="displayName",
                                                                sort_order="ASC").data]
    assert names == ["a", "b"]
    only = ds.list_notebook_sessions(compartment, project_id=project.id, display_name="b", lifecycle_state="ACTIVE")
    assert [s.display_name for s in only.data] == ["b"]
    assert only.data[0].notebook_session_config_details.shape == "VM.Standard.E4.Flex"


def test_an_unknown_session_is_not_found(ds, service_error):
    error = service_error(lambda: ds.get_notebook_session("ocid1.datasciencenotebooksession.oc1.iad.aaaanothere"))
    assert (error.status, error.code) == (404, "NotAuthorizedOrNotFound")


@pytest.mark.parametrize("configuration", [
    None,
    M.NotebookSessionConfigurationDetails(shape="VM.Standard.E4.Flex"),  # this field needs a subnet
    M.NotebookSessionConfigurationDetails(shape="VM.Standard.E4.Flex", subnet_id="not-an-ocid"),
    M.NotebookSessionConfigurationDetails(shape="VM.Standard.E4.Flex", subnet_id=SUBNET, block_storage_size_in_gbs=10),
], ids=["none", "no subnet", "bad subnet", "too small"])
def test_a_bad_configuration_is_invalid(ds, compartment, project, service_error, configuration):
    error = service_error(lambda: _create(ds, compartment, project, notebook_session_configuration_details=configuration))
    assert (error.status, error.code) == (400, "InvalidParameter")


def test_a_session_needs_a_project_that_exists(ds, compartment, project, service_error):
    project.id = "ocid1.datascienceproject.oc1.iad.aaaanothere"
    error = service_error(lambda: _create(ds, compartment, project))
    assert (error.status, error.code) == (404, "NotAuthorizedOrNotFound")


def test_a_retried_create_returns_the_first_session(ds, compartment, project):
    first = _create(ds, compartment, project, display_name="once")
    details = M.CreateNotebookSessionDetails(
        compartment_id=compartment, project_id=project.id, display_name="once",
        notebook_session_configuration_details=M.NotebookSessionConfigurationDetails(shape="VM.Standard.E4.Flex",
                                                                                     subnet_id=SUBNET))
    a = ds.create_notebook_session(details, opc_retry_token="token-1")
    b = ds.create_notebook_session(details, opc_retry_token="token-1")
    assert a.data.id == b.data.id != first.data.id
    assert a.headers["opc-work-request-id"] == b.headers["opc-work-request-id"]
