"""CancelWorkRequest through the real SDK: 202 for an ACCEPTED or IN_PROGRESS work request whose
operation can be stopped (CANCELED, with timeFinished and a log line, and the operation's late success
does not overwrite it); 409 IncorrectState for a finished one or one of an operation that runs to its
end; 404 for an unknown one. The work requests are the emulator's own (emulator.data_science.work_requests),
made through its store because no operation it serves today stops half-way (README)."""
from __future__ import annotations

import oci
import pytest

from emulator.data_science import work_request_cancel, work_requests


@pytest.fixture
def running(start_emulator):
    return start_emulator()


@pytest.fixture
def sdk(running, clients_for):
    return clients_for(running).ds


def _accepted(running, compartment: str, cancelable: bool = True) -> str:
    db = running.state.db
    record = work_requests.create(db, "MODEL_DEPLOYMENT_CREATE", compartment,
                                  [work_requests.resource("modelDeployment", "ocid1.datasciencemodeldeployment.oc1.iad.x",
                                                          "CREATED")])
    if cancelable:
        work_request_cancel.mark_cancelable(db, record["id"])
    return record["id"]


@pytest.mark.parametrize("started", [False, True], ids=["accepted", "in progress"])
def test_a_cancelable_unfinished_work_request_is_canceled(running, sdk, compartment, started):
    wr_id = _accepted(running, compartment)
    if started:
        work_requests.start(running.state.db, wr_id, "working")
    response = sdk.cancel_work_request(wr_id)
    assert response.status == 202
    canceled = sdk.get_work_request(wr_id).data
    assert canceled.status == "CANCELED" and canceled.time_finished is not None
    assert "Work request canceled" in [log.message for log in sdk.list_work_request_logs(wr_id).data]

    work_requests.succeed(running.state.db, wr_id, "the operation finished anyway")  # honoured: stays canceled
    assert sdk.get_work_request(wr_id).data.status == "CANCELED"


def test_a_work_request_that_cannot_be_stopped_is_409(running, sdk, compartment, service_error):
    wr_id = _accepted(running, compartment, cancelable=False)
    error = service_error(lambda: sdk.cancel_work_request(wr_id))
    assert (error.status, error.code) == (409, "IncorrectState") and "cannot be canceled" in error.message
    assert sdk.get_work_request(wr_id).data.status == "ACCEPTED"


def test_a_finished_work_request_is_409(sdk, compartment, service_error):
    project = sdk.create_project(oci.data_science.models.CreateProjectDetails(compartment_id=compartment)).data
    wr_id = sdk.delete_project(project.id).headers["opc-work-request-id"]
    assert sdk.get_work_request(wr_id).data.status == "SUCCEEDED"
    error = service_error(lambda: sdk.cancel_work_request(wr_id))
    assert (error.status, error.code) == (409, "IncorrectState")
    assert sdk.get_work_request(wr_id).data.status == "SUCCEEDED"


def test_an_unknown_work_request_is_404(sdk, service_error):
    error = service_error(lambda: sdk.cancel_work_request("ocid1.datascienceworkrequest.oc1.iad.aaaaaaaaunknown"))
    assert (error.status, error.code) == (404, "NotAuthorizedOrNotFound")
