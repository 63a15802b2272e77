"""Checks of request bodies shared by the Data Science resources: tags, metadata lists, schemas.

The limits and how sizes are measured are the catalog's contract (``emulator.contracts.limits``):
32 000 bytes of metadata counted as ADS counts them, 16 000 characters per value, 255 per metadatum
description, 400 per resource description, 32 000 bytes per schema. ``prepare()`` checks the same
numbers with the same functions, so an oversize model fails there, not first here.
"""
from __future__ import annotations

import json
from typing import Any

from emulator.contracts import limits
from emulator.errors import invalid

METADATA_FIELDS = ("key", "value", "description", "category", "keywords", "hasArtifact")


def check_tags(body: dict[str, Any]) -> None:
    freeform = body.get("freeformTags")
    if freeform is not None and (not isinstance(freeform, dict)
                                 or not all(isinstance(v, str) for v in freeform.values())):
        raise invalid("freeformTags must be an object of string values.")
    defined = body.get("definedTags")
    if defined is not None and (not isinstance(defined, dict)
                                or not all(isinstance(v, dict) for v in defined.values())):
        raise invalid("definedTags must be an object of namespaces, each an object of tags.")


def check_description(body: dict[str, Any], limit: int = limits.DESCRIPTION_CHARS) -> None:
    value = body.get("description")
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise invalid(f"description must be a string of at most {limit} characters.")


def check_display_name(body: dict[str, Any], field: str = "displayName") -> None:
    value = body.get(field)
    if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= limits.DISPLAY_NAME_CHARS):
        raise invalid(f"{field} must be a string of 1 to {limits.DISPLAY_NAME_CHARS} characters.")


def normalize_metadata(items: Any, field: str) -> list[dict[str, Any]]:
    """A metadata list as stored: every item has the wire fields; 400 on a bad shape or an item over
    its limits (the whole metadata's size is :func:`check_metadata_size`'s)."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise invalid(f"{field} must be a list of metadata items.")
    seen, result = set(), []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"]:
            raise invalid(f"Every item of {field} needs a non-empty string key.")
        if item["key"] in seen:
            raise invalid(f"{field} has the key {item['key']!r} twice.")
        seen.add(item["key"])
        value = item.get("value")
        if value is not None and not isinstance(value, str):
            raise invalid(f"{field}[{item['key']}].value must be a string (JSON-encode other values).")
        if value is not None and len(value) > limits.METADATA_VALUE_CHARS:
            raise invalid(f"{field}[{item['key']}].value is longer than {limits.METADATA_VALUE_CHARS} characters.")
        description = item.get("description")
        most = limits.METADATA_DESCRIPTION_CHARS
        if description is not None and (not isinstance(description, str) or len(description) > most):
            raise invalid(f"{field}[{item['key']}].description must be a string of at most {most} characters.")
        result.append({name: item.get(name) for name in METADATA_FIELDS} | {"hasArtifact": bool(item.get("hasArtifact"))})
    return result


def check_metadata_size(custom: list[dict[str, Any]], defined: list[dict[str, Any]]) -> None:
    """400 when a model's custom and defined metadata together are over the catalog's limit."""
    size = limits.metadata_size(custom, defined)
    if size > limits.METADATA_BYTES:
        raise invalid(f"customMetadataList and definedMetadataList are {size} bytes together (each item's JSON "
                      f"in UTF-16, as ADS counts them); the limit is {limits.METADATA_BYTES}. "
                      "Move large values into metadata artifacts.")


def check_schema(value: Any, field: str) -> str | None:
    """Schemas travel as JSON strings; they must parse and stay under the size limit."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{field} must be a JSON string.")
    if limits.schema_size(value) > limits.SCHEMA_BYTES:
        raise invalid(f"{field} is larger than {limits.SCHEMA_BYTES} bytes.")
    try:
        json.loads(value)
    except ValueError as exc:
        raise invalid(f"{field} is not valid JSON: {exc}.") from exc
    return value
