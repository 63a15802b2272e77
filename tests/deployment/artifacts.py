"""Tiny hand-written artifacts for the inference server tests (no framework needed)."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

ECHO_SCORE = '''
import json, os

def load_model():
    return {"factor": 2}

def predict(data, model=load_model()):
    if isinstance(data, (bytes, bytearray)):
        return {"prediction": len(data)}
    if isinstance(data, dict) and data.get("boom"):
        raise ValueError("boom requested")
    values = data["data"] if isinstance(data, dict) and "data" in data else data
    if isinstance(values, list) and values and isinstance(values[0], (int, float)):
        return {"prediction": [v * model["factor"] for v in values]}
    return {"prediction": values}
'''

BROKEN_LOAD_SCORE = '''
def load_model():
    raise RuntimeError("weights missing")

def predict(data, model=None):
    return {"prediction": None}
'''

SCHEMA = {
    "version": "1.1",
    "schema": [
        {"name": "age", "dtype": "int64", "feature_type": "Integer", "required": True, "order": 0},
        {"name": "city", "dtype": "object", "feature_type": "String", "required": False, "order": 1},
    ],
}


def write_artifact(directory: Path, score: str = ECHO_SCORE, schema: dict | None = None,
                   requirements: list[str] | None = None) -> Path:
    """Write score.py (+ runtime.yaml, optional input_schema.json) and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    from tests.deployment.helpers import runtime_yaml

    (directory / "score.py").write_text(textwrap.dedent(score))
    (directory / "runtime.yaml").write_text(runtime_yaml(requirements or []))
    if schema is not None:
        (directory / "input_schema.json").write_text(json.dumps(schema))
    return directory
