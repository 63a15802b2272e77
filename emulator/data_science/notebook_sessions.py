"""Notebook sessions: the record of a session (shape, networking, project), without a machine behind it.

On a laptop the notebook runs in the user's own Jupyter; the record is what code written for an OCI
notebook session reads about itself (``get_notebook_session(NB_SESSION_OCID)``: ADS takes its shape
and subnet as defaults for jobs and deployments) and the resource that holds its resource principal
(``emulator.auth.session_tokens``). A session is ACTIVE as soon as it is created.
"""
from __future__ import annotations

from typing import Any

from emulator.contracts.states import NOTEBOOK_SESSION_ACTIVE, NOTEBOOK_SESSION_STATES
from emulator.data_science import records, work_requests
from emulator.data_science.errors import notebook_session_not_found
from emulator.errors import invalid
from emulator.ocid import is_valid_ocid, new_ocid
from emulator.state import EmulatorState
from emulator.store import Database, kinds
from emulator.wire import now

KIND = kinds.NOTEBOOK_SESSION
RESOURCE_TYPE = "datasciencenotebooksession"  # the OCID's type segment (and the RPST's res_type)
# Both spellings of the configuration: the older ``notebookSessionConfigurationDetails`` (subnet
# required) and ``notebookSessionConfigDetails``; a session answers with both, as ADS reads either.
CONFIGURATION = "notebookSessionConfigurationDetails"
CONFIG = "notebookSessionConfigDetails"
SHAPE_CONFIG = "notebookSessionShapeConfigDetails"
SUMMARY = ("id", "timeCreated", "displayName", "projectId", "createdBy", "compartmentId", CONFIGURATION, CONFIG,
           "notebookSessionUrl", "lifecycleState", "freeformTags", "definedTags")
STATES = NOTEBOOK_SESSION_STATES


def create(state: EmulatorState, body: dict[str, Any], created_by: str, url: str) -> dict[str, Any]:
    """A new ACTIVE session in a live project, with its finished NOTEBOOK_SESSION_CREATE work request
    (its id kept as the record's private ``_workRequestId``), in one transaction.

    ``url`` is the session's ``notebookSessionUrl`` (the emulator's console: the notebook itself runs
    wherever its user started Jupyter)."""
    from emulator.data_science import projects

    configuration = configuration_of(body)
    db = state.db
    with db.transaction():
        projects.get(db, body["projectId"])
        time = now()
        session_id = new_ocid(RESOURCE_TYPE, state.config.region)
        resource = work_requests.resource(RESOURCE_TYPE, session_id, "CREATED", f"/notebookSessions/{session_id}")
        done = work_requests.completed(db, "NOTEBOOK_SESSION_CREATE", body["compartmentId"], [resource],
                                       f"Created notebook session {session_id}", state.config.region)
        record = {
            "id": session_id,
            "timeCreated": time,
            "displayName": body.get("displayName") or f"notebooksession{time[:19].replace(':', '')}",
            "projectId": body["projectId"],
            "createdBy": created_by,
            "compartmentId": body["compartmentId"],
            CONFIGURATION: configuration,
            CONFIG: configuration,
            "notebookSessionRuntimeConfigDetails": body.get("notebookSessionRuntimeConfigDetails"),
            "notebookSessionStorageMountConfigurationDetailsList": [],
            "notebookSessionUrl": url,
            "lifecycleState": NOTEBOOK_SESSION_ACTIVE,
            "lifecycleDetails": None,
            "freeformTags": body.get("freeformTags") or {},
            "definedTags": body.get("definedTags") or {},
            "_workRequestId": done["id"],
        }
        return records.insert(db, KIND, record)


def configuration_of(body: dict[str, Any]) -> dict[str, Any]:
    """The session's configuration from either field of a create body; 400 when neither is usable."""
    given = body.get(CONFIG) if body.get(CONFIG) is not None else body.get(CONFIGURATION)
    field = CONFIG if body.get(CONFIG) is not None else CONFIGURATION
    if not isinstance(given, dict):
        raise invalid(f"{CONFIG} (or {CONFIGURATION}) is required: an object with the session's shape.")
    shape = given.get("shape")
    if not isinstance(shape, str) or not 1 <= len(shape) <= 255:
        raise invalid(f"{field}.shape is required: a shape name such as VM.Standard.E4.Flex.")
    if field == CONFIGURATION and given.get("subnetId") is None:
        raise invalid(f"{CONFIGURATION}.subnetId is required (or give {CONFIG}, whose subnet is optional).")
    for name in ("subnetId", "privateEndpointId", "capacityReservationId"):
        if given.get(name) is not None and not is_valid_ocid(given[name]):
            raise invalid(f"{field}.{name} is not a valid OCID: {given[name]!r}.")
    size = given.get("blockStorageSizeInGBs")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or not 50 <= size <= 10240):
        raise invalid(f"{field}.blockStorageSizeInGBs must be an integer from 50 to 10240.")
    return {
        "shape": shape,
        "blockStorageSizeInGBs": size,
        "subnetId": given.get("subnetId"),
        "privateEndpointId": given.get("privateEndpointId"),
        "capacityReservationId": given.get("capacityReservationId"),
        SHAPE_CONFIG: _shape_config(given.get(SHAPE_CONFIG), field),
    }


def _shape_config(value: Any, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid(f"{field}.{SHAPE_CONFIG} must be an object (ocpus, memoryInGBs).")
    for name in ("ocpus", "memoryInGBs"):
        number = value.get(name)
        if number is not None and (not isinstance(number, (int, float)) or isinstance(number, bool) or number <= 0):
            raise invalid(f"{field}.{SHAPE_CONFIG}.{name} must be a positive number.")
    baseline = value.get("cpuBaseline")
    if baseline is not None and not isinstance(baseline, str):
        raise invalid(f"{field}.{SHAPE_CONFIG}.cpuBaseline must be a string such as BASELINE_1_1.")
    return {"ocpus": value.get("ocpus"), "memoryInGBs": value.get("memoryInGBs"), "cpuBaseline": baseline}


def read(db: Database, session_id: str) -> dict[str, Any]:
    """The session as GET answers it; 404 for an id no session has."""
    return records.load(db, KIND, session_id, notebook_session_not_found)


def find(db: Database, session_id: str) -> dict[str, Any] | None:
    """The session, or None (what the resource-principal check asks)."""
    return db.get(KIND, session_id)


def summary(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record.get(k) for k in SUMMARY}
