"""The model group artifact: the deployment runtime (``score.py`` + ``runtime.yaml``) a homogeneous
group may carry, stored like a model artifact (blob first, record after) and immutable once set."""
from __future__ import annotations

from typing import IO, Any

from emulator.data_science import artifacts, model_groups, records
from emulator.errors import OCIError, conflict, not_found
from emulator.state import EmulatorState
from emulator.store import Database
from emulator.wire import new_etag, now

KIND = "modelgroupartifact"


def artifact_not_found(group_id: str) -> OCIError:
    return not_found("artifact of model group", group_id)


def get(db: Database, group_id: str) -> dict[str, Any]:
    return records.load(db, KIND, group_id, artifact_not_found)


def upload(state: EmulatorState, group_id: str, stream: IO[bytes], length: int | None,
           disposition: str | None, if_match: str | None) -> dict[str, Any]:
    """Store the request body as the group's artifact; 409 when it already has one."""
    _check_can_attach(state.db, group_id, if_match)
    blob = artifacts.write_blob(state, stream, length)
    try:
        with state.db.transaction():
            _check_can_attach(state.db, group_id, if_match)
            return state.db.insert(KIND, {
                "id": group_id,
                "contentDisposition": disposition or f'attachment; filename="{group_id}.zip"',
                "timeCreated": now(),
                "_etag": new_etag(),
                "_blob": blob.to_dict(),
            })
    except BaseException:
        state.blobs.delete(blob.name)
        raise


def _check_can_attach(db: Database, group_id: str, if_match: str | None) -> None:
    group = model_groups.get(db, group_id)
    records.check_etag(group, if_match)
    if db.get(KIND, group_id) is not None:
        raise conflict(f"Model group {group_id} already has an artifact; artifacts are immutable. "
                       "Create (or clone) a new model group to store a different one.")


def forget(db: Database, group_id: str) -> list[str]:
    return artifacts.forget(db, group_id, KIND)
