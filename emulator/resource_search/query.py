"""Parsing and evaluating the structured query language subset ADS uses:

    query <type>[, <type>...] resources [return allAdditionalFields]
        [where <Field> (=|!=) '<value>' [(&&|||) <Field> (=|!=) '<value>' ...]]

``all`` searches every type. Fields are matched case-insensitively against the record's keys at any
depth, so ``ModelId`` finds a deployment's ``...modelConfigurationDetails.modelId``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from emulator.resource_search.errors import bad_query
from emulator.store import kinds

# search type (lower case) -> (store kind, ResourceSummary.resourceType)
TYPES = {
    "datasciencemodel": (kinds.MODEL, "DataScienceModel"),
    "datasciencemodeldeployment": (kinds.MODEL_DEPLOYMENT, "DataScienceModelDeployment"),
    "datascienceproject": (kinds.PROJECT, "DataScienceProject"),
    "datasciencemodelversionset": (kinds.MODEL_VERSION_SET, "DataScienceModelVersionSet"),
    "datasciencemodelgroup": ("modelgroup", "DataScienceModelGroup"),
}

_HEAD = re.compile(r"^\s*query\s+(?P<types>.+?)\s+resources(?:\s+return\s+allAdditionalFields)?(?:\s+where\s+(?P<where>.+))?\s*$",
                   re.IGNORECASE | re.DOTALL)
_COND = re.compile(r"\s*(?P<field>[A-Za-z_][A-Za-z0-9_.]*)\s*(?P<op>!=|=)\s*(?P<quote>['\"])(?P<value>.*?)(?P=quote)\s*")
_JOIN = re.compile(r"\s*(&&|\|\|)\s*")


@dataclass
class Query:
    types: list[str]
    conditions: list[tuple[str, str, str]] = field(default_factory=list)  # (field, op, value)
    joins: list[str] = field(default_factory=list)  # "&&" / "||" between conditions


def parse(text: str) -> Query:
    match = _HEAD.match(text or "")
    if not match:
        raise bad_query(text, "expected: query <type> resources [where ...]")
    types = [t.strip().lower() for t in match.group("types").split(",")]
    if types == ["all"]:
        types = list(TYPES)
    query = Query(types=[t for t in types if t in TYPES])
    where = match.group("where")
    position = 0
    while where and position < len(where):
        cond = _COND.match(where, position)
        if not cond:
            raise bad_query(text, f"cannot read a condition at {where[position:]!r}")
        query.conditions.append((cond.group("field"), cond.group("op"), cond.group("value")))
        position = cond.end()
        if position < len(where):
            join = _JOIN.match(where, position)
            if not join:
                raise bad_query(text, f"expected && or || at {where[position:]!r}")
            query.joins.append(join.group(1))
            position = join.end()
    return query


def _values(record: Any, name: str) -> Iterator[Any]:
    """Every value stored under a key equal to ``name`` (case-insensitive) anywhere in ``record``."""
    if isinstance(record, dict):
        for key, value in record.items():
            if key.startswith("_"):
                continue
            if key.lower() == name:
                yield value
            yield from _values(value, name)
    elif isinstance(record, list):
        for item in record:
            yield from _values(item, name)


def _holds(record: dict[str, Any], condition: tuple[str, str, str]) -> bool:
    name, op, expected = condition
    name = {"identifier": "id"}.get(name.lower(), name.lower())
    found = any(str(v).lower() == expected.lower() for v in _values(record, name) if not isinstance(v, (dict, list)))
    return found if op == "=" else not found


def matches(record: dict[str, Any], query: Query) -> bool:
    if not query.conditions:
        return True
    result = _holds(record, query.conditions[0])
    for join, condition in zip(query.joins, query.conditions[1:]):
        result = (result and _holds(record, condition)) if join == "&&" else (result or _holds(record, condition))
    return result
