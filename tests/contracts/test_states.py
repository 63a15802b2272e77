"""The lifecycle and work-request states Dockyard writes out (``emulator/contracts/states.py``) are the
``oci`` SDK's own: each tuple equals the SDK model's enum, values and order, and each named state is
one of them. The contract spells them out so the CLI need not load the SDK; this keeps it honest."""
from __future__ import annotations

import pytest
from oci.data_science import models

from emulator.contracts import states

ENUMS = [
    (states.DEPLOYMENT_STATES, models.ModelDeployment, "LIFECYCLE_STATE_"),
    (states.MODEL_STATES, models.Model, "LIFECYCLE_STATE_"),
    (states.PROJECT_STATES, models.Project, "LIFECYCLE_STATE_"),
    (states.VERSION_SET_STATES, models.ModelVersionSet, "LIFECYCLE_STATE_"),
    (states.NOTEBOOK_SESSION_STATES, models.NotebookSession, "LIFECYCLE_STATE_"),
    (states.WORK_REQUEST_STATUSES, models.WorkRequest, "STATUS_"),
]


def sdk_enum(model: type, prefix: str) -> tuple[str, ...]:
    return tuple(value for name, value in vars(model).items() if name.startswith(prefix) and isinstance(value, str))


@pytest.mark.parametrize("written, model, prefix", ENUMS, ids=lambda v: getattr(v, "__name__", ""))
def test_each_state_tuple_is_the_sdk_enum(written: tuple[str, ...], model: type, prefix: str) -> None:
    assert written == sdk_enum(model, prefix)


def test_every_named_state_belongs_to_its_resource() -> None:
    assert {states.CREATING, states.ACTIVE, states.INACTIVE, states.UPDATING, states.DELETING, states.DELETED,
            states.FAILED, states.NEEDS_ATTENTION} <= set(states.DEPLOYMENT_STATES)
    assert {states.MODEL_ACTIVE, states.MODEL_INACTIVE, states.MODEL_DELETED, states.MODEL_FAILED} <= set(states.MODEL_STATES)
    assert states.PROJECT_ACTIVE in states.PROJECT_STATES
    assert {states.VERSION_SET_ACTIVE, states.VERSION_SET_DELETED} <= set(states.VERSION_SET_STATES)
    assert {states.NOTEBOOK_SESSION_ACTIVE, *states.NOTEBOOK_SESSION_GONE} <= set(states.NOTEBOOK_SESSION_STATES)
    assert {states.ACCEPTED, states.IN_PROGRESS, states.SUCCEEDED, states.WORK_REQUEST_FAILED,
            *states.TERMINAL_WORK_REQUEST_STATES} <= set(states.WORK_REQUEST_STATUSES)
    actions = sdk_enum(models.WorkRequestResource, "ACTION_TYPE_")
    assert {states.RESOURCE_CREATED, states.RESOURCE_UPDATED, states.RESOURCE_DELETED} <= set(actions)


def test_one_tombstone_state_serves_every_deletable_resource() -> None:
    for model in (models.Model, models.ModelDeployment, models.Project, models.ModelVersionSet, models.NotebookSession):
        assert model.LIFECYCLE_STATE_DELETED == states.TOMBSTONE_STATE
