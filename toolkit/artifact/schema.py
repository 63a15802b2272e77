"""Input/output schemas in the ADS format (version 1.1), built from ``X_sample`` / ``y_sample``.

The catalog stores them as JSON strings beside the model and caps them (``emulator.contracts.limits``:
at most 2000 columns, and 32000 bytes measured as the emulator measures them). Above the column
cap ADS skips the schema with a warning, and so do we; above the byte cap we first drop
per-column statistics, then raise ``SchemaSizeError``.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from emulator.contracts.limits import SCHEMA_BYTES as MAX_BYTES
from emulator.contracts.limits import SCHEMA_COLUMNS as MAX_COLUMNS
from emulator.contracts.limits import schema_size
from toolkit.artifact.errors import SchemaSizeError
from toolkit.artifact.expression import Expression

SCHEMA_VERSION = "1.1"
INPUT_SCHEMA_FILE = "input_schema.json"
OUTPUT_SCHEMA_FILE = "output_schema.json"


@dataclass
class Domain:
    """What a column holds: ``values`` (a description), ``stats`` and ``constraints`` (Expressions)."""

    values: str = ""
    stats: dict = field(default_factory=dict)
    constraints: list[Expression] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Domain":
        data = data or {}
        constraints = [c if isinstance(c, Expression) else Expression(**c) for c in data.get("constraints") or []]
        return cls(str(data.get("values") or ""), dict(data.get("stats") or {}), constraints)

    def to_dict(self) -> dict:
        return {"values": self.values, "stats": self.stats, "constraints": [c.to_dict() for c in self.constraints]}


@dataclass
class Attribute:
    """One column: the ADS ``Attribute`` fields."""

    dtype: str
    feature_type: str
    name: str
    domain: Domain = field(default_factory=Domain)
    required: bool = True
    description: str = ""
    order: int | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "Attribute":
        fields = {k: v for k, v in data.items() if k in ("dtype", "feature_type", "name", "required", "description",
                                                          "order")}
        return cls(**fields, domain=Domain.from_dict(data.get("domain")))

    def to_dict(self) -> dict:
        out = {"dtype": self.dtype, "feature_type": self.feature_type, "name": self.name,
               "domain": self.domain.to_dict(), "required": self.required, "description": self.description}
        if self.order is not None:
            out["order"] = self.order
        return out

    @property
    def key(self) -> str:
        return str(self.name)


@dataclass
class Schema:
    """The columns of a model's input or output, by name: ``schema["col"].description = "..."``."""

    attributes: list[Attribute] = field(default_factory=list)
    version: str = SCHEMA_VERSION

    def __getitem__(self, key: Any) -> Attribute:
        for attribute in self.attributes:
            if attribute.name == key or attribute.key == str(key):
                return attribute
        raise KeyError(f"No column {key!r} in the schema; columns: {', '.join(map(str, self.keys)) or 'none'}")

    def __contains__(self, key: Any) -> bool:
        return any(a.name == key or a.key == str(key) for a in self.attributes)

    @property
    def keys(self) -> list[str]:
        """The column names, in the schema's order (ADS's ``keys``)."""
        return [a.name for a in sorted(self.attributes, key=lambda a: a.order if a.order is not None else 0)]

    names = keys

    def add(self, item: Attribute, replace: bool = False) -> None:
        """Add a column; an existing name needs ``replace=True``."""
        if item.key in self and not replace:
            raise ValueError(f"The schema already has a column {item.name!r}; pass replace=True to replace it.")
        self.attributes = [a for a in self.attributes if a.key != item.key] + [item]

    def to_dict(self) -> dict:
        return {"schema": [a.to_dict() for a in self.attributes], "version": self.version}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=str)

    def to_yaml(self) -> str:
        return yaml.safe_dump(json.loads(self.to_json()), sort_keys=False)

    def __repr__(self) -> str:
        return self.to_yaml()

    def size_bytes(self) -> int:
        return schema_size(self.to_json())

    def validate_size(self) -> bool:
        """True within the catalog's limit; SchemaSizeError (with the sizes) otherwise."""
        if self.size_bytes() > MAX_BYTES:
            raise SchemaSizeError(f"The schema is {self.size_bytes()} bytes; the catalog accepts at most {MAX_BYTES}.",
                                  hint="Drop statistics or columns, or keep the schema in the artifact only.")
        return True

    @classmethod
    def from_dict(cls, schema: dict) -> "Schema":
        attributes = [Attribute.from_dict(a) for a in (schema or {}).get("schema", [])]
        return cls(attributes, str((schema or {}).get("version", SCHEMA_VERSION)))

    @classmethod
    def from_json(cls, schema: str) -> "Schema":
        return cls.from_dict(json.loads(schema))

    @classmethod
    def from_file(cls, file_path: str | Path) -> "Schema | None":
        """A schema from a JSON or YAML file (by suffix: .yaml/.yml are YAML); None when it does not exist."""
        path = Path(file_path).expanduser()
        if not path.exists():
            return None
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in (".yaml", ".yml"):
            return cls.from_dict(yaml.safe_load(text))
        return cls.from_json(text)

    def write(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, default=str), encoding="utf-8")

    def to_json_file(self, file_path: str | Path, storage_options: dict | None = None) -> None:
        """Write the schema as JSON (local paths; ``storage_options`` are ADS's fsspec options, not used)."""
        if str(file_path).startswith("oci://") or storage_options:
            raise NotImplementedError("to_json_file writes local files; write locally and upload the file.")
        self.write(Path(file_path).expanduser())


