"""Model metadata: taxonomy (defined) and custom, with the catalog's size limits; ADS's vocabulary for
them (use case types, frameworks, keys, categories). Provenance is ``toolkit.model.provenance``,
importable from here too as ADS has it in one module.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from emulator.contracts import limits
from toolkit.model.provenance import ChangesNotCommitted, ModelProvenanceMetadata  # noqa: F401 (ADS has them here)

class _ChoicesMeta(type):
    """Enum-like classes of plain strings (ADS's style): ``UseCaseType.REGRESSION`` *is* the string
    ``"regression"``, so it goes to the catalog, JSON and YAML as it is; ``values()`` lists them and
    ``in`` matches strings case-insensitively."""

    def values(cls) -> tuple[str, ...]:
        return tuple(value for name, value in vars(cls).items() if name.isupper() and isinstance(value, str))

    def keys(cls) -> tuple[str, ...]:
        return tuple(name for name, value in vars(cls).items() if name.isupper() and isinstance(value, str))

    def canonical(cls, value: Any) -> str | None:
        """The member value ``value`` names (any case), or None."""
        if not isinstance(value, str):
            return None
        return next((v for v in cls.values() if v.lower() == value.lower()), None)

    def __contains__(cls, value: object) -> bool:
        return cls.canonical(value) is not None

    def __iter__(cls) -> Iterator[str]:
        return iter(cls.values())


class Choices(metaclass=_ChoicesMeta):
    """Base of the metadata enums below."""


class UseCaseType(Choices):
    """The ``UseCaseType`` taxonomy values ADS accepts (the only definition: validation uses it)."""

    BINARY_CLASSIFICATION = "binary_classification"
    REGRESSION = "regression"
    MULTINOMIAL_CLASSIFICATION = "multinomial_classification"
    CLUSTERING = "clustering"
    RECOMMENDER = "recommender"
    DIMENSIONALITY_REDUCTION = "dimensionality_reduction/representation"
    TIME_SERIES_FORECASTING = "time_series_forecasting"
    ANOMALY_DETECTION = "anomaly_detection"
    TOPIC_MODELING = "topic_modeling"
    NER = "ner"
    SENTIMENT_ANALYSIS = "sentiment_analysis"
    IMAGE_CLASSIFICATION = "image_classification"
    OBJECT_LOCALIZATION = "object_localization"
    OTHER = "other"


class Framework(Choices):
    """The ``Framework`` taxonomy values ADS knows."""

    SCIKIT_LEARN = "scikit-learn"
    XGBOOST = "xgboost"
    TENSORFLOW = "tensorflow"
    PYTORCH = "pytorch"
    MXNET = "mxnet"
    KERAS = "keras"
    LIGHT_GBM = "lightgbm"
    PYMC3 = "pymc3"
    PYOD = "pyod"
    SPACY = "spacy"
    PROPHET = "prophet"
    SKTIME = "sktime"
    STATSMODELS = "statsmodels"
    CUML = "cuml"
    ORACLE_AUTOML = "oracle_automl"
    H20 = "h2o"
    TRANSFORMERS = "transformers"
    NLTK = "nltk"
    EMCEE = "emcee"
    PYSTAN = "pystan"
    BERT = "bert"
    GENSIM = "gensim"
    FLAIR = "flair"
    WORD2VEC = "word2vec"
    ENSEMBLE = "ensemble"
    SPARK = "pyspark"
    EMBEDDING_ONNX = "embedding_onnx"
    OTHER = "other"


FrameWork = Framework  # the spelling of ADS's metadata page


class MetadataCustomCategory(Choices):
    """The categories a custom metadata item may have."""

    PERFORMANCE = "Performance"
    TRAINING_PROFILE = "Training Profile"
    TRAINING_AND_VALIDATION_DATASETS = "Training and Validation Datasets"
    TRAINING_ENV = "Training Environment"
    OTHER = "Other"


class MetadataTaxonomyKeys(Choices):
    USE_CASE_TYPE = "UseCaseType"
    FRAMEWORK = "Framework"
    FRAMEWORK_VERSION = "FrameworkVersion"
    ALGORITHM = "Algorithm"
    HYPERPARAMETERS = "Hyperparameters"
    ARTIFACT_TEST_RESULT = "ArtifactTestResults"


class MetadataCustomKeys(Choices):
    """The custom keys ADS fills (prepare() fills the environment and artifact ones)."""

    SLUG_NAME = "SlugName"
    CONDA_ENVIRONMENT = "CondaEnvironment"
    CONDA_ENVIRONMENT_PATH = "CondaEnvironmentPath"
    ENVIRONMENT_TYPE = "EnvironmentType"
    MODEL_ARTIFACTS = "ModelArtifacts"
    TRAINING_DATASET = "TrainingDataset"
    VALIDATION_DATASET = "ValidationDataset"
    MODEL_SERIALIZATION_FORMAT = "ModelSerializationFormat"
    TRAINING_DATASET_SIZE = "TrainingDatasetSize"
    VALIDATION_DATASET_SIZE = "ValidationDatasetSize"
    TRAINING_DATASET_NUMBER_OF_ROWS = "TrainingDatasetNumberOfRows"
    TRAINING_DATASET_NUMBER_OF_COLS = "TrainingDatasetNumberOfCols"
    VALIDATION_DATASET_NUMBER_OF_ROWS = "ValidationDatasetNumberOfRows"
    VALIDATION_DATASET_NUMBER_OF_COLS = "ValidationDataSetNumberOfCols"
    CLIENT_LIBRARY = "ClientLibrary"
    MODEL_FILE_NAME = "ModelFileName"


TAXONOMY_KEYS = MetadataTaxonomyKeys.values()
CUSTOM_KEYS = MetadataCustomKeys.values()
CUSTOM_CATEGORIES = MetadataCustomCategory.values()
USE_CASE_TYPES = UseCaseType.values()


_MISSING = object()


class MetadataSizeError(ValueError):
    """A metadata value, description or collection exceeds the catalog's limit."""


def check_use_case_type(value: Any) -> str | None:
    """``value`` as one of ADS's ``UseCaseType`` values (any case, as ADS matches it), or None for None;
    ValueError for anything else (ADS refuses others too)."""
    if value is None:
        return None
    canonical = UseCaseType.canonical(value)
    if canonical is None:
        raise ValueError(f"use_case_type {value!r} is not one of ADS's use case types (UseCaseType): "
                         f"{', '.join(USE_CASE_TYPES)}.")
    return canonical


def check_category(value: Any) -> str | None:
    """``value`` as one of the custom metadata categories (any case), None for None; ValueError otherwise."""
    if value is None:
        return None
    canonical = MetadataCustomCategory.canonical(value)
    if canonical is None:
        raise ValueError(f"Unknown category {value!r}; use one of {', '.join(CUSTOM_CATEGORIES)} "
                         "(MetadataCustomCategory).")
    return canonical


@dataclass
class MetadataItem:
    """One metadata item; :class:`ModelTaxonomyMetadataItem` and :class:`ModelCustomMetadataItem` are
    ADS's two kinds."""

    key: str
    value: Any = None
    description: str | None = None
    category: str | None = None
    has_artifact: bool = False

    _FIELDS = ("key", "value", "description", "category", "has_artifact")

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

    def to_dict(self) -> dict:
        """The item's fields (ADS's ``to_dict``)."""
        return {name: getattr(self, name) for name in self._FIELDS}

    def to_json_file(self, file_path: str, storage_options: dict | None = None) -> None:
        """Write the value as JSON to ``file_path`` (a folder gets ``<key>.json``), as ADS does.

        Local paths only: ``storage_options`` (ADS's fsspec options for ``oci://``) must be empty."""
        _write_json(file_path, f"{self.key}.json", json.dumps(self.value, default=str), storage_options)


class ModelTaxonomyMetadataItem(MetadataItem):
    """A taxonomy (defined) item: ``key``, ``value``, ``has_artifact``."""

    _FIELDS = ("key", "value", "has_artifact")

    def __init__(self, key: str, value: Any = None, has_artifact: bool = False) -> None:
        super().__init__(key, value, None, None, has_artifact)

    def update(self, value: Any, has_artifact: bool = False) -> None:
        """Set the value (ADS's ``update``); a UseCaseType is checked against ``UseCaseType``."""
        self.value = check_use_case_type(value) if self.key == MetadataTaxonomyKeys.USE_CASE_TYPE else value
        self.has_artifact = has_artifact


class ModelCustomMetadataItem(MetadataItem):
    """A custom item: ``key``, ``value``, ``description``, ``category``, ``has_artifact``."""

    def __init__(self, key: str, value: Any = None, description: str | None = None, category: str | None = None,
                 has_artifact: bool = False) -> None:
        super().__init__(key, value, description, check_category(category), has_artifact)

    def update(self, value: Any, description: str | None, category: str | None, has_artifact: bool = False) -> None:
        """Set every field at once, as ADS's ``update`` does (pass the ones to keep too)."""
        self.value, self.description, self.category = value, description, check_category(category)
        self.has_artifact = has_artifact


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nan_to_none(v) for v in value]
    return value


