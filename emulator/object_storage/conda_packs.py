"""The emulated conda packs in Object Storage: the service-pack bucket every emulator serves, and the
lookup deployments use to turn a pack into its pip requirements (``emulator.contracts.conda_packs``).

The ``service-conda-packs`` bucket of namespace ``id19sfcrra6z`` holds ``service_pack/index.json``
and one stand-in object per pack (manifest in ``opc-meta-manifest``, requirements as the body); the
same bucket of OCI's development namespace holds the index that ADS's introspection reads through a
pre-authenticated request. Seeding is idempotent: objects whose bytes, type and metadata already match
stay as they are. The objects are the seed's own (``EmulatorState.seeded_records``): a reset leaves them
in place for the next seeding to check, so it does not rewrite (and fsync) a hundred files each time.
"""
from __future__ import annotations

import base64
import hashlib
import json

from emulator.contracts import conda_packs as contract
from emulator.object_storage import buckets, objects, pars
from emulator.state import EmulatorState
from emulator.store.blobs import SEED_PREFIX


def seed(state: EmulatorState) -> None:
    """Put the index, the service pack stand-ins and the index PAR in place (a no-op when current)."""
    index = json.dumps(contract.index_document(), indent=1).encode()
    put = [(contract.SERVICE_NAMESPACE, contract.INDEX_OBJECT, index, "application/json", {}),
           (contract.PAR_NAMESPACE, contract.INDEX_OBJECT, index, "application/json", {})]
    for pack in contract.SERVICE_PACKS:
        body = contract.requirements_text(pack.requirements, pack.slug).encode()
        metadata = {contract.MANIFEST_METADATA: json.dumps(pack.manifest())}
        put.append((contract.SERVICE_NAMESPACE, pack.object_name, body, "text/plain", metadata))
    state.seeded_records(objects.KIND, {objects.key(ns, contract.SERVICE_BUCKET, name) for ns, name, *_ in put})
    for args in put:
        _put(state, *args)
    pars.ensure(state.db, contract.PAR_ID, contract.PAR_NAMESPACE, contract.SERVICE_BUCKET, contract.INDEX_OBJECT)


def _put(state: EmulatorState, namespace: str, name: str, body: bytes, content_type: str,
         metadata: dict[str, str]) -> None:
    bucket = contract.SERVICE_BUCKET
    buckets.ensure(state.db, namespace, bucket, state.config.region, buckets.LOCAL_COMPARTMENT,
                   public_access=buckets.PUBLIC_READ)  # OCI's is readable by every tenancy
    existing = state.db.get(objects.KIND, objects.key(namespace, bucket, name))
    md5 = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
    if existing and _current(existing, md5, content_type, metadata):
        return
    blob = state.blobs.write_bytes(body, prefix=SEED_PREFIX)
    objects.put(state, namespace, bucket, name, blob, content_type=content_type, metadata=metadata)


def _current(record: dict, md5: str, content_type: str, metadata: dict[str, str]) -> bool:
    """The object is as seeding writes it (a user may have overwritten or retiered it since)."""
    return (record["md5"] == md5 and record.get("metadata") == metadata and record["contentType"] == content_type
            and record["storageTier"] == "Standard" and not record.get("headers"))


def lookup(state: EmulatorState) -> contract.PackLookup:
    """A pack lookup over this emulator's store (no HTTP): what deployments resolve packs with."""

    def fetch(namespace: str, bucket: str, name: str) -> tuple[dict[str, str], bytes] | None:
        record = state.db.get(objects.KIND, objects.key(namespace, bucket, name))
        if record is None:
            return None
        with state.blobs.open(record["_blob"]["name"]) as stream:
            return dict(record.get("metadata") or {}), stream.read(contract.MAX_STAND_IN_BYTES)

    return contract.PackLookup(fetch)
