"""Lifecycle and work-request states, as the ``oci`` SDK's enums spell them (the service's own spec).

Written out here rather than read from the SDK's models at import time: the CLI's help offers these
states and must not load the SDK to print itself (``tests/cli/test_help.py``).
``tests/contracts/test_states.py`` checks every tuple against the SDK's enum, in the SDK's order.

The sets that decide behaviour are named here once: which deployments are *live* (a model they
serve cannot be deleted; promotion reuses them; Resource Search lists them), which are busy with
an operation, and which work-request statuses are final (what every waiter stops on).
"""
from __future__ import annotations

# Model deployments
DEPLOYMENT_STATES = ("CREATING", "ACTIVE", "DELETING", "FAILED", "INACTIVE", "UPDATING", "DELETED", "NEEDS_ATTENTION")
CREATING = "CREATING"
ACTIVE = "ACTIVE"
INACTIVE = "INACTIVE"
UPDATING = "UPDATING"
DELETING = "DELETING"
DELETED = "DELETED"
FAILED = "FAILED"
NEEDS_ATTENTION = "NEEDS_ATTENTION"

#: An operation is running on the deployment (its work request is not final yet).
BUSY_DEPLOYMENT_STATES = (CREATING, UPDATING, DELETING)
#: The deployment exists and may serve again: every state but the way out (DELETING, DELETED) and FAILED.
LIVE_DEPLOYMENT_STATES = tuple(s for s in DEPLOYMENT_STATES if s not in (DELETING, DELETED, FAILED))

# The catalog's other resources (list filters accept exactly these)
MODEL_STATES = ("ACTIVE", "DELETED", "FAILED", "INACTIVE")
MODEL_ACTIVE = "ACTIVE"
MODEL_INACTIVE = "INACTIVE"
MODEL_DELETED = "DELETED"
MODEL_FAILED = "FAILED"
PROJECT_STATES = ("ACTIVE", "DELETING", "DELETED")
PROJECT_ACTIVE = "ACTIVE"
VERSION_SET_STATES = ("ACTIVE", "DELETING", "DELETED", "FAILED")
VERSION_SET_ACTIVE = "ACTIVE"
VERSION_SET_DELETED = "DELETED"
#: What a deleted catalog resource shows until its tombstone is purged: every resource's enum spells
#: DELETED the same way (tests/contracts/test_states.py), so one tombstone state serves them all.
TOMBSTONE_STATE = MODEL_DELETED
NOTEBOOK_SESSION_STATES = ("CREATING", "ACTIVE", "DELETING", "DELETED", "FAILED", "INACTIVE", "UPDATING")
NOTEBOOK_SESSION_ACTIVE = "ACTIVE"
#: A notebook session on its way out: its resource principal no longer authenticates.
NOTEBOOK_SESSION_GONE = ("DELETING", "DELETED")

# Work requests
WORK_REQUEST_STATUSES = ("ACCEPTED", "IN_PROGRESS", "FAILED", "SUCCEEDED", "CANCELING", "CANCELED")
ACCEPTED = "ACCEPTED"
IN_PROGRESS = "IN_PROGRESS"
SUCCEEDED = "SUCCEEDED"
WORK_REQUEST_FAILED = "FAILED"
#: A work request in one of these will not change again: waiters stop here.
TERMINAL_WORK_REQUEST_STATES = (SUCCEEDED, WORK_REQUEST_FAILED, "CANCELED")
#: How a work request touched a resource (``WorkRequestResource.actionType``).
RESOURCE_CREATED = "CREATED"
RESOURCE_UPDATED = "UPDATED"
RESOURCE_DELETED = "DELETED"
