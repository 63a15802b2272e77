"""Moving a resource to another compartment (``.../actions/changeCompartment``), one rule for every kind.

Only the record's ``compartmentId`` changes, inside one transaction with the if-match check (412);
a deleted resource cannot move (409), an unknown one is 404. Everything that decides who sees a
resource reads that field from the store (the access check under ``--auth enforce``, list filters,
Resource Search, the console's filters), so after the move each of them answers for the new
compartment. Children with a compartment of their own (a model's artifact signatures, the
resources of a project) stay where they are, as in OCI, which moves them by their own operation.

Model groups and any later kind reuse :func:`change_compartment` (logic) and :func:`compartment_in_body`
(the route's body), passing their store kind, their not-found error and a ``refuse`` rule if some
state forbids a move.
"""
from __future__ import annotations

from typing import Any, Callable

from emulator.data_science import records
from emulator.data_science.routes.common import require_fields
from emulator.errors import OCIError
from emulator.store import Database
from emulator.wire import json_body


def compartment_in_body() -> str:
    """The target ``compartmentId`` of a ``Change...CompartmentDetails`` body (400 when absent or not an OCID)."""
    body = json_body()
    require_fields(body, "compartmentId")
    return body["compartmentId"]


def change_compartment(db: Database, kind: str, ident: str, compartment_id: str, if_match: str | None,
                       missing: Callable[[str], OCIError], what: str,
                       refuse: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Put the ``kind`` record ``ident`` in ``compartment_id``; ``refuse(record)`` may raise to forbid
    the move in the record's current state. Returns the saved record (a new etag)."""
    with db.transaction():
        record = records.load_live(db, kind, ident, missing, what)
        records.check_etag(record, if_match)
        if refuse is not None:
            refuse(record)
        record["compartmentId"] = compartment_id
        return records.save(db, kind, record)
