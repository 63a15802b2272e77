"""Input/output schemas in the ADS format (version 1.1), built from ``X_sample`` / ``y_sample``.

The catalog stores them as JSON strings beside the model and caps them (``emulator.contracts.limits``:
at most 2000 columns, and 32000 bytes measured as the emulator measures them). Above the column
cap ADS skips the schema with a warning, and so do we; above the byte cap we first drop
per-column statistics, then raise ``SchemaSizeError``.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from emulator.contracts.limits import SCHEMA_BYTES as MAX_BYTES
from emulator.contracts.limits import SCHEMA_COLUMNS as MAX_COLUMNS
from emulator.contracts.limits import schema_size
from toolkit.artifact.errors import SchemaSizeError

SCHEMA_VERSION = "1.1"
INPUT_SCHEMA_FILE = "input_schema.json"
OUTPUT_SCHEMA_FILE = "output_schema.json"


@dataclass
class Attribute:
    """One column: the ADS ``Attribute`` fields."""

    dtype: str
    feature_type: str
    name: str
    domain: dict = field(default_factory=dict)
    required: bool = True
    description: str = ""
    order: int = 0


@dataclass
class Schema:
    attributes: list[Attribute]
    version: str = SCHEMA_VERSION

    @property
    def names(self) -> list[str]:
        return [a.name for a in sorted(self.attributes, key=lambda a: a.order)]

    def to_dict(self) -> dict:
        return {"schema": [asdict(a) for a in self.attributes], "version": self.version}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=str)

    def size_bytes(self) -> int:
        return schema_size(self.to_json())

    @classmethod
    def from_dict(cls, data: dict) -> "Schema":
        attributes = [Attribute(**a) for a in data.get("schema", [])]
        return cls(attributes, str(data.get("version", SCHEMA_VERSION)))

    @classmethod
    def from_json(cls, text: str) -> "Schema":
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_file(cls, path: Path) -> "Schema | None":
        return cls.from_json(Path(path).read_text(encoding="utf-8")) if Path(path).exists() else None

    def write(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, default=str), encoding="utf-8")


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


def _stats(series, kind: str) -> dict:
    described = series.describe()
    if kind in ("Integer", "Continuous"):
        return {k: float(v) for k, v in described.items()}
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in described.items()}


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
        stats = _stats(column, kind) if with_stats else {}
        domain = {"values": kind, "stats": stats, "constraints": []}
        attributes.append(Attribute(str(column.dtype), kind, str(name), domain, True, str(name), order))
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
    """One plausible input row from the schema's statistics (for introspection without a sample);
    the rule is the inference server's, which the console's test-predict form uses too."""
    from emulator.inference.schema import sample_row

    return sample_row(schema.to_dict()["schema"])
