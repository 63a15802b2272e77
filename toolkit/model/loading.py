"""Loading a model back from an artifact (``GenericModel.from_model_artifact``), as ADS does.

Two kinds of artifact:

- **Dockyard's** (runtime.yaml's ``INFERENCE_ENV`` names the flavor and the model file): the model
  comes back as its class (``SklearnModel``...) and its estimator is read from the model file by the
  flavor's own loader — no guessing, and score.py is not run. Reading a model file (a pickle,
  joblib...) runs code from it: load artifacts you trust.
- **Any other** (prepared by ADS or by hand; score.py loads whatever file it likes): described by
  its runtime.yaml and schemas, score.py untouched and the estimator None, which is what ADS's
  ``from_model_artifact`` does by default. verify(), save() and deploy() need no estimator: they run
  score.py in a fresh process (verify, introspection) or in the deployment. ``reload=True`` imports
  score.py **in the caller's process** and calls ``load_model()``, as ADS's ``reload`` does.

Either way the artifact's own score.py contract is the one the inference server runs
(``emulator.inference.scoring``), imported under a module name of its own so that loading two
artifacts never mixes their score.py files.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Any

from toolkit.artifact import runtime as runtime_yaml
from toolkit.artifact.archive import ZipLimits, artifact_root, safe_extract
from toolkit.artifact.errors import ArtifactError, ArtifactExistsError, ArtifactNotFoundError, RuntimeInfoError
from toolkit.artifact.schema import INPUT_SCHEMA_FILE, OUTPUT_SCHEMA_FILE, Schema
from toolkit.model.derived_metadata import populate_metadata
from toolkit.model.flavor import model_class_for
from toolkit.model.provenance import ModelProvenanceMetadata
from toolkit.model.serde import CUSTOM


def load_artifact(cls: type, uri: str, *, model_file_name: str | None = None, artifact_dir: str | None = None,
                  auth: Any = None, force_overwrite: bool = False, properties: dict | None = None,
                  ignore_conda_error: bool = False, reload: bool = False, max_unzipped_bytes: int | str | None = None,
                  max_zip_ratio: float | None = None, any_flavor: bool = False, **kwargs: Any) -> Any:
    """A model of ``cls`` from ``uri``; with ``any_flavor`` (``GenericModel.from_model_artifact`` called
    on GenericModel itself) a Dockyard artifact comes back as its own flavor's class."""
    limits = ZipLimits.resolve(max_unzipped_bytes, max_zip_ratio)
    root = materialize(Path(uri).expanduser(), artifact_dir, force_overwrite, limits)
    info = _runtime_info(root, ignore_conda_error)
    ours = bool(info.flavor and info.model_file and info.serialization_format != CUSTOM)
    model_cls = _model_class(cls, info, root, any_flavor) if ours else cls
    kwargs.setdefault("model_input_serializer", score_input_serializer(root))
    model = model_cls(estimator=None, artifact_dir=str(root), properties=properties, auth=auth, **kwargs)
    model.ignore_conda_error = ignore_conda_error
    name = model_file_name or (info.model_file if ours else None) or score_model_name(root)
    if reload:
        model.estimator = load_through_score(root)
    elif ours:
        if not (root / name).exists():
            raise ArtifactNotFoundError(f"The model file {name!r} named in runtime.yaml is not in {root}.",
                                        hint="Pass model_file_name=..., or prepare() the artifact again.")
        model.flavor = model.flavor.for_format(info.serialization_format)  # an ONNX export loads as ONNX
        model.estimator = model.flavor.load(root / name, info)
    _restore_from_artifact(model, root, info, name)
    return model


def _restore_from_artifact(model: Any, root: Path, info: runtime_yaml.RuntimeInfo, name: str | None) -> None:
    """What prepare() had recorded on the model, read back from the artifact's files."""
    model.runtime_info = info
    model.model_file_name = name
    model.schema_input = Schema.from_file(root / INPUT_SCHEMA_FILE)
    model.schema_output = Schema.from_file(root / OUTPUT_SCHEMA_FILE)
    code = info.provenance.get("TRAINING_CODE") or {}
    model.metadata_provenance = ModelProvenanceMetadata(
        repository_url=code.get("REPOSITORY_URL") or None,
        git_branch=code.get("GIT_BRANCH") or None,
        git_commit=code.get("GIT_COMMIT") or None,
        training_script_path=code.get("TRAINING_SCRIPT") or None,
        training_id=code.get("TRAINING_ID") or None,
        artifact_dir=str(root),
        is_dirty=code.get("GIT_DIRTY"),
    )
    populate_metadata(model, None)


def load_from_catalog(cls: type, model_id: str, *, properties: dict | None = None, download_artifact: bool = True,
                      compartment_id: str | None = None, **options: Any) -> Any:
    """``GenericModel.from_model_catalog``: ADS's arguments to ``toolkit.catalog.model_catalog``'s loader."""
    from toolkit.catalog.model_catalog import load_model_from_catalog

    if compartment_id:  # as ADS: the loaded model's compartment, where its save() and deploy() go by default
        properties = {**(properties or {}), "compartment_id": compartment_id}
    return load_model_from_catalog(cls, model_id, download=download_artifact, properties=properties, **options)


