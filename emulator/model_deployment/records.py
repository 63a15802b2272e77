"""A deployment's record in the store: read it (404 when unknown), save it with a new etag, move it to
a lifecycle state (DELETED makes it a tombstone, readable until the retention purges it)."""
from __future__ import annotations

from typing import Any

from emulator.contracts.states import DELETED
from emulator.errors import not_found
from emulator.state import EmulatorState
from emulator.store import kinds
from emulator.wire import new_etag

KIND = kinds.MODEL_DEPLOYMENT
# Set on an ACTIVE record a snapshot restored: its servers ran under the emulator that saved it, so the
# next resume starts new ones instead of re-attaching (or stopping) what its handles name.
RESTORED = "_restoredFromSnapshot"


def get(state: EmulatorState, deployment_id: str) -> dict[str, Any]:
    record = state.db.get(KIND, deployment_id)
    if record is None:
        raise not_found("model deployment", deployment_id)
    return record


def save(state: EmulatorState, record: dict[str, Any]) -> None:
    record["_etag"] = new_etag()
    state.db.update(KIND, record["id"], record)


def set_state(state: EmulatorState, record: dict[str, Any], lifecycle: str, details: str) -> None:
    """Move to ``lifecycle`` with ``details``; DELETED buries the record."""
    record["lifecycleDetails"] = details
    if lifecycle == DELETED:
        state.tombstones.bury(KIND, record, new_etag())
        return
    record["lifecycleState"] = lifecycle
    save(state, record)
