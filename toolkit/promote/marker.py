"""The marker a copy carries, naming where it came from: ``PromotedFrom`` on a promoted copy (laptop ->
OCI), ``PulledFrom`` on a pulled one (OCI -> laptop); its value is the source model OCID and the
artifact's SHA-256.

A later transfer of the same artifact in the same direction finds the copy by it and completes what is
missing instead of creating a duplicate; the rest of the source's metadata is copied beside it. A copy
carries only its own hop's marker: the source's markers (from earlier hops) are dropped. A source that
carries the other direction's marker came from the destination: when the model it names is still
there with the same artifact, that model is the copy (a promoted model pulled back to the laptop it
came from is already there).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from oci.data_science import models as ds_models

from toolkit.catalog.wire import from_wire, to_wire

PROMOTION_KEY = "PromotedFrom"
PULL_KEY = "PulledFrom"
MARKER_KEYS = (PROMOTION_KEY, PULL_KEY)


@dataclass(frozen=True)
class Marker:
    """One direction's marker: its custom metadata key, the description the item carries, and the other
    direction's key (a source carrying that one came from the destination: its origin may be there)."""

    key: str
    description: str
    reverse_key: str


PROMOTED = Marker(PROMOTION_KEY, "Set by dockyard promote: the source model OCID and the artifact's SHA-256",
                  PULL_KEY)
PULLED = Marker(PULL_KEY, "Set by dockyard pull: the source model OCID and the artifact's SHA-256", PROMOTION_KEY)


def marker_value(source_id: str, sha256: str) -> dict[str, str]:
    return {"sourceModelId": source_id, "artifactSha256": sha256}


def marked_source(record: Any, key: str = PROMOTION_KEY) -> dict[str, str] | None:
    """The value of ``record``'s ``key`` marker (the source it was copied from), or None."""
    for item in record.custom_metadata_list or []:
        if item.key == key:
            try:
                value = json.loads(item.value or "")
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def metadatum(item: Any) -> ds_models.Metadata:
    return from_wire(ds_models.Metadata, to_wire(item))


def custom_metadata(record: Any, sha256: str, marker: Marker = PROMOTED) -> list[ds_models.Metadata]:
    """The source's custom metadata with this hop's marker (replacing any from an earlier hop)."""
    items = [metadatum(m) for m in record.custom_metadata_list or [] if m.key not in MARKER_KEYS]
    items.append(ds_models.Metadata(key=marker.key, value=json.dumps(marker_value(record.id, sha256)),
                                    category="Other", description=marker.description))
    return items
