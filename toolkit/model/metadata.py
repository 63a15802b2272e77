"""Model metadata: taxonomy (defined), custom and provenance, with the catalog's size limits.

Keys are ADS's (``ads.model.model_metadata``). The limits and how the size is measured are the
catalog's contract (``emulator.contracts.limits``), the very numbers and function the emulator
checks: values up to 16000 characters, descriptions up to 255, custom and taxonomy metadata
together up to 32000 bytes as ADS counts them. Exceeding one raises ``MetadataSizeError`` naming
the key, the size and the limit, at prepare() time rather than as a 400 from the catalog.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from emulator.contracts import limits

TAXONOMY_KEYS = ("UseCaseType", "Framework", "FrameworkVersion", "Algorithm", "Hyperparameters", "ArtifactTestResults")
CUSTOM_KEYS = (
    "SlugName", "CondaEnvironment", "CondaEnvironmentPath", "EnvironmentType", "ModelArtifacts",
    "TrainingDataset", "ValidationDataset", "ModelSerializationFormat", "TrainingDatasetSize",
    "ValidationDatasetSize", "TrainingDatasetNumberOfRows", "TrainingDatasetNumberOfCols",
    "ValidationDatasetNumberOfRows", "ValidationDataSetNumberOfCols", "ClientLibrary", "ModelFileName",
)
CUSTOM_CATEGORIES = ("Performance", "Training Profile", "Training and Validation Datasets", "Training Environment", "Other")
USE_CASE_TYPES = (
    "binary_classification", "regression", "multinomial_classification", "clustering", "recommender",
    "dimensionality_reduction/representation", "time_series_forecasting", "anomaly_detection",
    "topic_modeling", "ner", "sentiment_analysis", "image_classification", "object_localization", "other",
)


class MetadataSizeError(ValueError):
    """A metadata value, description or collection exceeds the catalog's limit."""


def check_use_case_type(value: Any) -> None:
    """ValueError unless ``value`` is None or one of ADS's ``UseCaseType`` values (ADS refuses others too)."""
    if value is not None and value not in USE_CASE_TYPES:
        raise ValueError(f"use_case_type {value!r} is not one of ADS's use case types: {', '.join(USE_CASE_TYPES)}.")


@dataclass
class MetadataItem:
    key: str
    value: Any = None
    description: str | None = None
    category: str | None = None
    has_artifact: bool = False

    def wire_value(self) -> str | None:
        """The value as the catalog stores it: strings as they are, the rest JSON (NaN as null)."""
        if self.value is None or isinstance(self.value, str):
            return self.value
        return json.dumps(_nan_to_none(self.value), default=str)

    def to_wire(self, *, with_category: bool) -> dict:
        wire = {"key": self.key, "value": self.wire_value()}
        if with_category:
            wire["description"] = self.description
            wire["category"] = self.category
        return wire


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nan_to_none(v) for v in value]
    return value


class _Collection:
    """Items by key with the limits checked on ``validate()``."""

    name = "metadata"
    with_category = True

    def __init__(self) -> None:
        self._items: dict[str, MetadataItem] = {}

    def __getitem__(self, key: str) -> MetadataItem:
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"No {self.name} item {key!r}; keys: {', '.join(self._items) or 'none'}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[MetadataItem]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> MetadataItem:
        return self[key]

    def keys(self) -> list[str]:
        return list(self._items)

    def to_dict(self) -> dict[str, Any]:
        return {item.key: item.value for item in self}

    def to_wire(self) -> list[dict]:
        """The catalog's ``Metadata`` list (values as strings); validated first."""
        self.validate()
        return [item.to_wire(with_category=self.with_category) for item in self if item.value is not None]

    def validate(self) -> None:
        """Each item's value and description within its limit (the total is :func:`validate_size`'s)."""
        for item in self:
            value = item.wire_value()
            if value is not None and len(value) > limits.METADATA_VALUE_CHARS:
                raise MetadataSizeError(
                    f"{self.name} value of {item.key!r} is {len(value)} characters; the catalog accepts at most "
                    f"{limits.METADATA_VALUE_CHARS}. Shorten it, or keep large content in the artifact directory instead."
                )
            if item.description and len(item.description) > limits.METADATA_DESCRIPTION_CHARS:
                raise MetadataSizeError(
                    f"{self.name} description of {item.key!r} is {len(item.description)} characters; the catalog "
                    f"accepts at most {limits.METADATA_DESCRIPTION_CHARS}."
                )

    def to_dataframe(self):
        import pandas as pd

        return pd.DataFrame([{"Key": i.key, "Value": i.value, "Description": i.description, "Category": i.category}
                             for i in self])


