"""The catalog's size limits, and how each is measured, for the emulator and the toolkit alike.

Metadata is measured the way ADS measures it before it calls the service
(``ads.model.model_metadata``: ``ModelMetadataItem.size`` summed over the custom and the
taxonomy items, checked against 32 000 bytes in ``_validate_metadata``): each item as the JSON of
its fields, encoded as UTF-16. :func:`metadata_size` measures the items in the wire form
(values already strings), so the emulator, which sees only the wire, and ``prepare()``, which
checks before anything is sent, count the very same bytes and fail at the same size.

Schemas travel as JSON strings and are measured as their UTF-8 bytes (:func:`schema_size`); ADS
measures a YAML rendering instead and, above the limit, keeps the schema in the artifact only.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from emulator.inference.settings import DEFAULT_MAX_PAYLOAD_BYTES

GIB = 1024**3
MIB = 1024**2

# Model metadata (custom and defined/taxonomy lists together)
METADATA_BYTES = 32000  # metadata_size() of all items
METADATA_VALUE_CHARS = 16000  # one item's value
METADATA_DESCRIPTION_CHARS = 255  # one item's description
CUSTOM_FIELDS = ("key", "value", "description", "category", "has_artifact")  # ADS's custom item fields
DEFINED_FIELDS = ("key", "value", "has_artifact")  # ADS's taxonomy item fields

# Input/output schemas
SCHEMA_BYTES = 32000  # schema_size() of one schema
SCHEMA_COLUMNS = 2000  # ADS's DATA_SCHEMA_MAX_COL_NUM: above it the schema is skipped

# Resource fields
DISPLAY_NAME_CHARS = 255
DESCRIPTION_CHARS = 400  # a project's, model's or version set's description
PROVENANCE_FIELD_CHARS = 4000

# Artifacts
DIRECT_UPLOAD_BYTES = 2 * GIB  # ADS sends larger artifacts through Object Storage (bucket_uri)
ARTIFACT_BYTES = 6 * GIB  # the service's cap on one artifact upload
METADATUM_ARTIFACT_BYTES = 50 * MIB  # a file attached to one metadata key

# Unpacking an artifact zip (emulator.unzip, for deployments, downloads and from_model_artifact)
UNZIPPED_BYTES = 64 * GIB  # default of DOCKYARD_MAX_UNZIPPED_BYTES: all members together
ZIP_RATIO = 200.0  # default of DOCKYARD_MAX_ZIP_RATIO: unpacked / compressed, per member and overall
ZIP_RATIO_FROM_BYTES = 16 * MIB  # below this (a member, or the whole zip) the ratio is not tested

# Predict requests (owned by the inference server, which runs alone in images)
PAYLOAD_BYTES = DEFAULT_MAX_PAYLOAD_BYTES


def metadata_size(custom: Iterable[Mapping[str, Any]], defined: Iterable[Mapping[str, Any]]) -> int:
    """Bytes of a model's metadata against :data:`METADATA_BYTES`, as ADS counts them.

    Items are wire dicts (``key``, ``value`` as a string, ``description``, ``category``,
    ``hasArtifact``); custom items count ADS's custom fields, defined items its taxonomy fields.
    """
    return (sum(_item_size(item, CUSTOM_FIELDS) for item in custom)
            + sum(_item_size(item, DEFINED_FIELDS) for item in defined))


def _item_size(item: Mapping[str, Any], fields: tuple[str, ...]) -> int:
    document = {name: _field(item, name) for name in fields}
    return len(json.dumps(document).encode("utf-16"))


def _field(item: Mapping[str, Any], name: str) -> Any:
    if name == "has_artifact":
        return bool(item.get("hasArtifact", item.get("has_artifact")))
    return item.get(name)


def schema_size(schema_json: str) -> int:
    """Bytes of a schema as it travels (its JSON string, UTF-8), against :data:`SCHEMA_BYTES`."""
    return len(schema_json.encode("utf-8"))
