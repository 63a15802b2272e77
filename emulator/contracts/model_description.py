"""ADS's description of a model by reference (``model_description.json``): one owner for the emulator,
which deploys from it, and the toolkit, which writes it and downloads through it.

ADS's ``DataScienceModel.create(model_by_reference=True)`` uploads this JSON as the model's artifact
and marks the model with the custom metadata ``modelDescription`` = ``true``; each entry names a
bucket, a prefix and the objects under it with the version each had::

    {"version": "1.0", "type": "modelOSSReferenceDescription",
     "models": [{"namespace", "bucketName", "prefix", "objects": [{"name", "version", "sizeInBytes"}]}]}
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VERSION = "1.0"  # ADS's MODEL_BY_REFERENCE_VERSION
DESCRIPTION_TYPE = "modelOSSReferenceDescription"
DESCRIPTION_FILE = "model_description.json"  # ADS's MODEL_BY_REFERENCE_JSON_FILE_NAME
CONTENT_DISPOSITION = f"attachment; filename={DESCRIPTION_FILE}"
FLAG_KEY = "modelDescription"  # ADS's CONST_MODEL_FILE_DESCRIPTION custom metadata key, value "true"


def document(models: list[dict[str, Any]]) -> dict[str, Any]:
    """The description of ``models`` (each ``namespace``, ``bucketName``, ``prefix``, ``objects``)."""
    return {"version": VERSION, "type": DESCRIPTION_TYPE, "models": models}


def read(path: Path) -> dict[str, Any] | None:
    """The by-reference description in an artifact file, or None for an ordinary (zip) artifact."""
    with open(path, "rb") as stream:
        if stream.read(1) != b"{":
            return None
        stream.seek(0)
        try:
            content = json.load(stream)
        except ValueError:
            return None
    return content if isinstance(content, dict) and content.get("type") == DESCRIPTION_TYPE else None


def relative_name(name: str, prefix: str | None) -> str:
    """Where an object lands in the artifact folder: its name below the entry's prefix (the prefix
    stripped, so ``score.py`` sits at the top, as the deployment expects)."""
    prefix = (prefix or "").rstrip("/")
    return name[len(prefix):].lstrip("/") if prefix and name.startswith(prefix) else name
