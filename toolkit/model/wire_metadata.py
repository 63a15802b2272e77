"""GenericModel's side of the model <-> catalog contract (``toolkit.catalog.protocol.CatalogModel``):
its taxonomy, custom metadata, schemas and provenance in the catalog's wire form, and back.

It lives with the model, not the catalog, because the contract says the catalog code never reads a
model's internals: the model hands over wire dicts (camelCase, values as strings) and takes them back.
"""
from __future__ import annotations

import json
from typing import Any

from toolkit.artifact.schema import Schema
from toolkit.model.metadata import TAXONOMY_KEYS, validate_size
from toolkit.model.provenance import ModelProvenanceMetadata


def catalog_metadata(model: Any) -> dict:
    """The model's metadata in the catalog's wire shapes, checked against the catalog's limits
    first (MetadataSizeError)."""
    validate_size(model.metadata_taxonomy, model.metadata_custom)
    return {
        "definedMetadataList": model.metadata_taxonomy.to_wire(),
        "customMetadataList": model.metadata_custom.to_wire(),
        "inputSchema": model.schema_input.to_json() if model.schema_input else None,
        "outputSchema": model.schema_output.to_json() if model.schema_output else None,
        "provenance": model.metadata_provenance.to_wire(),
    }


def apply_catalog_metadata(model: Any, model_record: dict, provenance: dict | None = None) -> None:
    """Restore metadata, schemas and provenance from a catalog record (camelCase or snake_case)."""
    record = model_record or {}
    pick = lambda camel, snake: record.get(camel, record.get(snake))  # noqa: E731
    for item in pick("definedMetadataList", "defined_metadata_list") or []:
        key = item.get("key")
        if key in TAXONOMY_KEYS:
            model.metadata_taxonomy.set(key, _decode(item.get("value")))
    for item in pick("customMetadataList", "custom_metadata_list") or []:
        model.metadata_custom.add(item["key"], item.get("value"), item.get("description"),
                                  item.get("category") or None, replace=True)
    for attr, camel, snake in (("schema_input", "inputSchema", "input_schema"),
                               ("schema_output", "outputSchema", "output_schema")):
        text = pick(camel, snake)
        if text:
            setattr(model, attr, Schema.from_json(text) if isinstance(text, str) else Schema.from_dict(text))
    if provenance:
        model.metadata_provenance = ModelProvenanceMetadata.from_wire(provenance)
    if record.get("id"):
        model.model_id = record["id"]


def _decode(value: Any) -> Any:
    """A metadata value from the wire: JSON documents back to objects, other strings as they are."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
