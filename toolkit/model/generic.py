"""GenericModel: the ADS model workflow, held once for every framework.

``prepare -> verify -> introspect -> save -> deploy -> predict``, with ADS's names so ADS users feel
at home. What differs per framework (serializer, model file, score.py loader, requirements,
taxonomy defaults) is asked of ``self.flavor`` (see ``toolkit.model.flavor``). Artifact files are
written by ``toolkit.artifact``; catalog and deployment calls are delegated, imported lazily, to
``toolkit.catalog.model_catalog`` and ``toolkit.deployment``.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

from toolkit.artifact import runtime as runtime_yaml
from toolkit.artifact.archive import ZipLimits, artifact_root, safe_extract
from toolkit.artifact.errors import ArtifactError, ArtifactExistsError, ArtifactNotFoundError
from toolkit.artifact.schema import INPUT_SCHEMA_FILE, OUTPUT_SCHEMA_FILE, MAX_COLUMNS, Schema, fitted_schema
from toolkit.model.flavor import ONNX, Flavor, model_class_for
from emulator.contracts.limits import METADATA_VALUE_CHARS
from toolkit.model.metadata import (
    TAXONOMY_KEYS,
    ModelCustomMetadata,
    ModelProvenanceMetadata,
    ModelTaxonomyMetadata,
    check_use_case_type,
    validate_size,
)

SAMPLE_ROWS = 5  # rows of X_sample kept for verify()/introspect() defaults


class ModelProperties(dict):
    """ADS ``ModelProperties`` as a dict with attribute access (missing ones read as None)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)