def as_frame(sample: Any):
    """A pandas DataFrame view of a sample (DataFrame, Series, ndarray, list, tensor)."""
    import numpy as np
    import pandas as pd

    if isinstance(sample, pd.DataFrame):
        return sample
    if isinstance(sample, pd.Series):
        return sample.to_frame(name=str(sample.name) if sample.name is not None else "0")
    if hasattr(sample, "detach"):
        sample = sample.detach().cpu().numpy()
    array = np.asarray(sample)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ValueError(f"A schema needs tabular samples; got an array of shape {array.shape}.")
    return pd.DataFrame(array, columns=[str(i) for i in range(array.shape[1])])


def feature_type(series) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "Boolean"
    if pd.api.types.is_integer_dtype(series):
        return "Integer"
    if pd.api.types.is_float_dtype(series):
        return "Continuous"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "DateTime"
    if isinstance(series.dtype, pd.CategoricalDtype) or series.nunique() <= max(20, len(series) // 10):
        return "Category"
    return "String"


# ADS's names for the summary statistics of a numeric column, in ADS's order (pandas' describe() keys).
NUMERIC_STATS = (("count", "count"), ("mean", "mean"), ("standard deviation", "std"), ("sample minimum", "min"),
                 ("lower quartile", "25%"), ("median", "50%"), ("upper quartile", "75%"), ("sample maximum", "max"))


def _stats(series, kind: str) -> dict:
    """ADS's statistics for a column of this feature type (named as ADS writes them)."""
    if kind in ("Integer", "Continuous"):
        described = series.describe()
        stats = {name: _number(described.get(key)) for name, key in NUMERIC_STATS}
        if kind == "Continuous":
            stats["count"] = float(len(series))  # ADS counts missing values too, and says how many
            stats["skew"] = _number(series.skew())
            missing = int(series.isna().sum())
            if missing:
                stats["missing"] = float(missing)
        return stats
    if kind == "DateTime":
        present = series.dropna()
        return {"count": int(len(series)), "sample maximum": str(present.max()) if len(present) else None,
                "sample minimum": str(present.min()) if len(present) else None}
    return {"count": int(len(series)), "unique": int(series.nunique())}


def _constraints(series, kind: str) -> list[Expression]:
    """ADS's automatic constraints: the allowed values of a boolean or categorical column."""
    if kind == "Boolean":
        return [Expression("$x in [True, False]")]
    if kind == "Category" and series.nunique() <= 100:
        values = sorted(series.dropna().unique().tolist(), key=str)
        return [Expression(f"$x in {[v.item() if hasattr(v, 'item') else v for v in values]!r}")]
    return []


def _number(value: Any) -> float | None:
    import math

    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def from_sample(sample: Any, *, max_columns: int = MAX_COLUMNS, with_stats: bool = True) -> Schema | None:
    """The schema of a sample, or None (with a warning) above ``max_columns`` like ADS."""
    frame = as_frame(sample)
    if frame.shape[1] > max_columns:
        warnings.warn(
            f"Schema skipped: the sample has {frame.shape[1]} columns and the catalog accepts at most "
            f"{max_columns}. Pass a sample with fewer columns to record a schema.",
            stacklevel=3,
        )
        return None
    attributes = []
    for order, name in enumerate(frame.columns):
        column = frame[name]
        kind = feature_type(column)
        domain = Domain(kind, _stats(column, kind) if with_stats else {}, _constraints(column, kind))
        required = not bool(column.isna().any())
        attributes.append(Attribute(str(column.dtype), kind, str(name), domain, required, str(name), order))
    return Schema(attributes)


def fitted_schema(sample: Any, *, which: str, max_columns: int = MAX_COLUMNS) -> Schema | None:
    """``from_sample`` within the byte cap: drops statistics if needed, else raises SchemaSizeError."""
    schema = from_sample(sample, max_columns=max_columns)
    if schema is None or schema.size_bytes() <= MAX_BYTES:
        return schema
    schema = from_sample(sample, max_columns=max_columns, with_stats=False)
    if schema.size_bytes() <= MAX_BYTES:
        return schema
    raise SchemaSizeError(
        f"The {which} schema is {schema.size_bytes()} bytes even without statistics; "
        f"the catalog accepts at most {MAX_BYTES} bytes.",
        hint=f"Pass a {which} sample with fewer columns, or none (the schema is optional).",
    )


def synthetic_row(schema: Schema) -> dict[str, Any] | None:
    """One plausible input row from the schema's statistics and constraints (for introspection without
    a sample); the rule is the inference server's, which the console's test-predict form uses too."""
    from emulator.inference.schema import sample_row

    return sample_row(schema.to_dict()["schema"])
