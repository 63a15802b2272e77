"""SDK model objects <-> the JSON the service speaks (camelCase), for metadata and ``--json`` output.

The toolkit's model classes exchange catalog metadata in wire form (``CatalogMetadata`` of
``toolkit.catalog.protocol``) and the CLI prints wire form too, so scripts see the same field names
as the REST API and the ``oci`` CLI docs.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping, TypeVar

T = TypeVar("T")


def to_wire(value: Any) -> Any:
    """An SDK model object (recursively) as wire JSON; None fields are left out."""
    if hasattr(value, "swagger_types") and hasattr(value, "attribute_map"):
        result = {}
        for attr, wire_name in value.attribute_map.items():
            field = getattr(value, attr, None)
            if field is not None:
                result[wire_name] = to_wire(field)
        return result
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


def from_wire(cls: type[T], data: Mapping[str, Any] | T) -> T:
    """A flat SDK model (e.g. ``Metadata``) from a wire dict; snake_case keys are accepted too.

    Unknown keys are dropped rather than passed on, so a field the SDK does not know (a newer
    service, an extra note) cannot make the whole request fail client-side.
    """
    if isinstance(data, cls):
        return data
    probe = cls()
    wire_to_attr = {wire: attr for attr, wire in probe.attribute_map.items()}
    kwargs = {}
    for key, value in data.items():
        attr = wire_to_attr.get(key, key)
        if attr in probe.swagger_types:
            kwargs[attr] = value
    return cls(**kwargs)
