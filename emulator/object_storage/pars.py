"""Pre-authenticated requests (PARs): read one object without signing, at ``/p/{par}/n/{ns}/b/{bucket}/o/{name}``.

Only the PARs the emulator seeds exist (there is no create API yet): ADS's introspection fetches the
service-pack index with plain ``requests`` from a fixed PAR URL, which ``toolkit.connect_ads()``
routes here. A PAR grants reading exactly the object it was made for; anything else is 404.
"""
from __future__ import annotations

from typing import Any

from emulator.errors import OCIError
from emulator.store import Database, kinds
from emulator.wire import now

KIND = kinds.PREAUTHENTICATED_REQUEST
OBJECT_READ = "ObjectRead"


def ensure(db: Database, par_id: str, namespace: str, bucket: str, object_name: str) -> dict[str, Any]:
    """The read-only PAR ``par_id`` for one object, made when missing (seeding runs on every start)."""
    record = db.get(KIND, par_id)
    if record is None:
        record = db.insert(KIND, {"id": par_id, "name": f"read {object_name}", "accessType": OBJECT_READ,
                                  "namespace": namespace, "bucketName": bucket, "objectName": object_name,
                                  "timeCreated": now(), "timeExpires": None})
    return record


def target(db: Database, par_id: str, namespace: str, bucket: str, object_name: str) -> dict[str, Any]:
    """The PAR when it grants reading this object; 404 otherwise (as OCI: an unknown PAR reveals nothing)."""
    record = db.get(KIND, par_id)
    if record is None or (record["namespace"], record["bucketName"], record["objectName"]) != (namespace, bucket,
                                                                                               object_name):
        raise OCIError(404, "NotAuthorizedOrNotFound", "The pre-authenticated request does not exist or does not "
                       "grant access to this object.")
    return record
