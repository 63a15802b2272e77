"""Records as the console's pages show them: metadata values made readable, schemas as tables,
a deployment's runtime and instances. Pure functions of records; no HTTP, no store."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulator.contracts.artifact_tests import RESULTS_KEY
from emulator.model_deployment import configuration

# Taxonomy keys the models table shows as columns (ADS's MetadataTaxonomyKeys).
FRAMEWORK, USE_CASE = "Framework", "UseCaseType"
_STAT_KEYS = ("count", "mean", "std", "min", "25%", "50%", "75%", "max", "unique", "top", "freq")


def metadatum(record: dict[str, Any], key: str, list_name: str = "definedMetadataList") -> str:
    """The value of one metadata item, or "" when the model has none."""
    item = next((m for m in record.get(list_name) or [] if m.get("key") == key), None)
    value = item.get("value") if item else None
    return "" if value is None else str(value)


@dataclass
class MetadataRow:
    key: str
    value: str
    is_json: bool
    category: str = ""
    description: str = ""
    has_artifact: bool = False


def metadata_rows(items: list[dict[str, Any]] | None, skip: tuple[str, ...] = ()) -> list[MetadataRow]:
    """Metadata items with JSON values pretty-printed (hyperparameters, test results)."""
    rows = []
    for item in items or []:
        if item.get("key") in skip:
            continue
        value, is_json = _readable(item.get("value"))
        rows.append(MetadataRow(str(item.get("key")), value, is_json, str(item.get("category") or ""),
                                str(item.get("description") or ""), bool(item.get("hasArtifact"))))
    return rows


def taxonomy_rows(record: dict[str, Any]) -> list[MetadataRow]:
    """Taxonomy metadata without ArtifactTestResults, which has its own table."""
    return metadata_rows(record.get("definedMetadataList"), skip=(RESULTS_KEY,))


def _readable(value: Any) -> tuple[str, bool]:
    if value is None:
        return "", False
    if not isinstance(value, str):
        return json.dumps(value, indent=2, default=str), True
    text = value.strip()
    if text[:1] in "{[":
        try:
            return json.dumps(json.loads(text), indent=2), True
        except ValueError:
            pass
    return value, False


@dataclass
class SchemaTable:
    """An ADS schema (version 1.1) as rows of columns; ``problem`` when the text is not one."""

    columns: list[dict[str, Any]] = field(default_factory=list)
    version: str = ""
    problem: str = ""
    raw: str = ""


def schema_table(text: str | None) -> SchemaTable | None:
    """None when the model has no schema."""
    if not text:
        return None
    try:
        document = json.loads(text)
    except ValueError as exc:
        return SchemaTable(problem=f"not JSON ({exc})", raw=text)
    attributes = document.get("schema") if isinstance(document, dict) else None
    if not isinstance(attributes, list):
        return SchemaTable(problem="no 'schema' list of columns", raw=text)
    columns = []
    for attribute in sorted((a for a in attributes if isinstance(a, dict)), key=lambda a: _order(a.get("order"))):
        stats = (attribute.get("domain") or {}).get("stats") if isinstance(attribute.get("domain"), dict) else None
        columns.append({"order": attribute.get("order"), "name": attribute.get("name"), "dtype": attribute.get("dtype"),
                        "feature_type": attribute.get("feature_type"), "required": attribute.get("required"),
                        "description": attribute.get("description") or "", "stats": _stats(stats)})
    return SchemaTable(columns, str(document.get("version") or ""))


def _order(value: Any) -> float:
    return value if isinstance(value, (int, float)) else float("inf")


def _stats(stats: Any) -> str:
    if not isinstance(stats, dict):
        return ""
    parts = [f"{k} {_number(stats[k])}" for k in _STAT_KEYS if k in stats and stats[k] is not None]
    return ", ".join(parts)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


@dataclass
class DeploymentView:
    """What the deployments pages show of one deployment."""

    record: dict[str, Any]
    url: str
    runtime: str
    instances: str
    shape: str
    model_id: str
    environment: str


def deployment_view(record: dict[str, Any], url: str, runtime: str | None) -> DeploymentView:
    config = record.get("modelDeploymentConfigurationDetails") or {}
    model = configuration.infrastructure(record)
    env = config.get("environmentConfigurationDetails") or {}
    running = (record.get("modelDeploymentSystemData") or {}).get("currentInstanceCount", 0)
    environment = env.get("environmentConfigurationType") or "DEFAULT"
    if env.get("image"):
        environment += f" ({env['image']})"
    return DeploymentView(record, url, runtime or "", f"{running} of {_wanted(model)} running",
                          str((model.get("instanceConfiguration") or {}).get("instanceShapeName") or ""),
                          str(configuration.model_id(record) or ""), environment)


def _wanted(model: dict[str, Any]) -> int:
    policy = model.get("scalingPolicy") or {}
    if policy.get("policyType") == "AUTOSCALING":
        policies = policy.get("autoScalingPolicies") or [{}]
        return int(policies[0].get("initialInstanceCount") or 1)
    return int(policy.get("instanceCount") or 1)


def when(timestamp: Any) -> str:
    """An RFC 3339 timestamp as "2024-05-01 12:34:56 UTC" (what the tables show)."""
    if not timestamp:
        return ""
    try:
        parsed = datetime.fromisoformat(str(timestamp).replace("Z", "+00:00"))
    except ValueError:
        return str(timestamp)
    return parsed.strftime("%Y-%m-%d %H:%M:%S UTC")


def pretty_answer(body: bytes, content_type: str) -> str:
    """A predict answer for display: indented JSON when it is JSON, text otherwise."""
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type.lower():
        try:
            return json.dumps(json.loads(text), indent=2)
        except ValueError:
            pass
    return text