def _model_class(cls: type, info: runtime_yaml.RuntimeInfo, root: Path, any_flavor: bool) -> type:
    """The artifact's flavor's class when any flavor will do; ``cls`` when it is that flavor."""
    if any_flavor:
        return model_class_for(info.flavor)
    if cls.flavor_class.name != info.flavor:
        raise ArtifactError(
            f"{root} holds a {info.flavor} model ({info.model_file}); {cls.__name__} loads {cls.flavor_class.name} "
            "models.",
            hint=f"Load it with GenericModel.from_model_artifact (it picks the class) or the {info.flavor} class.",
        )
    return cls


def _runtime_info(root: Path, ignore_conda_error: bool) -> runtime_yaml.RuntimeInfo:
    """runtime.yaml read back; with ``ignore_conda_error`` a missing or broken one is an empty description."""
    try:
        return runtime_yaml.RuntimeInfo.read(root)
    except RuntimeInfoError:
        if not ignore_conda_error:
            raise
        empty = runtime_yaml.CondaEnv("", "", "", "")
        return runtime_yaml.RuntimeInfo(inference_env=empty, flavor="", model_file="", serialization_format="",
                                        requirements=[], training_env=empty)


def download_into(model: Any, artifact_dir: str | None = None, auth: Any = None, force_overwrite: bool = False,
                  bucket_uri: str | None = None, remove_existing_artifact: bool = True, region: str | None = None,
                  timeout: float | None = None) -> Any:
    """ADS's ``GenericModel.download_artifact``: the catalog artifact of ``model.model_id`` into
    ``artifact_dir`` (default: the model's own, which must then be empty unless ``force_overwrite``),
    which becomes the model's ``artifact_dir``, its runtime.yaml read again. Nothing of the artifact
    is run: as in ADS the estimator stays as it is (``reload()`` imports score.py for it)."""
    from toolkit.catalog.model_catalog import download_artifact

    if not model.model_id:
        raise ValueError("`model_id` is not available, load the GenericModel object first.")
    root = download_artifact(model.model_id, artifact_dir or model.artifact_dir, force=force_overwrite,
                             auth=auth or model.auth, timeout=timeout, bucket_uri=bucket_uri,
                             remove_existing_artifact=remove_existing_artifact, region=region)
    model.artifact_dir = str(Path(root).resolve())
    reload_runtime_info(model)
    return model


def reload_runtime_info(model: Any) -> None:
    """ADS's ``reload_runtime_info``: ``model.runtime_info`` read again from its artifact's runtime.yaml
    (a missing one is an error unless the model was loaded with ``ignore_conda_error``)."""
    try:
        model.runtime_info = runtime_yaml.RuntimeInfo.read(Path(model.artifact_dir))
    except RuntimeInfoError:
        if not model.ignore_conda_error:
            raise


def load_through_score(root: Path) -> Any:
    """Import ``root/score.py`` in this process and return its ``load_model()`` (ADS's ``reload``).

    ArtifactError with score.py's own traceback when importing it or loading the model fails."""
    from emulator.inference import scoring

    try:
        module = scoring.import_score(root, module_name=f"score_{uuid.uuid4().hex}")
        return scoring.load(module)
    except scoring.ScoreFailure as failure:
        raise ArtifactError(
            f"score.py failed during {failure.stage}: {type(failure.error).__name__}: {failure.error}\n\n"
            f"{failure.traceback.rstrip()}",
            hint="Fix score.py (verify() shows the same in a fresh process), or load without reload=True.",
        ) from None


def check_score_loads(root: Path) -> None:
    """score.py imports and its load_model() works, in a fresh process (ArtifactError otherwise)."""
    from toolkit.artifact.verify import run_job

    outcome = run_job(root, {"load_score": True}).get("load_score") or {}
    if not outcome.get("ok"):
        raise ArtifactError(f"score.py does not load its model: {outcome.get('error')}\n\n"
                            f"{outcome.get('traceback', '').rstrip()}",
                            hint="Fix score.py's load_model() (verify() shows the same), or save(reload=False) to "
                                 "save without loading it here, as ADS allows.")


def score_model_name(root: Path) -> str | None:
    """The ``model_name = '...'`` score.py declares (ADS's and Dockyard's templates do), if any."""
    return _score_constant(root, "model_name")


def score_input_serializer(root: Path) -> str | None:
    """The ``input_serializer`` a Dockyard score.py was written for, if it names one of the known ones."""
    from toolkit.model.serde import INPUT_SERIALIZERS

    name = _score_constant(root, "input_serializer")
    return name if name in INPUT_SERIALIZERS else None


def _score_constant(root: Path, name: str) -> str | None:
    score = root / "score.py"
    if not score.is_file():
        return None
    match = re.search(rf"^{name}\s*=\s*['\"]([^'\"]+)['\"]", score.read_text(encoding="utf-8", errors="replace"), re.M)
    return match.group(1) if match else None


def materialize(source: Path, artifact_dir: str | None, force_overwrite: bool, limits: ZipLimits) -> Path:
    """The artifact as a directory: a zip is extracted (within ``limits``), a folder used (or copied
    to artifact_dir)."""
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
