"""Lifecycle and work-request states, taken from the ``oci`` SDK's enums (the service's own spec).

The sets that decide behaviour are named here once: which deployments are *live* (a model they
serve cannot be deleted; promotion reuses them; Resource Search lists them), which are busy with
an operation, and which work-request statuses are final (what every waiter stops on).
"""
from __future__ import annotations

from oci.data_science.models import Model as _Model
from oci.data_science.models import ModelDeployment as _Deployment
from oci.data_science.models import ModelVersionSet as _VersionSet
from oci.data_science.models import NotebookSession as _NotebookSession
from oci.data_science.models import Project as _Project
from oci.data_science.models import WorkRequest as _WorkRequest
from oci.data_science.models import WorkRequestResource as _WorkRequestResource


def _enum(model: type, prefix: str) -> tuple[str, ...]:
    """The values of an SDK model's ``<PREFIX>_*`` constants, in the SDK's order."""
    return tuple(value for name, value in vars(model).items() if name.startswith(prefix) and isinstance(value, str))


# Model deployments
DEPLOYMENT_STATES = _enum(_Deployment, "LIFECYCLE_STATE_")
CREATING = _Deployment.LIFECYCLE_STATE_CREATING
ACTIVE = _Deployment.LIFECYCLE_STATE_ACTIVE
INACTIVE = _Deployment.LIFECYCLE_STATE_INACTIVE
UPDATING = _Deployment.LIFECYCLE_STATE_UPDATING
DELETING = _Deployment.LIFECYCLE_STATE_DELETING
DELETED = _Deployment.LIFECYCLE_STATE_DELETED
FAILED = _Deployment.LIFECYCLE_STATE_FAILED
NEEDS_ATTENTION = _Deployment.LIFECYCLE_STATE_NEEDS_ATTENTION

#: An operation is running on the deployment (its work request is not final yet).
BUSY_DEPLOYMENT_STATES = (CREATING, UPDATING, DELETING)
#: The deployment exists and may serve again: every state but the way out (DELETING, DELETED) and FAILED.
LIVE_DEPLOYMENT_STATES = tuple(s for s in DEPLOYMENT_STATES if s not in (DELETING, DELETED, FAILED))

# The catalog's other resources (list filters accept exactly these)
MODEL_STATES = _enum(_Model, "LIFECYCLE_STATE_")
MODEL_ACTIVE = _Model.LIFECYCLE_STATE_ACTIVE
MODEL_INACTIVE = _Model.LIFECYCLE_STATE_INACTIVE
MODEL_DELETED = _Model.LIFECYCLE_STATE_DELETED
MODEL_FAILED = _Model.LIFECYCLE_STATE_FAILED
PROJECT_STATES = _enum(_Project, "LIFECYCLE_STATE_")
PROJECT_ACTIVE = _Project.LIFECYCLE_STATE_ACTIVE
VERSION_SET_STATES = _enum(_VersionSet, "LIFECYCLE_STATE_")
VERSION_SET_ACTIVE = _VersionSet.LIFECYCLE_STATE_ACTIVE
VERSION_SET_DELETED = _VersionSet.LIFECYCLE_STATE_DELETED
#: What a deleted catalog resource shows until its tombstone is purged: every resource's enum spells
#: DELETED the same way (checked below), so one tombstone state serves them all.
TOMBSTONE_STATE = MODEL_DELETED
assert {TOMBSTONE_STATE} == {DELETED, _Project.LIFECYCLE_STATE_DELETED, VERSION_SET_DELETED,
                             _NotebookSession.LIFECYCLE_STATE_DELETED}
NOTEBOOK_SESSION_STATES = _enum(_NotebookSession, "LIFECYCLE_STATE_")
NOTEBOOK_SESSION_ACTIVE = _NotebookSession.LIFECYCLE_STATE_ACTIVE
#: A notebook session on its way out: its resource principal no longer authenticates.
NOTEBOOK_SESSION_GONE = (_NotebookSession.LIFECYCLE_STATE_DELETING, _NotebookSession.LIFECYCLE_STATE_DELETED)

# Work requests
WORK_REQUEST_STATUSES = _enum(_WorkRequest, "STATUS_")
ACCEPTED = _WorkRequest.STATUS_ACCEPTED
IN_PROGRESS = _WorkRequest.STATUS_IN_PROGRESS
SUCCEEDED = _WorkRequest.STATUS_SUCCEEDED
WORK_REQUEST_FAILED = _WorkRequest.STATUS_FAILED
#: A work request in one of these will not change again: waiters stop here.
TERMINAL_WORK_REQUEST_STATES = (SUCCEEDED, WORK_REQUEST_FAILED, _WorkRequest.STATUS_CANCELED)
#: How a work request touched a resource (``WorkRequestResource.actionType``).
RESOURCE_CREATED = _WorkRequestResource.ACTION_TYPE_CREATED
RESOURCE_UPDATED = _WorkRequestResource.ACTION_TYPE_UPDATED
RESOURCE_DELETED = _WorkRequestResource.ACTION_TYPE_DELETED
