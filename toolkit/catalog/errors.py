"""Errors the catalog operations raise, each saying what went wrong and what to do about it.

Failures reported by the service itself stay ``oci.exceptions.ServiceError`` (with OCI's
``code`` and ``message``), exactly as code written against the SDK expects.
"""
from __future__ import annotations

from typing import Any, Iterable


class CatalogError(Exception):
    """A catalog operation cannot proceed (bad arguments, missing defaults, state conflicts)."""


class IntrospectionFailedError(CatalogError):
    """``save()`` refused the artifact because introspection found defects (ADS behaviour)."""

    def __init__(self, failures: Iterable[Any]):
        self.failures = list(failures)
        lines = [f"  - {_field(f, 'key')}: {_field(f, 'message')}" + _hint(f) for f in self.failures]
        super().__init__(
            "model artifact failed introspection; fix these or save with ignore_introspection=True:\n"
            + "\n".join(lines)
        )


class ModelInUseError(CatalogError):
    """A model still backs deployments, so deleting it would break them."""

    def __init__(self, model_id: str, deployment_ids: list[str]):
        self.model_id = model_id
        self.deployment_ids = deployment_ids
        super().__init__(
            f"model {model_id} is used by model deployment(s) {', '.join(deployment_ids)}; delete those "
            "first or pass delete_associated_model_deployment=True"
        )


class WorkRequestFailedError(CatalogError):
    """A work request ended FAILED or CANCELED; the message carries the service's error lines."""


def _field(item: Any, name: str) -> str:
    value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
    return "" if value is None else str(value)


def _hint(item: Any) -> str:
    hint = _field(item, "hint")
    return f" (hint: {hint})" if hint else ""
