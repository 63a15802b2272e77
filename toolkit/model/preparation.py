"""``GenericModel.prepare()`` and ``populate_schema()``: what to write for this model, and its state after.

The façade (``toolkit.model.generic``) holds ADS's signatures and documentation; this module decides,
from the model's flavor, serializers and ADS's arguments, which files ``toolkit.artifact.prepare``
writes, and records on the model what prepare() learned (runtime.yaml's description, the model
file's name, the schemas, the first rows of ``X_sample`` for verify(), the metadata).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.artifact import prepare as artifact_files
from toolkit.artifact import runtime as runtime_yaml
from toolkit.model import serde
from toolkit.model.derived_metadata import populate_metadata
from toolkit.model.flavor import ONNX
from toolkit.model.metadata import check_use_case_type
from toolkit.model.provenance import ModelProvenanceMetadata
from toolkit.model.unsupported import refuse

SAMPLE_ROWS = 5  # rows of X_sample kept for verify()/introspect() defaults


def prepare_model(model: Any, *, inference_conda_env: str | None, inference_python_version: str | None,
                  training_conda_env: str | None, training_python_version: str | None,
                  model_file_name: str | None, as_onnx: bool, initial_types: list | None, force_overwrite: bool,
                  use_case_type: str | None, X_sample: Any, y_sample: Any, training_script_path: str | None,
                  training_id: str | None, ignore_pending_changes: bool, max_col_num: int, ignore_conda_error: bool,
                  score_py_uri: str | None, requirements: list[str] | None, options: dict[str, Any]) -> None:
    """Write ``model``'s artifact into its ``artifact_dir`` (``GenericModel.prepare``'s arguments;
    ``options`` its other keywords: the framework's prepare options)."""
    native = model.flavor.native()  # after an earlier prepare(as_onnx=True), the framework's own flavor
    refuse("prepare", options, onnx=("impute_values",), allowed=native.prepare_options)
    native.options.update({k: v for k, v in options.items() if k in native.prepare_options and v is not None})
    props = model.properties
    use_case = check_use_case_type(use_case_type or props.use_case_type)  # before writing anything
    if writes_model_file(model) and model.estimator is None:
        raise ValueError(f"{type(model).__name__} has no estimator to prepare; pass estimator=..., or "
                         "serialize=False to save the model file yourself.")
    # as_onnx (or an ONNX model_save_serializer): the flavor's ONNX export writes model.onnx
    # (NotImplementedError, before anything is written, for a framework without a converter).
    onnx = as_onnx or bool(model._save_serializer and model._save_serializer.is_onnx)
    native.name_model_file(model_file_name)
    model.flavor = native.for_format(ONNX if onnx else None, convert=True, sample=X_sample,
                                     initial_types=initial_types)
    name = _model_file_name(model, model_file_name)
    model.ignore_conda_error = ignore_conda_error
    inference_env, training_env = artifact_files.conda_environments(
        inference_conda_env or props.inference_conda_env,
        inference_python_version or props.inference_python_version,
        training_conda_env or props.training_conda_env,
        training_python_version or props.training_python_version,
        ignore_conda_error, model.auth,
    )
    pins = artifact_files.requirement_pins(model.flavor, model.estimator, requirements)  # a missing package stops here
    provenance = ModelProvenanceMetadata.fetch(
        training_script_path or props.training_script_path, training_id or props.training_id, model.artifact_dir)
    if not ignore_pending_changes:
        provenance.assert_path_not_dirty(model.artifact_dir, training_script_path)
    target = artifact_files.writable_artifact_dir(model.artifact_dir, force_overwrite,
                                                  keep=None if writes_model_file(model) else name)
    fmt, values = _write_model_file(model, target, name, X_sample)
    artifact_files.write_score_py(target, model.flavor, name, fmt, values, model.model_input_serializer.name,
                                  manual=fmt == serde.CUSTOM, score_py_uri=score_py_uri)
    model.metadata_provenance = provenance
    model.runtime_info = runtime_yaml.RuntimeInfo(
        inference_env=inference_env, flavor=model.flavor.name, model_file=name, serialization_format=fmt,
        requirements=pins, training_env=training_env, loader_values=values,
        provenance=artifact_files.runtime_provenance(model.properties, model.metadata_provenance),
    )
    model.runtime_info.write(target)
    from toolkit.artifact.verify import warm_up

    warm_up(target)  # verify() usually comes next: its fork server imports the frameworks meanwhile
    artifact_files.write_model_ignore(target)
    model.model_file_name = name
    write_schemas(model, target, X_sample, y_sample, max_col_num)
    populate_metadata(model, use_case)
    model._verified = False


def populate_schema(model: Any, data_sample: Any, X_sample: Any, y_sample: Any, max_col_num: int) -> None:
    """``GenericModel.populate_schema``: the schemas (re)written from samples or ADS's ``ADSData``."""
    if data_sample is not None:
        X_sample, y_sample = getattr(data_sample, "X", None), getattr(data_sample, "y", None)
    target = Path(model.artifact_dir)
    target.mkdir(parents=True, exist_ok=True)
    write_schemas(model, target, X_sample, y_sample, max_col_num)


def writes_model_file(model: Any) -> bool:
    """Whether prepare() writes the model file with the flavor: serialize=True, or a flavor whose
    files are the user's anyway (EmbeddingONNXModel: serialize=False is its normal way, and its
    loader serves them). False for a model_save_serializer object of the user's."""
    custom = model._save_serializer is not None and model._save_serializer.is_custom
    return not custom and (model.serialize or model.flavor.native().serves_user_files)


def _model_file_name(model: Any, given: str | None) -> str:
    if given:
        return given
    if not writes_model_file(model):
        raise ValueError("model_file_name is required when prepare() does not write the model file itself "
                         "(serialize=False or your own model_save_serializer): name the file score.py loads.")
    return model.flavor.model_file_name(model.estimator)


def _write_model_file(model: Any, target: Path, name: str, X_sample: Any) -> tuple[str, dict]:
    """Serialize the estimator (and any file its loader needs); returns (format, loader values).

    ``serialize=False`` writes nothing (the user saves ``name``); a custom save serializer writes it."""
    custom = model._save_serializer.custom if model._save_serializer else None
    if not writes_model_file(model):
        if custom is not None:
            custom.serialize(estimator=model.estimator, model_path=str(target / name), X_sample=X_sample)
        return serde.CUSTOM, {}
    return artifact_files.write_model_file(model.flavor, model.estimator, target, name)


def write_schemas(model: Any, target: Path, X_sample: Any, y_sample: Any, max_col_num: int) -> None:
    """input/output_schema.json from the samples; keeps the schemas and the first rows for verify()."""
    estimator, flavor = model.estimator, model.flavor
    predict = (lambda X: flavor.local_predict(estimator, X)) if estimator is not None else None
    model.schema_input, model.schema_output = artifact_files.write_schemas(target, X_sample, y_sample, max_col_num,
                                                                           predict)
    model._sample = _head(X_sample, SAMPLE_ROWS) if X_sample is not None else None


def _head(sample: Any, rows: int) -> Any:
    if hasattr(sample, "iloc"):
        return sample.iloc[:rows]
    try:
        return sample[:rows]
    except TypeError:
        return sample