class GenericModel:
    """Any object with ``.predict()``, serialized with cloudpickle to ``model.pkl``."""

    flavor_class: type[Flavor] = Flavor

    def __init__(
        self,
        estimator: Any = None,
        artifact_dir: str | None = None,
        properties: dict | None = None,
        auth: Any = None,
        serialize: bool = True,
        **kwargs: Any,
    ) -> None:
        self.estimator = estimator
        self.artifact_dir = str(Path(artifact_dir).expanduser().resolve()) if artifact_dir else \
            tempfile.mkdtemp(prefix="dockyard-artifact-")
        self.properties = ModelProperties(properties or {})
        self.auth = auth
        self.serialize = serialize
        self.flavor = self.flavor_class(**kwargs)
        if not self.flavor.supports(estimator):  # ADS's check and wording
            raise TypeError(f"{type(estimator)} is not supported in {type(self).__name__}.")
        self.metadata_taxonomy = ModelTaxonomyMetadata()
        self.metadata_custom = ModelCustomMetadata()
        self.metadata_provenance = ModelProvenanceMetadata()
        self.schema_input: Schema | None = None
        self.schema_output: Schema | None = None
        self.model_file_name: str | None = None
        self.runtime_info: runtime_yaml.RuntimeInfo | None = None
        self.model_id: str | None = None
        self.model_deployment: Any = None
        self._sample: Any = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(estimator={type(self.estimator).__name__}, artifact_dir={self.artifact_dir!r})"

    # -----------------------------------------------------------------------------------------
    # prepare
    # -----------------------------------------------------------------------------------------
    def prepare(
        self,
        inference_conda_env: str | None = None,
        inference_python_version: str | None = None,
        training_conda_env: str | None = None,
        training_python_version: str | None = None,
        model_file_name: str | None = None,
        as_onnx: bool = False,
        force_overwrite: bool = False,
        use_case_type: str | None = None,
        X_sample: Any = None,
        y_sample: Any = None,
        training_script_path: str | None = None,
        training_id: str | None = None,
        max_col_num: int = MAX_COLUMNS,
        ignore_conda_error: bool = False,
        score_py_uri: str | None = None,
        requirements: list[str] | None = None,
        **kwargs: Any,
    ) -> "GenericModel":
        """Write the artifact: model file, score.py, runtime.yaml, requirements, schemas, .model-ignore.

        Refuses a non-empty ``artifact_dir`` unless ``force_overwrite=True``, so a prepared artifact
        (maybe with a hand-edited score.py) is never clobbered by accident. ``requirements`` adds
        pip lines to the installed-version pins (a line for the same distribution replaces its pin).
        """
        if self.estimator is None:
            raise ValueError(f"{type(self).__name__} has no estimator to prepare; pass estimator=... first.")
        props = self.properties
        check_use_case_type(use_case_type or props.use_case_type)  # before writing anything
        # as_onnx: the flavor's ONNX export writes model.onnx (NotImplementedError without a converter).
        self.flavor = self.flavor.native().for_format(ONNX if as_onnx else None, convert=True, sample=X_sample,
                                                      initial_types=kwargs.get("initial_types"))
        inference_env, training_env = self._environments(
            inference_conda_env or props.inference_conda_env,
            inference_python_version or props.inference_python_version,
            training_conda_env or props.training_conda_env,
            training_python_version or props.training_python_version,
            ignore_conda_error, self.auth,
        )
        pins = self._requirements(requirements)  # before writing anything: a missing package stops here
        target = self._writable_artifact_dir(force_overwrite)
        name, fmt, values = self._write_model_file(target, model_file_name)
        self._write_score_py(target, name, fmt, values, score_py_uri)
        self.metadata_provenance = ModelProvenanceMetadata.fetch(
            training_script_path or props.training_script_path, training_id or props.training_id, str(target)
        )
        self.runtime_info = runtime_yaml.RuntimeInfo(
            inference_env=inference_env, flavor=self.flavor.name, model_file=name, serialization_format=fmt,
            requirements=pins, training_env=training_env, provenance=self._runtime_provenance(), loader_values=values,
        )
        self.runtime_info.write(target)
        from toolkit.artifact.verify import warm_up

        warm_up(target)  # verify() usually comes next: its fork server imports the frameworks meanwhile
        from toolkit.artifact.scorefile import model_ignore_text

        (target / ".model-ignore").write_text(model_ignore_text(), encoding="utf-8")
        self.model_file_name = name
        self._write_schemas(target, X_sample, y_sample, max_col_num)
        self._populate_metadata(use_case_type or props.use_case_type)
        return self

    @staticmethod
    def _environments(inference_env: str | None, inference_python: str | None, training_env: str | None,
                      training_python: str | None, ignore_conda_error: bool, auth: Any = None):
        """(inference, training) CondaEnv from ADS's arguments, slugs resolved through the profile's
        Object Storage; the training one is optional."""
        inference = runtime_yaml.CondaEnv.from_argument(inference_env, inference_python,
                                                         ignore_conda_error=ignore_conda_error, auth=auth)
        training = runtime_yaml.CondaEnv.from_argument(training_env, training_python, ignore_conda_error=True,
                                                       auth=auth) if training_env else None
        return inference, training

    def _write_model_file(self, target: Path, model_file_name: str | None) -> tuple[str, str, dict]:
        """Serialize the estimator (and any file its loader needs); returns (name, format, loader values)."""
        name = model_file_name or self.flavor.model_file_name(self.estimator)
        self.flavor.serialize(self.estimator, target / name)
        for extra_name, writer in self.flavor.extra_files(self.estimator).items():
            writer(target / extra_name)
        return name, self.flavor.serialization_format(self.estimator), self.flavor.template_values(self.estimator)

    def _writable_artifact_dir(self, force_overwrite: bool) -> Path:
        target = Path(self.artifact_dir)
        if target.exists() and not target.is_dir():
            raise ArtifactExistsError(f"{target} exists and is not a directory.", hint="Choose another artifact_dir.")
        if target.exists() and any(target.iterdir()) and not force_overwrite:
            entries = sorted(p.name for p in target.iterdir())
            shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
            raise ArtifactExistsError(
                f"{target} is not empty ({shown}); prepare() does not overwrite an existing artifact.",
                hint="Pass force_overwrite=True to replace it, or choose an empty artifact_dir.",
            )
        target.mkdir(parents=True, exist_ok=True)
        return target

    def _write_score_py(self, target: Path, name: str, fmt: str, values: dict, score_py_uri: str | None) -> None:
        if score_py_uri:
            shutil.copyfile(score_py_uri, target / "score.py")
            return
        from toolkit.artifact.scorefile import render_score_py

        text = render_score_py(
            framework=self.flavor.framework,
            model_file_name=name,
            serialization_format=fmt,
            loader_template=self.flavor.loader_template,
            score_template=self.flavor.score_template,
            values=values,
        )
        (target / "score.py").write_text(text, encoding="utf-8")

    def _requirements(self, extra: list[str] | None) -> list[str]:
        from toolkit.artifact.requirements import merge, pin

        try:
            pins = pin(self.flavor.requirement_distributions(self.estimator))
        except LookupError as exc:
            raise ArtifactError(str(exc), hint="pip install them here, or pass requirements=[...] explicitly.") from None
        return merge(pins, extra)

    def _runtime_provenance(self) -> dict:
        props, prov = self.properties, self.metadata_provenance
        return {
            "PROJECT_OCID": props.project_id or "",
            "TRAINING_COMPARTMENT_OCID": props.compartment_id or "",
            "TRAINING_RESOURCE_OCID": props.training_resource_id or "",
            "TRAINING_CODE": {
                "ARTIFACT_DIRECTORY": prov.artifact_dir or "",
                "REPOSITORY_URL": prov.repository_url or "",
                "GIT_BRANCH": prov.git_branch or "",
                "GIT_COMMIT": prov.git_commit or "",
                "GIT_DIRTY": prov.is_dirty,
                "TRAINING_SCRIPT": prov.training_script_path or "",
                "TRAINING_ID": prov.training_id or "",
            },
        }

    def _write_schemas(self, target: Path, X_sample: Any, y_sample: Any, max_col_num: int) -> None:
        """input/output_schema.json from the samples (output predicted here when not given)."""
        if X_sample is not None and y_sample is None:
            try:
                y_sample = self.flavor.local_predict(self.estimator, X_sample)
            except Exception as exc:  # the input schema is still useful without the output one
                warnings.warn(f"No output schema: predicting on X_sample failed ({exc}); pass y_sample.", stacklevel=3)
        self.schema_input = fitted_schema(X_sample, which="input", max_columns=max_col_num) if X_sample is not None else None
        self.schema_output = fitted_schema(y_sample, which="output", max_columns=max_col_num) if y_sample is not None else None
        for schema, file_name in ((self.schema_input, INPUT_SCHEMA_FILE), (self.schema_output, OUTPUT_SCHEMA_FILE)):
            path = target / file_name
            if schema is not None:
                schema.write(path)
            elif path.exists():
                path.unlink()  # a stale schema from an earlier prepare would lie about this model
        self._sample = _head(X_sample, SAMPLE_ROWS) if X_sample is not None else None

    def _populate_metadata(self, use_case_type: str | None) -> None:
        """Taxonomy from the estimator, the ADS custom keys from runtime.yaml; limits checked."""
        estimator, flavor, info = self.estimator, self.flavor, self.runtime_info
        hyperparameters = flavor.hyperparameters(estimator)
        if hyperparameters is not None and len(json.dumps(hyperparameters)) > METADATA_VALUE_CHARS:
            warnings.warn("Hyperparameters exceed the catalog's metadata limit and are not recorded.", stacklevel=3)
            hyperparameters = None
        taxonomy = self.metadata_taxonomy
        taxonomy.set("UseCaseType", use_case_type or taxonomy["UseCaseType"].value or flavor.use_case(estimator))
        taxonomy.set("Framework", flavor.framework)
        taxonomy.set("FrameworkVersion", flavor.framework_version())
        taxonomy.set("Algorithm", flavor.algorithm(estimator))
        taxonomy.set("Hyperparameters", hyperparameters)
        if info is not None:
            self._populate_custom(info)
        validate_size(taxonomy, self.metadata_custom)

    def _populate_custom(self, info: runtime_yaml.RuntimeInfo) -> None:
        env = info.inference_env
        files = sorted(p.name for p in Path(self.artifact_dir).iterdir()) if Path(self.artifact_dir).is_dir() else []
        entries = [
            ("SlugName", env.slug, "The slug name of the inference conda environment", "Training Environment"),
            ("CondaEnvironment", env.slug, "The inference conda environment", "Training Environment"),
            ("CondaEnvironmentPath", env.path, "The oci:// path of the inference conda environment", "Training Environment"),
            ("EnvironmentType", env.type, "The inference conda environment type", "Training Environment"),
            ("ModelSerializationFormat", info.serialization_format, "How the model file is serialized", "Training Environment"),
            ("ClientLibrary", "Dockyard", "The client library that prepared the artifact", "Other"),
            ("ModelFileName", info.model_file, "The model file in the artifact", "Other"),
            ("ModelArtifacts", ", ".join(files), "The files of the model artifact", "Training Environment"),
        ]
        for key, value, description, category in entries:
            if value:
                self.metadata_custom.add(key, value, description, category, replace=True)

    # -----------------------------------------------------------------------------------------
    # verify / introspect
    # -----------------------------------------------------------------------------------------
    def verify(self, data: Any = None, reload_artifacts: bool = True, auto_serialize_data: bool = True,
               timeout: float = 600.0, content_type: str | None = None, **kwargs: Any) -> Any:
        """score.py's ``predict`` on ``data`` in a fresh Python process, run as a deployment runs it.

        ``data`` defaults to the first rows of ``X_sample``; the request body and ``content_type``
        are those ``predict()`` would send. Returns what the deployment would answer (JSON, or
        bytes for a bytes result). Raises ``VerificationError`` with score.py's own traceback.
        """
        from toolkit.artifact.verify import verify

        if data is None:
            if self._sample is None:
                raise ValueError("verify() needs data (or prepare(X_sample=...) to verify on its first rows).")
            data = self._sample
        return verify(Path(self.artifact_dir), data, serialize=auto_serialize_data, content_type=content_type,
                      timeout=timeout)

    def introspect(self, sample: Any = None, timeout: float = 600.0):
        """Every ADS artifact check plus Dockyard's; records ArtifactTestResults; returns the result.

        The result prints as a table (rich), shows as a DataFrame in notebooks, and has
        ``.passed`` and ``.failures`` (key, message, hint).
        """
        from toolkit.artifact.introspect import introspect

        result = introspect(Path(self.artifact_dir), sample=sample if sample is not None else self._sample,
                            timeout=timeout)
        self.metadata_taxonomy.set("ArtifactTestResults", result.to_dict())
        return result

    # -----------------------------------------------------------------------------------------
    # loading
    # -----------------------------------------------------------------------------------------
    @classmethod
    def from_model_artifact(
        cls,
        uri: str,
        model_file_name: str | None = None,
        artifact_dir: str | None = None,
        auth: Any = None,
        force_overwrite: bool = False,
        properties: dict | None = None,
        max_unzipped_bytes: int | str | None = None,
        max_zip_ratio: float | None = None,
        **kwargs: Any,
    ) -> "GenericModel":
        """A working model from an artifact directory or zip (zips are extracted safely).

        Called on ``GenericModel``, the class comes from runtime.yaml's flavor (an sklearn artifact
        gives a ``SklearnModel``); called on a framework class, that class is used. A zip may unpack
        to at most ``max_unzipped_bytes`` and expand ``max_zip_ratio``-fold (defaults:
        ``DOCKYARD_MAX_UNZIPPED_BYTES``, ``DOCKYARD_MAX_ZIP_RATIO``, else 64 GiB and 200): beyond,
        ``UnsafeArchiveError`` and nothing is left on disk.
        """
        limits = ZipLimits.resolve(max_unzipped_bytes, max_zip_ratio)
        root = _materialize(Path(uri).expanduser(), artifact_dir, force_overwrite, limits)
        info = runtime_yaml.RuntimeInfo.read(root)
        name = model_file_name or info.model_file or _score_model_name(root)
        if not name or not (root / name).exists():
            raise ArtifactNotFoundError(f"The model file {name!r} is not in {root}.",
                                        hint="Pass model_file_name=..., or prepare() the artifact again.")
        info.flavor, info.serialization_format = runtime_yaml.describe_model_file(info, name)
        if cls is not GenericModel and cls.flavor_class.name != info.flavor:
            raise ArtifactError(
                f"{root} holds a {info.flavor} model ({name}); {cls.__name__} loads {cls.flavor_class.name} models.",
                hint=f"Load it with GenericModel.from_model_artifact (it picks the class) or the {info.flavor} class.",
            )
        model_cls = model_class_for(info.flavor) if cls is GenericModel else cls
        model = model_cls(estimator=None, artifact_dir=str(root), properties=properties, auth=auth, **kwargs)
        model.flavor = model.flavor.for_format(info.serialization_format)
        model.estimator = model.flavor.load(root / name, info)
        model._restore_from_artifact(root, info, name)
        return model

    def _restore_from_artifact(self, root: Path, info: runtime_yaml.RuntimeInfo, name: str) -> None:
        self.runtime_info = info
        self.model_file_name = name
        self.schema_input = Schema.from_file(root / INPUT_SCHEMA_FILE)
        self.schema_output = Schema.from_file(root / OUTPUT_SCHEMA_FILE)
        code = info.provenance.get("TRAINING_CODE") or {}
        self.metadata_provenance = ModelProvenanceMetadata(
            repository_url=code.get("REPOSITORY_URL") or None,
            git_branch=code.get("GIT_BRANCH") or None,
            git_commit=code.get("GIT_COMMIT") or None,
            training_script_path=code.get("TRAINING_SCRIPT") or None,
            training_id=code.get("TRAINING_ID") or None,
            artifact_dir=str(root),
            is_dirty=code.get("GIT_DIRTY"),
        )
        self._populate_metadata(None)

    @classmethod
    def from_model_catalog(cls, model_id: str, model_file_name: str | None = None, artifact_dir: str | None = None,
                           auth: Any = None, force_overwrite: bool = False, properties: dict | None = None,
                           **kwargs: Any) -> "GenericModel":
        """Download a catalog model's artifact and load it (delegates to toolkit.catalog.model_catalog)."""
        from toolkit.catalog.model_catalog import load_model_from_catalog

        extra = {k: v for k, v in (("model_file_name", model_file_name), ("properties", properties)) if v is not None}
        return load_model_from_catalog(cls, model_id, artifact_dir, auth=auth, force_overwrite=force_overwrite,
                                       **extra, **kwargs)

    @classmethod
    def from_id(cls, ocid: str, model_file_name: str | None = None, artifact_dir: str | None = None,
                auth: Any = None, force_overwrite: bool = False, properties: dict | None = None,
                **kwargs: Any) -> "GenericModel":
        """A model from a catalog model OCID or a model deployment OCID."""
        if ".datasciencemodeldeployment." in ocid:
            return cls.from_model_deployment(ocid, model_file_name=model_file_name, artifact_dir=artifact_dir,
                                             auth=auth, force_overwrite=force_overwrite, properties=properties, **kwargs)
        return cls.from_model_catalog(ocid, model_file_name=model_file_name, artifact_dir=artifact_dir, auth=auth,
                                      force_overwrite=force_overwrite, properties=properties, **kwargs)

    @classmethod
    def from_model_deployment(cls, model_deployment_id: str, **kwargs: Any) -> "GenericModel":
        """The model a deployment serves, loaded from the catalog (delegates to toolkit.deployment)."""
        from toolkit.deployment import load_model_from_deployment

        return load_model_from_deployment(cls, model_deployment_id, **kwargs)

    # -----------------------------------------------------------------------------------------
    # catalog metadata (toolkit.catalog.protocol.CatalogModel)
    # -----------------------------------------------------------------------------------------
    def catalog_metadata(self) -> dict:
        """The model's metadata in the catalog's wire shapes (camelCase, values as strings), checked
        against the catalog's limits first (MetadataSizeError)."""
        validate_size(self.metadata_taxonomy, self.metadata_custom)
        return {
            "definedMetadataList": self.metadata_taxonomy.to_wire(),
            "customMetadataList": self.metadata_custom.to_wire(),
            "inputSchema": self.schema_input.to_json() if self.schema_input else None,
            "outputSchema": self.schema_output.to_json() if self.schema_output else None,
            "provenance": self.metadata_provenance.to_wire(),
        }

    def apply_catalog_metadata(self, model_record: dict, provenance: dict | None = None) -> None:
        """Restore metadata, schemas and provenance from a catalog record (camelCase or snake_case)."""
        record = model_record or {}
        pick = lambda camel, snake: record.get(camel, record.get(snake))  # noqa: E731
        for item in pick("definedMetadataList", "defined_metadata_list") or []:
            key = item.get("key")
            if key in TAXONOMY_KEYS:
                self.metadata_taxonomy.set(key, _decode(item.get("value")))
        for item in pick("customMetadataList", "custom_metadata_list") or []:
            self.metadata_custom.add(item["key"], item.get("value"), item.get("description"),
                                     item.get("category") or None, replace=True)
        for attr, camel, snake in (("schema_input", "inputSchema", "input_schema"),
                                   ("schema_output", "outputSchema", "output_schema")):
            text = pick(camel, snake)
            if text:
                setattr(self, attr, Schema.from_json(text) if isinstance(text, str) else Schema.from_dict(text))
        if provenance:
            self.metadata_provenance = ModelProvenanceMetadata.from_wire(provenance)
        if record.get("id"):
            self.model_id = record["id"]

    # -----------------------------------------------------------------------------------------
    # catalog and deployment (delegated)
    # -----------------------------------------------------------------------------------------
    def save(self, display_name: str | None = None, description: str | None = None, **kwargs: Any) -> str:
        """Save to the catalog (introspects first unless ``ignore_introspection=True``); returns the OCID."""
        from toolkit.catalog.model_catalog import save_model

        kwargs.setdefault("auth", self.auth)
        self.model_id = save_model(self, display_name=display_name, description=description, **kwargs)
        return self.model_id

    def update(self, **fields: Any) -> Any:
        """Push this model's current metadata (and any ``display_name``/``description``/... given) to its
        catalog record, as ADS's ``update()`` does; guarded by the record's etag."""
        from toolkit.catalog.model_catalog import update_model_metadata

        fields.setdefault("auth", self.auth)
        return update_model_metadata(self, **fields)

    def promote(self, profile: Any, **kwargs: Any) -> Any:
        """Copy this saved model to another profile (normally the cloud), re-verifying it first.

        See ``toolkit.promote.promote_model`` for the steps and options (``deploy``, ``dry_run``...).
        """
        from toolkit.promote import promote_model

        return promote_model(self, profile, **kwargs)

    def deploy(self, **kwargs: Any):
        """Deploy the saved model; returns the ModelDeployment (also kept as ``model_deployment``)."""
        from toolkit.deployment import deploy_model

        self.model_deployment = deploy_model(self, **kwargs)
        return self.model_deployment

    def predict(self, data: Any = None, **kwargs: Any) -> dict:
        """Predict through the model's deployment (ADS: ``model.predict`` calls the endpoint).

        The request body is built by ``toolkit.artifact.payload.to_request``, as in ``verify()``.
        """
        from toolkit.deployment import predict_with_model

        return predict_with_model(self, data, **kwargs)

    def delete(self, delete_associated_model_deployment: bool = False, **kwargs: Any) -> None:
        """Delete the model from the catalog (delegates to toolkit.catalog.model_catalog)."""
        from toolkit.catalog.model_catalog import delete_model

        kwargs.setdefault("auth", self.auth)
        delete_model(self, delete_associated_model_deployment=delete_associated_model_deployment, **kwargs)

    def delete_deployment(self, wait_for_completion: bool = True) -> None:
        if self.model_deployment is not None:
            self.model_deployment.delete(wait_for_completion=wait_for_completion)


