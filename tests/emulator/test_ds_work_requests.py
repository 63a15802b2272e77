"""Work requests: get, list, logs and errors, as clients (and ADS's waiters) read them."""
from __future__ import annotations

import oci

from emulator.data_science import work_requests

M = oci.data_science.models


def test_module_api_drives_what_clients_see(ds, emulator, compartment):
    db = emulator.state.db
    target = "ocid1.datasciencemodeldeployment.oc1.iad.example"
    record = work_requests.create(db, "MODEL_DEPLOYMENT_CREATE", compartment,
                                  [work_requests.resource("modelDeployment", target, "CREATED")])
    assert ds.get_work_request(record["id"]).data.status == "ACCEPTED"
    work_requests.start(db, record["id"], "pulling image")
    work_requests.progress(db, record["id"], 50, "starting container")
    seen = ds.get_work_request(record["id"]).data
    assert (seen.status, seen.percent_complete) == ("IN_PROGRESS", 50.0)
    work_requests.succeed(db, record["id"], "ready")
    done = ds.get_work_request(record["id"]).data
    assert (done.status, done.percent_complete) == ("SUCCEEDED", 100.0)
    assert done.time_started and done.time_finished and done.resources[0].identifier == target
    logs = [entry.message for entry in ds.list_work_request_logs(record["id"]).data]
    assert logs == ["pulling image", "starting container", "ready"]
    assert ds.list_work_request_errors(record["id"]).data == []


def test_failed_work_request_lists_its_error(ds, emulator, compartment):
    db = emulator.state.db
    record = work_requests.create(db, "MODEL_DEPLOYMENT_CREATE", compartment, [])
    work_requests.fail(db, record["id"], "ImagePullFailed", "no such image")
    assert ds.get_work_request(record["id"]).data.status == "FAILED"
    errors = ds.list_work_request_errors(record["id"]).data
    assert [(e.code, e.message) for e in errors] == [("ImagePullFailed", "no such image")]


def test_list_work_requests_by_compartment_and_filters(ds, emulator, compartment):
    db = emulator.state.db
    first = work_requests.completed(db, "EXPORT_MODEL_ARTIFACT", compartment, [], "done")
    second = work_requests.create(db, "MODEL_DEPLOYMENT_DELETE", compartment, [])
    listed = [w.id for w in ds.list_work_requests(compartment).data]
    assert listed == [second["id"], first["id"]]
    assert [w.id for w in ds.list_work_requests(compartment, status="SUCCEEDED").data] == [first["id"]]
    assert [w.id for w in ds.list_work_requests(compartment, operation_type="MODEL_DEPLOYMENT_DELETE").data] == [second["id"]]


def test_unknown_work_request_is_404(ds, service_error):
    error = service_error(lambda: ds.get_work_request("ocid1.datascienceworkrequest.oc1.iad.unknown"))
    assert (error.status, error.code) == (404, "NotAuthorizedOrNotFound")