def _write_json(file_path: str, default_name: str, text: str, storage_options: dict | None) -> None:
    """ADS's ``to_json_file`` rule: a path without a suffix is a folder and gets ``default_name``."""
    if not file_path:
        raise ValueError("File path must be specified.")
    if not isinstance(file_path, (str, os.PathLike)):
        raise TypeError("File path must be a string.")
    if str(file_path).startswith("oci://") or storage_options:
        raise NotImplementedError(
            "to_json_file writes local files; write to a local path and upload it (Object Storage "
            "paths need ADS's fsspec backend, which Dockyard does not use).")
    path = Path(file_path).expanduser()
    if not path.suffix:
        path = path / default_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


class _Collection:
    """Items by key with the limits checked on ``validate()``."""

    name = "metadata"
    with_category = True
    columns = ("Key", "Value", "Description", "Category", "HasArtifact")  # to_dataframe(), as ADS prints them

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

    def get(self, key: str, value: Any = _MISSING) -> Any:
        """The item ``key``; ``value`` when given and there is no such item (KeyError otherwise)."""
        if key not in self._items and value is not _MISSING:
            return value
        return self[key]

    def keys(self) -> list[str]:
        return list(self._items)

    def to_dict(self) -> dict[str, Any]:
        """``{"data": [item fields...]}``, ADS's form (what ``to_json_file`` writes)."""
        return {"data": [item.to_dict() for item in self]}

    def values(self) -> dict[str, Any]:
        """``{key: value}`` of every item."""
        return {item.key: item.value for item in self}

    def to_json_file(self, file_path: str, storage_options: dict | None = None) -> None:
        """Write ``to_dict()`` as JSON to ``file_path`` (a folder gets ``<ClassName>.json``), as ADS does."""
        _write_json(file_path, f"{type(self).__name__}.json", json.dumps(self.to_dict(), default=str),
                    storage_options)

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

        fields = {"Key": "key", "Value": "value", "Description": "description", "Category": "category",
                  "HasArtifact": "has_artifact"}
        return pd.DataFrame([{c: getattr(i, fields[c]) for c in self.columns} for i in self], columns=list(self.columns))


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
    columns = ("Key", "Value", "HasArtifact")

    def __init__(self) -> None:
        super().__init__()
        for key in TAXONOMY_KEYS:
            self._items[key] = ModelTaxonomyMetadataItem(key)

    def set(self, key: str, value: Any) -> None:
        self[key].value = value

    def validate(self) -> None:
        """The item limits, and UseCaseType one of ADS's use case types."""
        super().validate()
        item = self[MetadataTaxonomyKeys.USE_CASE_TYPE]
        item.value = check_use_case_type(item.value)


