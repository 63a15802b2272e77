"""Checks of request bodies shared by the Data Science resources: tags, metadata lists, schemas.

Limits follow what OCI and ADS enforce (32 000 bytes of metadata, 16 000 characters per value,
255 per description), so an oversize model fails locally exactly where it would fail in the cloud.
"""
from __future__ import annotations

import json
from typing import Any

from emulator.errors import invalid

METADATA_SIZE_LIMIT = 32000
METADATA_VALUE_LIMIT = 16000
DESCRIPTION_LIMIT = 400
SCHEMA_SIZE_LIMIT = 32000
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


def check_description(body: dict[str, Any], limit: int = DESCRIPTION_LIMIT) -> None:
    value = body.get("description")
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise invalid(f"description must be a string of at most {limit} characters.")


def check_display_name(body: dict[str, Any], field: str = "displayName") -> None:
    value = body.get(field)
    if value is not None and (not isinstance(value, str) or not 1 <= len(value) <= 255):
        raise invalid(f"{field} must be a string of 1 to 255 characters.")


def normalize_metadata(items: Any, field: str) -> list[dict[str, Any]]:
    """A metadata list as stored: every item has the wire fields; 400 on bad shape or size."""
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
        if value is not None and len(value) > METADATA_VALUE_LIMIT:
            raise invalid(f"{field}[{item['key']}].value is longer than {METADATA_VALUE_LIMIT} characters.")
        description = item.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 255):
            raise invalid(f"{field}[{item['key']}].description must be a string of at most 255 characters.")
        result.append({name: item.get(name) for name in METADATA_FIELDS} | {"hasArtifact": bool(item.get("hasArtifact"))})
    size = len(json.dumps(result).encode())
    if size > METADATA_SIZE_LIMIT:
        raise invalid(f"{field} is {size} bytes; the limit is {METADATA_SIZE_LIMIT}. "
                      "Move large values into metadata artifacts.")
    return result


def check_schema(value: Any, field: str) -> str | None:
    """Schemas travel as JSON strings; they must parse and stay under the size limit."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{field} must be a JSON string.")
    if len(value.encode()) > SCHEMA_SIZE_LIMIT:
        raise invalid(f"{field} is larger than {SCHEMA_SIZE_LIMIT} bytes.")
    try:
        json.loads(value)
    except ValueError as exc:
        raise invalid(f"{field} is not valid JSON: {exc}.") from exc
    return value
