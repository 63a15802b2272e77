"""Model provenance: where the model came from (repository, commit, training script and run)."""
from __future__ import annotations

from typing import Any

from emulator.contracts.limits import PROVENANCE_FIELD_CHARS
from emulator.data_science import models, records
from emulator.errors import conflict, invalid, not_found
from emulator.store import Database, kinds

KIND = kinds.MODEL_PROVENANCE
FIELDS = ("repositoryUrl", "gitBranch", "gitCommit", "scriptDir", "trainingScript", "trainingId")


def _check(body: dict[str, Any]) -> None:
    for field in FIELDS:
        value = body.get(field)
        if value is not None and (not isinstance(value, str) or len(value) > PROVENANCE_FIELD_CHARS):
            raise invalid(f"{field} must be a string of at most {PROVENANCE_FIELD_CHARS} characters.")


def get(db: Database, model_id: str) -> dict[str, Any]:
    """A read: of a deleted model too, whose provenance went with it (404, as ADS's sync() expects)."""
    models.read(db, model_id)
    record = db.get(KIND, model_id)
    if record is None:
        raise not_found("provenance of model", model_id)
    return record


def create(db: Database, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    _check(body)
    with db.transaction():
        models.get(db, model_id)
        if db.get(KIND, model_id) is not None:
            raise conflict(f"Model {model_id} already has provenance; update it instead.")
        record = {"id": model_id} | {field: body.get(field) for field in FIELDS}
        return records.insert(db, KIND, record)


def update(db: Database, model_id: str, body: dict[str, Any], if_match: str | None) -> dict[str, Any]:
    _check(body)
    with db.transaction():
        record = get(db, model_id)
        records.check_etag(record, if_match)
        records.apply(record, body, FIELDS)
        return records.save(db, KIND, record)


def forget(db: Database, model_id: str) -> None:
    db.delete(KIND, model_id)


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {field: record.get(field) for field in FIELDS}
