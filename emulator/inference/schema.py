"""Optional input validation against the artifact's ``input_schema.json`` (ADS schema format 1.1).

Only tabular JSON payloads are checked (a dict of columns, a list of records, or ADS's
``{"data": <DataFrame.to_json()>, "data_type": ...}``); other payloads pass through untouched.
Errors name the column and the problem, never the whole schema.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

_NUMERIC = ("int", "float", "double", "number", "decimal")
_BOOLEAN = ("bool",)


class SchemaViolation(ValueError):
    """The payload does not match input_schema.json; the message is safe to return to the caller."""


def load_input_schema(model_dir: Path) -> list[dict] | None:
    """The schema's attribute list, or None when the artifact has no usable input_schema.json."""
    path = model_dir / "input_schema.json"
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    attrs = doc.get("schema") if isinstance(doc, dict) else None
    return attrs if isinstance(attrs, list) and attrs else None


def validate(payload: Any, attributes: list[dict]) -> None:
    """Raise SchemaViolation for the first missing, unknown or mistyped column in a tabular payload."""
    columns = _columns(payload)
    if columns is None:
        return
    known = {str(a.get("name")): a for a in attributes}
    for name in columns:
        if name not in known:
            raise SchemaViolation(f"column '{name}' is not in the model's input schema")
    for name, attr in known.items():
        if name not in columns:
            if attr.get("required", True):
                raise SchemaViolation(f"required column '{name}' is missing")
            continue
        _check_values(name, str(attr.get("dtype", "")).lower(), columns[name], attr.get("required", True))


def _columns(payload: Any) -> dict[str, list] | None:
    """Turn the usual tabular JSON shapes into {column: values}; None when the shape is not tabular."""
    if isinstance(payload, dict) and "data" in payload:
        payload = payload["data"]
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except ValueError:
                return None
    if isinstance(payload, dict) and payload and all(isinstance(v, (dict, list)) for v in payload.values()):
        return {str(k): list(v.values()) if isinstance(v, dict) else v for k, v in payload.items()}
    if isinstance(payload, list) and payload and all(isinstance(r, dict) for r in payload):
        names = {str(k) for r in payload for k in r}
        return {n: [r.get(n) for r in payload] for n in names}
    return None


def sample_row(attributes: list[dict], fill_unknown: bool = False) -> dict[str, Any] | None:
    """One plausible input row from a schema's attributes: the median (or mean) of numeric columns,
    the first value a ``$x in [...]`` constraint allows or the most frequent value of others, in the
    schema's column order. Reads ADS's statistics names (``median``) and the pandas ones (``50%``)
    earlier Dockyard versions wrote.

    A column without statistics makes the result None, unless ``fill_unknown`` asks for a
    placeholder of its dtype instead (0, 0.0, False or "": a form to edit, not a prediction)."""
    row: dict[str, Any] = {}
    for attribute in sorted(attributes, key=lambda a: a.get("order") or 0):
        name = str(attribute.get("name"))
        domain = attribute.get("domain") or {}
        stats = domain.get("stats") or {}
        kind = attribute.get("feature_type")
        middle = next((stats[k] for k in ("median", "50%", "mean") if isinstance(stats.get(k), (int, float))), None)
        allowed = _allowed_values(domain.get("constraints") or [])
        if kind == "Boolean":
            row[name] = bool(allowed[0]) if allowed else bool(stats.get("top", False))
        elif kind in ("Integer", "Continuous") and middle is not None:
            row[name] = int(round(middle)) if kind == "Integer" else float(middle)
        elif allowed:
            row[name] = allowed[0]
        elif "top" in stats:
            row[name] = stats["top"]
        elif fill_unknown:
            row[name] = _placeholder(str(attribute.get("dtype", "")).lower(), kind)
        else:
            return None
    return row


def _allowed_values(constraints: list) -> list[Any]:
    """The literal values of a column's ``$x in [...]`` constraint (ADS writes one for booleans and
    categories); [] when it has none. Read with literal_eval: a schema never runs code."""
    for constraint in constraints:
        text = str(constraint.get("expression", "")) if isinstance(constraint, dict) else ""
        if text.replace(" ", "").startswith("$xin[") and " in " in text:
            try:
                values = ast.literal_eval(text.split(" in ", 1)[1].strip())
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                continue
            if isinstance(values, (list, tuple, set)) and values:
                return list(values)
    return []


def _placeholder(dtype: str, kind: Any) -> Any:
    if dtype.startswith(_BOOLEAN) or kind == "Boolean":
        return False
    if dtype.startswith("int") or kind == "Integer":
        return 0
    if dtype.startswith(_NUMERIC) or kind == "Continuous":
        return 0.0
    return ""


def _check_values(name: str, dtype: str, values: list, required: bool) -> None:
    for row, value in enumerate(values):
        if value is None:
            if required:
                raise SchemaViolation(f"column '{name}' has a null value at row {row} but is required")
            continue
        if dtype.startswith(_NUMERIC) and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise SchemaViolation(f"column '{name}' expects {dtype} but row {row} has {type(value).__name__} {_short(value)}")
        if dtype.startswith(_BOOLEAN) and not isinstance(value, bool):
            raise SchemaViolation(f"column '{name}' expects bool but row {row} has {type(value).__name__}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