def _decode(value: Any) -> Any:
    """A metadata value from the wire: JSON documents back to objects, other strings as they are."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _head(sample: Any, rows: int) -> Any:
    if hasattr(sample, "iloc"):
        return sample.iloc[:rows]
    try:
        return sample[:rows]
    except TypeError:
        return sample


def _score_model_name(root: Path) -> str | None:
    import re

    score = root / "score.py"
    if not score.exists():
        return None
    match = re.search(r"^model_name\s*=\s*['\"]([^'\"]+)['\"]", score.read_text(encoding="utf-8"), re.M)
    return match.group(1) if match else None


def _materialize(source: Path, artifact_dir: str | None, force_overwrite: bool, limits: ZipLimits) -> Path:
    """The artifact as a directory: a zip is extracted, a folder used (or copied to artifact_dir)."""
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise ArtifactNotFoundError(f"{source} is neither a directory nor a zip file.")
        if artifact_dir:
            target = Path(artifact_dir).expanduser()
            _refuse_non_empty(target, force_overwrite)
            safe_extract(source, target, limits)  # removes what it wrote when it fails
            return artifact_root(target.resolve())
        target = Path(tempfile.mkdtemp(prefix="dockyard-artifact-"))
        try:
            safe_extract(source, target, limits)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        return artifact_root(target.resolve())
    if not source.is_dir():
        raise ArtifactNotFoundError(f"{source} does not exist.", hint="Pass an artifact directory or a .zip.")
    root = artifact_root(source).resolve()
    if not artifact_dir or Path(artifact_dir).expanduser().resolve() == root:
        return root
    target = Path(artifact_dir).expanduser().resolve()
    _refuse_non_empty(target, force_overwrite)
    shutil.copytree(root, target, dirs_exist_ok=True)
    return target


def _refuse_non_empty(target: Path, force_overwrite: bool) -> None:
    if target.exists() and any(target.iterdir()) and not force_overwrite:
        raise ArtifactExistsError(f"{target} is not empty.", hint="Pass force_overwrite=True or an empty artifact_dir.")
