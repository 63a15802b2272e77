"""The artifact checks behind ADS's ``ArtifactTestResults`` taxonomy metadata: each check's
category, description and the fix hint shown when it fails.

One owner for both sides: the toolkit's ``introspect()`` writes the results with these keys, and
the console reads them back from a catalog model and shows the hint beside each failure.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

RESULTS_KEY = "ArtifactTestResults"

CHECKS: dict[str, tuple[str, str]] = {  # key -> (category, description)
    "score_py": ("Mandatory Files Check", "score.py exists at the top level of the artifact"),
    "runtime_yaml": ("Mandatory Files Check", "runtime.yaml exists at the top level of the artifact"),
    "score_syntax": ("score.py", "score.py has no Python syntax errors"),
    "score_load_model": ("score.py", "load_model() is defined at the top level of score.py"),
    "score_predict": ("score.py", "predict() is defined at the top level of score.py"),
    "score_predict_data": ("score.py", "The first argument of predict() is named data"),
    "score_predict_arg": ("score.py", "Every argument of predict() after data has a default value"),
    "runtime_version": ("runtime.yaml", "MODEL_ARTIFACT_VERSION is 3.0"),
    "runtime_env_python": ("conda_env", "INFERENCE_PYTHON_VERSION is 3.6 to 3.14"),
    "runtime_env_path": ("conda_env", "INFERENCE_ENV_PATH is set"),
    "runtime_path_exist": ("conda_env", "INFERENCE_ENV_PATH exists on Object Storage"),
    "model_file": ("model file", "The model loads in a fresh Python process (by its flavor, else by score.py's load_model())"),
    "requirements": ("requirements", "Every pip requirement resolves on this machine, offline"),
    "schema_prediction": ("schema", "A prediction on a sample input matches output_schema.json"),
    "artifact_size": ("artifact size", "The artifact fits the catalog's 2 GB direct upload limit"),
}

HINTS = {
    "score_py": "Run prepare() to write score.py, or put your own score.py at the top of the artifact directory.",
    "runtime_yaml": "Run prepare() to write runtime.yaml (MODEL_ARTIFACT_VERSION '3.0' and the inference environment).",
    "score_syntax": "Fix the syntax error at the line shown; `python -m py_compile score.py` reproduces it.",
    "score_load_model": "Define a top-level `def load_model():` in score.py that returns the loaded model.",
    "score_predict": "Define a top-level `def predict(data, model=load_model()):` in score.py.",
    "score_predict_data": "Rename the first argument of predict() to `data`: the service passes the request body as it.",
    "score_predict_arg": "Give every argument after `data` a default, e.g. `model=load_model()`: the service passes only data.",
    "runtime_version": "Set MODEL_ARTIFACT_VERSION: '3.0' in runtime.yaml (prepare() writes it).",
    "runtime_env_python": "Set MODEL_DEPLOYMENT.INFERENCE_CONDA_ENV.INFERENCE_PYTHON_VERSION to e.g. '3.11'.",
    "runtime_env_path": "Set MODEL_DEPLOYMENT.INFERENCE_CONDA_ENV.INFERENCE_ENV_PATH to the oci:// path of the environment.",
    "runtime_path_exist": "INFERENCE_ENV_PATH must be an oci://bucket@namespace/path URI of a published conda pack.",
    "model_file": "Run prepare() again to write the model file, or fix score.py's load_model() (the message says what failed).",
    "requirements": "Install the pinned versions here (pip install -r requirements.txt), or edit the pins to installed versions.",
    "schema_prediction": "Regenerate the schemas with prepare(X_sample=..., y_sample=..., force_overwrite=True), or fix predict()'s output shape.",
    "artifact_size": "Remove files the model does not need (list them in .model-ignore), or save with a bucket_uri.",
}


@dataclass(frozen=True)
class RecordedCheck:
    """One check as a catalog model records it, with the hint for a failure."""

    key: str
    category: str
    description: str
    success: bool | None
    message: str

    @property
    def status(self) -> str:
        return {True: "Passed", False: "Failed", None: "Not tested"}[self.success]

    @property
    def hint(self) -> str:
        return HINTS.get(self.key, "") if self.success is False else ""


def recorded_results(defined_metadata: list[dict[str, Any]] | None) -> list[RecordedCheck] | None:
    """The checks stored in a model's ``ArtifactTestResults`` metadatum (None when it has none or
    the value is not the ADS shape); unknown keys keep the category and description they carry."""
    item = next((m for m in defined_metadata or [] if m.get("key") == RESULTS_KEY), None)
    value = item.get("value") if item else None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict):
        return None
    results = []
    for key, entry in value.items():
        if not isinstance(entry, dict):
            continue
        category, description = CHECKS.get(key, ("", ""))
        success = entry.get("success")
        results.append(RecordedCheck(str(key), str(entry.get("category") or category),
                                  str(entry.get("description") or description),
                                  success if isinstance(success, bool) else None, str(entry.get("error_msg") or "")))
    return results
