"""The smallest object honouring ``toolkit.catalog.protocol.CatalogModel`` (what GenericModel gives the
catalog), so the catalog side is specified and tested independently of any framework."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCORE_PY = '''
def load_model():
    return None


def predict(data, model=load_model()):
    return {"prediction": [2 * x for x in data]}
'''
RUNTIME_YAML = "MODEL_ARTIFACT_VERSION: '3.0'\nMODEL_DEPLOYMENT:\n  INFERENCE_CONDA_ENV:\n    INFERENCE_PYTHON_VERSION: '3.11'\n"


@dataclass
class Failure:
    key: str
    message: str
    hint: str = ""


@dataclass
class Result:
    passed: bool
    failures: list[Failure] = field(default_factory=list)


class StubModel:
    """Artifact = score.py + runtime.yaml (+ a data file); metadata kept as wire dicts."""

    def __init__(self, artifact_dir: Path, broken: bool = False):
        self.artifact_dir = str(artifact_dir)
        self.auth = None
        self.model_id: str | None = None
        self.model_deployment: Any = None
        self.broken = broken
        self.record: dict[str, Any] = {}
        self.provenance: dict[str, Any] = {}

    @classmethod
    def prepared(cls, artifact_dir: Path, broken: bool = False) -> "StubModel":
        artifact_dir.mkdir(parents=True, exist_ok=True)
        (artifact_dir / "score.py").write_text(SCORE_PY)
        (artifact_dir / "runtime.yaml").write_text(RUNTIME_YAML)
        (artifact_dir / "weights.bin").write_bytes(bytes(range(256)) * 64)
        return cls(artifact_dir, broken)

    @classmethod
    def from_model_artifact(cls, uri: str, **kwargs: Any) -> "StubModel":
        return cls(Path(uri))

    def introspect(self) -> Result:
        if self.broken:
            return Result(False, [Failure("score_predict", "predict is not defined in score.py", "define predict(data)")])
        return Result(True)

    def catalog_metadata(self) -> dict[str, Any]:
        return {
            "definedMetadataList": [{"key": "Framework", "value": "other"}, {"key": "UseCaseType", "value": "regression"}],
            "customMetadataList": [
                {"key": "ModelFileName", "value": "weights.bin", "description": "file", "category": "Other"}
            ],
            "inputSchema": json.dumps({"schema": [{"name": "x", "dtype": "int64"}], "version": "1.1"}),
            "outputSchema": None,
            "provenance": {"repositoryUrl": "https://example.com/repo.git", "gitBranch": "main",
                           "gitCommit": "abc123", "scriptDir": None, "trainingScript": "train.py", "trainingId": None},
        }

    def apply_catalog_metadata(self, record: dict[str, Any], provenance: dict[str, Any] | None = None) -> None:
        self.record = record
        self.provenance = provenance
