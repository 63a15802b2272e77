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
PROJECT_STATES = _enum(_Project, "LIFECYCLE_STATE_")
VERSION_SET_STATES = _enum(_VersionSet, "LIFECYCLE_STATE_")
NOTEBOOK_SESSION_STATES = _enum(_NotebookSession, "LIFECYCLE_STATE_")
NOTEBOOK_SESSION_ACTIVE = _NotebookSession.LIFECYCLE_STATE_ACTIVE
#: A notebook session on its way out: its resource principal no longer authenticates.
NOTEBOOK_SESSION_GONE = (_NotebookSession.LIFECYCLE_STATE_DELETING, _NotebookSession.LIFECYCLE_STATE_DELETED)

# Work requests
WORK_REQUEST_STATUSES = _enum(_WorkRequest, "STATUS_")
SUCCEEDED = _WorkRequest.STATUS_SUCCEEDED
#: A work request in one of these will not change again: waiters stop here.
TERMINAL_WORK_REQUEST_STATES = (SUCCEEDED, _WorkRequest.STATUS_FAILED, _WorkRequest.STATUS_CANCELED)