class ModelCustomMetadata(_Collection):
    """Free-form metadata; the ADS keys are filled by prepare(), users add their own."""

    name = "custom metadata"

    def add(self, key: str, value: Any, description: str | None = None, category: str | None = "Other",
            replace: bool = False) -> MetadataItem:
        if key in self._items and not replace:
            raise ValueError(f"Custom metadata {key!r} exists; pass replace=True to change it.")
        item = ModelCustomMetadataItem(key, value, description, category)
        self._items[key] = item
        return item

    def remove(self, key: str) -> None:
        self._items.pop(key, None)

    def set_training_data(self, path: str, data_size: str | None = None) -> None:
        """Record where the training data is (``TrainingDataset``) and its size (``TrainingDatasetSize``)."""
        self._set_dataset(MetadataCustomKeys.TRAINING_DATASET, MetadataCustomKeys.TRAINING_DATASET_SIZE,
                          "training", path, data_size)

    def set_validation_data(self, path: str, data_size: str | None = None) -> None:
        """Record where the validation data is (``ValidationDataset``) and its size (``ValidationDatasetSize``)."""
        self._set_dataset(MetadataCustomKeys.VALIDATION_DATASET, MetadataCustomKeys.VALIDATION_DATASET_SIZE,
                          "validation", path, data_size)

    def _set_dataset(self, path_key: str, size_key: str, which: str, path: str, data_size: str | None) -> None:
        category = MetadataCustomCategory.TRAINING_AND_VALIDATION_DATASETS
        self.add(path_key, path, f"The path where the {which} dataset is stored.", category, replace=True)
        if data_size is not None:
            self.add(size_key, str(data_size), f"The size of the {which} dataset.", category, replace=True)
