"""Writing a model artifact: the files ``GenericModel.prepare()`` puts in ``artifact_dir``.

The model file (and any file its loader needs), score.py, the requirement pins and runtime.yaml's
environments and provenance, the input/output schemas, ``.model-ignore``. ``GenericModel`` decides
what to write (its flavor, serializers, ADS's arguments) and calls these in order; each function
writes one file or answers one question about it, and knows nothing of the model class. A flavor
here is ``toolkit.model.flavor.Flavor`` (duck-typed: its serialize/loader/requirement answers).
"""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any, Callable

from toolkit.artifact import runtime as runtime_yaml
from toolkit.artifact.errors import ArtifactError, ArtifactExistsError
from toolkit.artifact.schema import INPUT_SCHEMA_FILE, OUTPUT_SCHEMA_FILE, Schema, fitted_schema

MANUAL_LOADER_TEMPLATE = "loader_manual.tmpl"  # score.py whose load_model() the user writes


def writable_artifact_dir(artifact_dir: str | Path, force_overwrite: bool, keep: str | None = None) -> Path:
    """The artifact directory, refusing one that holds files unless ``force_overwrite``. ``keep``
    is the model file a user saved there first (serialize=False): not 'an existing artifact'."""
    target = Path(artifact_dir)
    if target.exists() and not target.is_dir():
        raise ArtifactExistsError(f"{target} exists and is not a directory.", hint="Choose another artifact_dir.")
    entries = [p.name for p in sorted(target.iterdir()) if p.name != keep] if target.is_dir() else []
    if entries and not force_overwrite:
        shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
        raise ArtifactExistsError(
            f"{target} is not empty ({shown}); prepare() does not overwrite an existing artifact.",
            hint="Pass force_overwrite=True to replace it, or choose an empty artifact_dir.",
        )
    target.mkdir(parents=True, exist_ok=True)
    return target


def conda_environments(inference_env: str | None, inference_python: str | None, training_env: str | None,
                       training_python: str | None, ignore_conda_error: bool, auth: Any = None):
    """(inference, training) CondaEnv from ADS's arguments, slugs resolved through the profile's
    Object Storage; the training one is optional."""
    inference = runtime_yaml.CondaEnv.from_argument(inference_env, inference_python,
                                                     ignore_conda_error=ignore_conda_error, auth=auth)
    training = runtime_yaml.CondaEnv.from_argument(training_env, training_python, ignore_conda_error=True,
                                                   auth=auth) if training_env else None
    return inference, training


def requirement_pins(flavor: Any, estimator: Any, extra: list[str] | None) -> list[str]:
    """The installed versions of what the flavor's model needs, with ``extra`` pip lines merged in
    (a line for the same distribution replaces its pin). ArtifactError names a missing package."""
    from toolkit.artifact.requirements import merge, pin

    try:
        pins = pin(flavor.requirement_distributions(estimator))
    except LookupError as exc:
        raise ArtifactError(str(exc), hint="pip install them here, or pass requirements=[...] explicitly.") from None
    return merge(pins, extra)


def write_model_file(flavor: Any, estimator: Any, target: Path, name: str) -> tuple[str, dict]:
    """Serialize the estimator with its flavor (and any file its loader needs); returns the
    serialization format and the values score.py's loader template takes."""
    flavor.serialize(estimator, target / name)
    for extra_name, writer in flavor.extra_files(estimator).items():
        writer(target / extra_name)
    return flavor.serialization_format(estimator), flavor.template_values(estimator)


def write_score_py(target: Path, flavor: Any, model_file_name: str, serialization_format: str, values: dict,
                   input_serializer: str, manual: bool, score_py_uri: str | None = None) -> None:
    """score.py: the caller's own (``score_py_uri``), or rendered from the flavor's templates;
    ``manual`` (serialize=False or a custom save serializer) leaves ``load_model()`` to the user."""
    if score_py_uri:
        shutil.copyfile(Path(score_py_uri).expanduser(), target / "score.py")
        return
    from toolkit.artifact.scorefile import render_score_py

    if manual:
        warnings.warn(f"score.py cannot load {model_file_name} by itself (serialize=False or your own "
                      "model_save_serializer): write its load_model() before verify().", stacklevel=4)
    text = render_score_py(
        framework=flavor.framework,
        model_file_name=model_file_name,
        serialization_format=serialization_format,
        loader_template=MANUAL_LOADER_TEMPLATE if manual else flavor.loader_template,
        score_template=flavor.score_template,
        values=values,
        input_serializer=input_serializer,
    )
    (target / "score.py").write_text(text, encoding="utf-8")


def write_model_ignore(target: Path) -> None:
    from toolkit.artifact.scorefile import model_ignore_text

    (target / ".model-ignore").write_text(model_ignore_text(), encoding="utf-8")


def runtime_provenance(properties: Any, provenance: Any) -> dict:
    """runtime.yaml's MODEL_PROVENANCE from ADS's model properties and the provenance metadata."""
    return {
        "PROJECT_OCID": properties.project_id or "",
        "TRAINING_COMPARTMENT_OCID": properties.compartment_id or "",
        "TRAINING_RESOURCE_OCID": properties.training_resource_id or "",
        "TRAINING_CODE": {
            "ARTIFACT_DIRECTORY": provenance.artifact_dir or "",
            "REPOSITORY_URL": provenance.repository_url or "",
            "GIT_BRANCH": provenance.git_branch or "",
            "GIT_COMMIT": provenance.git_commit or "",
            "GIT_DIRTY": provenance.is_dirty,
            "TRAINING_SCRIPT": provenance.training_script_path or "",
            "TRAINING_ID": provenance.training_id or "",
        },
    }


def write_schemas(target: Path, X_sample: Any, y_sample: Any, max_col_num: int,
                  predict: Callable[[Any], Any] | None) -> tuple[Schema | None, Schema | None]:
    """input/output_schema.json from the samples (the output predicted with ``predict`` when not
    given); a schema without a sample is removed. Returns (input, output) schemas."""
    if X_sample is not None and y_sample is None and predict is not None:
        try:
            y_sample = _named_prediction(predict(X_sample))
        except Exception as exc:  # the input schema is still useful without the output one
            warnings.warn(f"No output schema: predicting on X_sample failed ({exc}); pass y_sample.", stacklevel=5)
    schema_input = fitted_schema(X_sample, which="input", max_columns=max_col_num) if X_sample is not None else None
    schema_output = fitted_schema(y_sample, which="output", max_columns=max_col_num) if y_sample is not None else None
    for schema, file_name in ((schema_input, INPUT_SCHEMA_FILE), (schema_output, OUTPUT_SCHEMA_FILE)):
        path = target / file_name
        if schema is not None:
            schema.write(path)
        elif path.exists():
            path.unlink()  # a stale schema from an earlier prepare would lie about this model
    return schema_input, schema_output


def _named_prediction(prediction: Any) -> Any:
    """A predicted output (when no y_sample is given) named ``prediction``, as score.py returns it."""
    import numpy as np
    import pandas as pd

    array = np.asarray(prediction)
    return pd.Series(array, name="prediction") if array.ndim == 1 else prediction
