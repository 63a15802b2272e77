"""The ``PromotedFrom`` marker a promoted copy carries: the source model OCID and the artifact's SHA-256.

A later promotion of the same artifact finds the copy by it and completes what is missing instead of
creating a duplicate; the rest of the source's metadata is copied beside it.
"""
from __future__ import annotations

import json
from typing import Any

from oci.data_science import models as ds_models

from toolkit.catalog.wire import from_wire, to_wire

PROMOTION_KEY = "PromotedFrom"


def marker_value(source_id: str, sha256: str) -> dict[str, str]:
    return {"sourceModelId": source_id, "artifactSha256": sha256}


def promotion_of(record: Any) -> dict[str, str] | None:
    for item in record.custom_metadata_list or []:
        if item.key == PROMOTION_KEY:
            try:
                value = json.loads(item.value or "")
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def metadatum(item: Any) -> ds_models.Metadata:
    return from_wire(ds_models.Metadata, to_wire(item))


def custom_metadata(record: Any, sha256: str) -> list[ds_models.Metadata]:
    """The source's custom metadata with our promotion marker (replacing one from an earlier hop)."""
    items = [metadatum(m) for m in record.custom_metadata_list or [] if m.key != PROMOTION_KEY]
    items.append(ds_models.Metadata(
        key=PROMOTION_KEY, value=json.dumps(marker_value(record.id, sha256)), category="Other",
        description="Set by dockyard promote: the source model OCID and the artifact's SHA-256"))
    return items
