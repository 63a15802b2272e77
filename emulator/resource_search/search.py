"""Running a search over the store and shaping ``ResourceSummary`` items."""
from __future__ import annotations

from typing import Any

from emulator.resource_search.query import TYPES, matches, parse
from emulator.store import Database


def summary(record: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {
        "resourceType": resource_type,
        "identifier": record["id"],
        "compartmentId": record.get("compartmentId"),
        "timeCreated": record.get("timeCreated"),
        "displayName": record.get("displayName") or record.get("name"),
        "availabilityDomain": None,
        "lifecycleState": record.get("lifecycleState"),
        "freeformTags": record.get("freeformTags") or {},
        "definedTags": record.get("definedTags") or {},
        "systemTags": record.get("systemTags") or {},
        "searchContext": None,
        "identityContext": {},
        "additionalDetails": {},
    }


def structured(db: Database, text: str) -> list[dict[str, Any]]:
    """Summaries of every record matching the structured query ``text``, newest first."""
    query = parse(text)
    found = []
    for search_type in query.types:
        kind, resource_type = TYPES[search_type]
        for record in db.list(kind).items:
            if matches(record, query):
                found.append(summary(record, resource_type))
    return sorted(found, key=lambda s: s["timeCreated"] or "", reverse=True)


def free_text(db: Database, text: str) -> list[dict[str, Any]]:
    """Summaries of records whose display name or id contains ``text`` (case-insensitive)."""
    needle = (text or "").lower()
    found = []
    for kind, resource_type in TYPES.values():
        for record in db.list(kind).items:
            name = str(record.get("displayName") or record.get("name") or "")
            if needle in name.lower() or needle in record["id"].lower():
                found.append(summary(record, resource_type))
    return found