def validate_size(taxonomy: "ModelTaxonomyMetadata", custom: "ModelCustomMetadata") -> None:
    """Both collections' items, then their total size as the catalog counts it (one function for
    both sides: ``emulator.contracts.limits.metadata_size``)."""
    size = limits.metadata_size(custom.to_wire(), taxonomy.to_wire())  # to_wire() checks each item first
    if size > limits.METADATA_BYTES:
        biggest = max([*taxonomy, *custom], key=lambda i: len(i.wire_value() or ""))
        raise MetadataSizeError(
            f"custom and taxonomy metadata are {size} bytes together (each item's JSON in UTF-16, as ADS and "
            f"the catalog count it); the catalog accepts at most {limits.METADATA_BYTES}. The largest value is "
            f"{biggest.key!r} ({len(biggest.wire_value() or '')} characters): shorten or remove it."
        )


class ModelTaxonomyMetadata(_Collection):
    """The defined (taxonomy) metadata: a fixed set of keys."""

    name = "taxonomy metadata"
    with_category = False

    def __init__(self) -> None:
        super().__init__()
        for key in TAXONOMY_KEYS:
            self._items[key] = MetadataItem(key)

    def set(self, key: str, value: Any) -> None:
        self[key].value = value

    def validate(self) -> None:
        """The item limits, and UseCaseType one of ADS's use case types."""
        super().validate()
        check_use_case_type(self["UseCaseType"].value)


class ModelCustomMetadata(_Collection):
    """Free-form metadata; the ADS keys are filled by prepare(), users add their own."""

    name = "custom metadata"

    def add(self, key: str, value: Any, description: str | None = None, category: str | None = "Other",
            replace: bool = False) -> MetadataItem:
        if key in self._items and not replace:
            raise ValueError(f"Custom metadata {key!r} exists; pass replace=True to change it.")
        if category is not None and category not in CUSTOM_CATEGORIES:
            raise ValueError(f"Unknown category {category!r}; use one of {', '.join(CUSTOM_CATEGORIES)}.")
        item = MetadataItem(key, value, description, category)
        self._items[key] = item
        return item

    def remove(self, key: str) -> None:
        self._items.pop(key, None)


@dataclass
class ModelProvenanceMetadata:
    """Where the model came from: git state of the training code (the catalog's ModelProvenance)."""

    repository_url: str | None = None
    git_branch: str | None = None
    git_commit: str | None = None
    training_script_path: str | None = None
    training_id: str | None = None
    artifact_dir: str | None = None
    is_dirty: bool | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def fetch(cls, training_script_path: str | None = None, training_id: str | None = None,
              artifact_dir: str | None = None) -> "ModelProvenanceMetadata":
        """Read git facts from the repository that holds the training script (or the cwd)."""
        script = training_script_path or _main_script()
        start = Path(script).resolve().parent if script else Path.cwd()
        git = _Git(start)
        return cls(
            repository_url=git("config", "--get", "remote.origin.url"),
            git_branch=git("rev-parse", "--abbrev-ref", "HEAD"),
            git_commit=git("rev-parse", "HEAD"),
            training_script_path=script,
            training_id=training_id or os.environ.get("JOB_RUN_OCID") or os.environ.get("NB_SESSION_OCID"),
            artifact_dir=artifact_dir,
            is_dirty=None if git("rev-parse", "HEAD") is None else bool(git("status", "--porcelain", "--untracked-files=no")),
        )

    def to_wire(self) -> dict:
        """The catalog's ModelProvenance fields (camelCase)."""
        return {
            "repositoryUrl": self.repository_url,
            "gitBranch": self.git_branch,
            "gitCommit": self.git_commit,
            "scriptDir": self.artifact_dir,
            "trainingScript": self.training_script_path,
            "trainingId": self.training_id,
        }

    @classmethod
    def from_wire(cls, wire: dict | None) -> "ModelProvenanceMetadata":
        wire = wire or {}
        get = lambda *names: next((wire[n] for n in names if wire.get(n) is not None), None)  # noqa: E731
        return cls(
            repository_url=get("repositoryUrl", "repository_url"),
            git_branch=get("gitBranch", "git_branch"),
            git_commit=get("gitCommit", "git_commit"),
            training_script_path=get("trainingScript", "training_script"),
            training_id=get("trainingId", "training_id"),
            artifact_dir=get("scriptDir", "script_dir"),
        )


def _main_script() -> str | None:
    """The script this process runs (``python train.py``), as ADS records it by default; None in a
    notebook and under a console command (``dockyard``, ``pytest``): their executable, or an installed
    package's ``__main__``, trained nothing. ``training_script_path`` (``--training-script``) names it."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path or Path(path).suffix != ".py" or not Path(path).is_file():
        return None
    script = Path(path).resolve()
    installed = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib", "stdlib")}
    return None if any(script.is_relative_to(root) for root in installed) else str(script)


class _Git:
    """Runs read-only git commands in one directory; None when git or the repository is absent."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def __call__(self, *args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=self.cwd, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None
