"""GenericModel: the ADS model workflow, held once for every framework.

``prepare -> verify -> introspect -> save -> deploy -> predict``, with ADS's names and parameters
so ADS code reads the same (``tests/parity`` measures how far; the docs' "Where Dockyard differs
from ADS" says where and why not). What differs per framework (serializer, model file, score.py
loader, requirements, taxonomy defaults) is asked of ``self.flavor`` (``toolkit.model.flavor``).
This module is the façade only: ADS's signatures and documentation, each method handing its work to
the module that owns it. ``prepare()`` is ``toolkit.model.preparation`` (what to write; the files
themselves ``toolkit.artifact.prepare``), the metadata a model fills in itself
``toolkit.model.derived_metadata``, the catalog's wire form of it ``toolkit.model.wire_metadata``,
loading an artifact or a catalog model back ``toolkit.model.loading``, the status table and the
printed summary ``toolkit.model.summary``; catalog and deployment calls go, imported lazily, to
``toolkit.catalog.model_catalog`` and ``toolkit.deployment``. ``deploy``, ``prepare_save_deploy``,
``from_model_artifact``, ``from_id`` and ``from_model_deployment`` take the parameters of the
functions they call, their signatures derived from those (``toolkit.model.forwarding``), so each
parameter and its default is written once.

Past 450 lines and kept whole: it is one job, ADS's ``GenericModel`` surface (some 45 members with
ADS's parameters, defaults and documentation, which ``tests/parity`` reads); what is left in each
method is choosing the defaults ADS chooses (the model's properties, auth) before handing over.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from emulator.contracts.conda_packs import SERVICE_NAMESPACE as SERVICE_PACK_NAMESPACE
from toolkit.artifact import runtime as runtime_yaml
from toolkit.artifact.schema import MAX_COLUMNS, Schema
from toolkit.deployment.deploy import deploy_model
from toolkit.deployment.spec import DEFAULT_POLL, DEFAULT_WAIT
from toolkit.model import serde, wire_metadata
from toolkit.model.flavor import Flavor
from toolkit.model.forwarding import forwards_to, routed_signature, routes, split, with_signature
from toolkit.model.loading import (check_score_loads, download_into, load_artifact, load_from_catalog,
                                   reload_runtime_info)
from toolkit.model.metadata import ModelCustomMetadata, ModelTaxonomyMetadata
from toolkit.model.provenance import ModelProvenanceMetadata
from toolkit.model.preparation import populate_schema, prepare_model
from toolkit.model.unsupported import either, refuse


# prepare_save_deploy's parameters in ADS's order. Each is the parameter of the same name of prepare(),
# save() or deploy() (project_id, compartment_id, freeform_tags and defined_tags: of save() and deploy()),
# except the renamed ones below.
_PSD_NAMES = (
    "inference_conda_env", "inference_python_version", "training_conda_env", "training_python_version",
    "model_file_name", "as_onnx", "initial_types", "force_overwrite", "namespace", "use_case_type", "X_sample",
    "y_sample", "training_script_path", "training_id", "ignore_pending_changes", "max_col_num", "ignore_conda_error",
    "model_display_name", "model_description", "model_freeform_tags", "model_defined_tags", "ignore_introspection",
    "wait_for_completion", "deployment_display_name", "deployment_description", "deployment_instance_shape",
    "deployment_instance_subnet_id", "deployment_instance_private_endpoint_id", "deployment_instance_count",
    "deployment_bandwidth_mbps", "deployment_log_group_id", "deployment_access_log_id", "deployment_predict_log_id",
    "deployment_memory_in_gbs", "deployment_ocpus", "deployment_image", "bucket_uri", "overwrite_existing_artifact",
    "remove_existing_artifact", "model_version_set", "version_label", "project_id", "compartment_id", "image_digest",
    "cmd", "entrypoint", "server_port", "health_check_port", "deployment_mode", "environment_variables", "timeout",
    "max_wait_time", "poll_interval", "freeform_tags", "defined_tags", "region", "runtime", "model_by_reference",
)
_PSD_RENAMED = {
    "model_display_name": ("save", "display_name"), "model_description": ("save", "description"),
    "model_freeform_tags": ("save", "freeform_tags"), "model_defined_tags": ("save", "defined_tags"),
    "deployment_display_name": ("deploy", "display_name"), "deployment_description": ("deploy", "description"),
}


class ModelProperties(dict):
    """ADS ``ModelProperties`` as a dict with attribute access (missing ones read as None)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)


class GenericModel:
    """Any object with ``.predict()``, serialized with cloudpickle to ``model.pkl``."""

    flavor_class: type[Flavor] = Flavor

    # Instance attributes (set in __init__; listed for readers and for the ADS parity check).
    estimator: Any
    artifact_dir: str
    properties: ModelProperties
    auth: Any
    flavor: Flavor
    model_id: str | None
    model_deployment: Any
    model_file_name: str | None
    schema_input: Schema | None
    schema_output: Schema | None
    metadata_taxonomy: ModelTaxonomyMetadata
    metadata_custom: ModelCustomMetadata
    metadata_provenance: ModelProvenanceMetadata
    runtime_info: runtime_yaml.RuntimeInfo | None
    model_input_serializer: serde.InputSerializer
    ignore_conda_error: bool

    def __init__(
        self,
        estimator: Any = None,
        artifact_dir: str | None = None,
        properties: dict | None = None,
        auth: Any = None,
        serialize: bool = True,
        model_save_serializer: Any = None,
        model_input_serializer: Any = None,
        **kwargs: Any,
    ) -> None:
        """``serialize=False``: prepare() writes no model file; you save it as ``model_file_name`` in
        ``artifact_dir`` and write score.py's ``load_model()`` (summary_status() says so until then).
        ``model_save_serializer`` / ``model_input_serializer``: see ``toolkit.model.serde``. Other
        keywords are framework options (``PyTorchModel``'s ``use_torch_script``)."""
        self.estimator = estimator
        self.artifact_dir = str(Path(artifact_dir).expanduser().resolve()) if artifact_dir else \
            tempfile.mkdtemp(prefix="dockyard-artifact-")
        self.properties = ModelProperties(properties or {})
        self.auth = auth
        self.serialize = serialize
        self.flavor = self.flavor_class(**kwargs)
        if not self.flavor.supports(estimator):  # ADS's check and wording
            raise TypeError(f"{type(estimator)} is not supported in {type(self).__name__}.")
        self._save_serializer: serde.SaveSerializer | None = None
        self.set_model_save_serializer(model_save_serializer)
        self.set_model_input_serializer(model_input_serializer)
        self.metadata_taxonomy = ModelTaxonomyMetadata()
        self.metadata_custom = ModelCustomMetadata()
        self.metadata_provenance = ModelProvenanceMetadata()
        self.schema_input = None
        self.schema_output = None
        self.model_file_name = None
        self.runtime_info = None
        self.model_id = None
        self.model_deployment = None
        self.ignore_conda_error = False
        self._sample: Any = None
        self._verified = False
        self._predicted = False

    # -----------------------------------------------------------------------------------------
    # what the model is (print(model), summary_status())
    # -----------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        from toolkit.model.summary import to_yaml

        return to_yaml(self)

    @property
    def model_deployment_id(self) -> str | None:
        return getattr(self.model_deployment, "model_deployment_id", None) if self.model_deployment else None

    @property
    def framework(self) -> str | None:
        return self.metadata_taxonomy["Framework"].value

    @property
    def algorithm(self) -> str | None:
        return self.metadata_taxonomy["Algorithm"].value

    @property
    def model_artifact(self) -> "ModelArtifact":
        """The artifact directory as ADS's ``model_artifact`` (``populate_schema()``, ``reload()``)."""
        return ModelArtifact(self)

    def summary_status(self):
        """A DataFrame of the workflow's steps and where this model is (ADS's table: Step, Status,
        Details, Actions Needed), read from the artifact, the catalog record and the deployment."""
        from toolkit.model.summary import summary_status

        return summary_status(self)

    # -----------------------------------------------------------------------------------------
    # serializers
    # -----------------------------------------------------------------------------------------
    def set_model_save_serializer(self, model_save_serializer: Any) -> None:
        """How prepare() writes the model file: a name this class supports or your own object with
        ``serialize(estimator, model_path, ...)`` (then score.py's load_model() is yours to write)."""
        native = self.flavor.native()
        chosen = serde.save_serializer(model_save_serializer, native.save_serializers, type(self).__name__,
                                       native.onnx_serializer)
        self._save_serializer = chosen
        native.save_format = chosen.name if chosen and not (chosen.is_custom or chosen.is_onnx) else None

    def set_model_input_serializer(self, model_input_serializer: Any) -> None:
        """How verify()/predict() serialize data: ``json`` (default), ``cloudpickle`` or your object."""
        self.model_input_serializer = serde.input_serializer(model_input_serializer)

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
        initial_types: list | None = None,
        force_overwrite: bool = False,
        namespace: str = SERVICE_PACK_NAMESPACE,
        use_case_type: str | None = None,
        X_sample: Any = None,
        y_sample: Any = None,
        training_script_path: str | None = None,
        training_id: str | None = None,
        ignore_pending_changes: bool = True,
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
        ``namespace`` is the Object Storage namespace of the service conda packs that a slug
        ``inference_conda_env`` is looked up in. ``ignore_pending_changes=False`` refuses a training
        script or artifact directory with uncommitted git changes, as ADS does.
        """
        prepare_model(
            self, inference_conda_env=inference_conda_env, inference_python_version=inference_python_version,
            training_conda_env=training_conda_env, training_python_version=training_python_version,
            model_file_name=model_file_name, as_onnx=as_onnx, initial_types=initial_types,
            force_overwrite=force_overwrite, use_case_type=use_case_type, X_sample=X_sample, y_sample=y_sample,
            training_script_path=training_script_path, training_id=training_id,
            ignore_pending_changes=ignore_pending_changes, max_col_num=max_col_num,
            ignore_conda_error=ignore_conda_error, score_py_uri=score_py_uri, requirements=requirements,
            options=kwargs)
        return self

    def populate_schema(self, data_sample: Any = None, X_sample: Any = None, y_sample: Any = None,
                        max_col_num: int = MAX_COLUMNS) -> None:
        """(Re)write input/output_schema.json and ``schema_input``/``schema_output`` from samples.

        ``data_sample`` is anything with ``.X`` and ``.y`` (ADS's ``ADSData``); y's name names the
        output column."""
        populate_schema(self, data_sample, X_sample, y_sample, max_col_num)

    # -----------------------------------------------------------------------------------------
    # verify / introspect
    # -----------------------------------------------------------------------------------------
    def verify(self, data: Any = None, reload_artifacts: bool = True, auto_serialize_data: bool = True,
               content_type: str | None = None, timeout: float = 600.0, **kwargs: Any) -> Any:
        """score.py's ``predict`` on ``data`` in a fresh Python process, run as a deployment runs it.

        ``data`` defaults to the first rows of ``X_sample``; the request body is what ``predict()``
        sends (``model_input_serializer``; ``auto_serialize_data=False`` sends JSON-able data or
        bytes as they are), ``content_type`` overrides its header. Returns what the deployment
        would answer (JSON, or bytes for a bytes result). Raises ``VerificationError`` with
        score.py's own traceback. score.py is imported afresh every time, so
        ``reload_artifacts=False`` (ADS: reuse the imported score.py) changes nothing.
        """
        from toolkit.artifact.verify import verify_request

        refuse("verify", kwargs, unsupported=("image", "storage_options"))
        if data is None:
            if self._sample is None:
                raise ValueError("verify() needs data (or prepare(X_sample=...) to verify on its first rows).")
            data = self._sample
        body, default_type = self.model_input_serializer.request(data, serialize=auto_serialize_data)
        result = verify_request(Path(self.artifact_dir), body, content_type or default_type, timeout=timeout)
        self._verified = True
        return result

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
    # loading (toolkit.model.loading)
    # -----------------------------------------------------------------------------------------
    @classmethod
    @forwards_to(load_artifact, drop=("any_flavor",), positional=True)
    def from_model_artifact(cls, given: dict[str, Any], extra: dict[str, Any]) -> "GenericModel":
        """A model from an artifact directory or zip (zips are extracted safely: at most
        ``max_unzipped_bytes`` unpacked and ``max_zip_ratio``-fold expansion, defaults
        ``DOCKYARD_MAX_UNZIPPED_BYTES``/``DOCKYARD_MAX_ZIP_RATIO`` else 64 GiB and 200; beyond,
        ``UnsafeArchiveError`` and nothing is left on disk).

        A Dockyard artifact (runtime.yaml names its flavor) comes back as its class (an sklearn
        artifact gives a ``SklearnModel``) with the estimator read from the model file. Any other
        artifact (prepared by ADS or by hand) is described by its runtime.yaml and schemas and its
        score.py is left alone, as ADS does: the estimator is None, and verify()/save()/deploy()
        work all the same. ``reload=True`` imports score.py **in this process** and calls its
        ``load_model()`` for the estimator, as ADS's ``reload`` does: only for artifacts you trust.
        """
        return load_artifact(cls, **given, **extra, any_flavor=cls is GenericModel)

    def download_artifact(self, artifact_dir: str | None = None, auth: Any = None, force_overwrite: bool = False,
                          bucket_uri: str | None = None, remove_existing_artifact: bool = True,
                          region: str | None = None, timeout: float | None = None) -> "GenericModel":
        """Download the saved model's catalog artifact into ``artifact_dir`` (default: the model's own;
        ``force_overwrite`` replaces what is there) and use it from then on, as ADS does."""
        return download_into(self, artifact_dir, auth=auth, force_overwrite=force_overwrite, bucket_uri=bucket_uri,
                             remove_existing_artifact=remove_existing_artifact, region=region, timeout=timeout)

    def reload_runtime_info(self) -> None:
        """Read the artifact's runtime.yaml again (after you edited it), as ADS does."""
        reload_runtime_info(self)

    def reload(self) -> "GenericModel":
        """Import the artifact's score.py **in this process** (its ``load_model()`` gives the estimator)
        and read runtime.yaml again, as ADS's ``reload``: only for artifacts you trust."""
        self.model_artifact.reload()
        self.reload_runtime_info()
        return self

    @classmethod
    def from_model_catalog(cls, model_id: str, model_file_name: str | None = None, artifact_dir: str | None = None,
                           auth: Any = None, force_overwrite: bool = False, properties: dict | None = None,
                           bucket_uri: str | None = None, remove_existing_artifact: bool = True,
                           ignore_conda_error: bool = False, download_artifact: bool = True,
                           compartment_id: str | None = None, timeout: float | None = None,
                           region: str | None = None, profile: str | None = None, **kwargs: Any) -> "GenericModel":
        """Download a catalog model's artifact (through ``bucket_uri`` if given) and load it
        (``from_model_artifact``); ``download_artifact=False`` loads the record only (metadata,
        schemas, provenance; no artifact, no estimator). ``compartment_id`` becomes the model's
        ``properties.compartment_id``, where its save() and deploy() go by default (ADS's)."""
        return load_from_catalog(
            cls, model_id, artifact_dir=artifact_dir, auth=auth, profile=profile, force_overwrite=force_overwrite,
            timeout=timeout, bucket_uri=bucket_uri, remove_existing_artifact=remove_existing_artifact,
            download_artifact=download_artifact, region=region, model_file_name=model_file_name,
            properties=properties, ignore_conda_error=ignore_conda_error, compartment_id=compartment_id, **kwargs)

    @classmethod
    @forwards_to(from_model_catalog.__func__, drop=("profile",), renamed={"model_id": "ocid"})
    def from_id(cls, given: dict[str, Any], extra: dict[str, Any]) -> "GenericModel":
        """A model from a catalog model OCID or a model deployment OCID (``from_model_catalog``'s parameters)."""
        ocid = given.pop("ocid")
        load = cls.from_model_deployment if ".datasciencemodeldeployment." in ocid else cls.from_model_catalog
        return load(ocid, **given, **extra)

    @classmethod
    @forwards_to(from_model_catalog.__func__, drop=("profile",), renamed={"model_id": "model_deployment_id"})
    def from_model_deployment(cls, given: dict[str, Any], extra: dict[str, Any]) -> "GenericModel":
        """The model a deployment serves, loaded from the catalog (``model_deployment`` set;
        ``from_model_catalog``'s parameters)."""
        from toolkit.deployment.deploy import load_model_from_deployment

        return load_model_from_deployment(cls, given.pop("model_deployment_id"), **given, **extra)

    # -----------------------------------------------------------------------------------------
    # catalog metadata (toolkit.catalog.protocol.CatalogModel)
    # -----------------------------------------------------------------------------------------
    def catalog_metadata(self) -> dict:
        """The model's metadata in the catalog's wire shapes (camelCase, values as strings), checked
        against the catalog's limits first (MetadataSizeError)."""
        return wire_metadata.catalog_metadata(self)

    def apply_catalog_metadata(self, model_record: dict, provenance: dict | None = None) -> None:
        """Restore metadata, schemas and provenance from a catalog record (camelCase or snake_case)."""
        wire_metadata.apply_catalog_metadata(self, model_record, provenance)

    # -----------------------------------------------------------------------------------------
    # catalog (delegated to toolkit.catalog.model_catalog)
    # -----------------------------------------------------------------------------------------
    def save(
        self,
        bucket_uri: str | None = None,
        defined_tags: dict | None = None,
        description: str | None = None,
        display_name: str | None = None,
        freeform_tags: dict | None = None,
        ignore_introspection: bool = False,
        model_version_set: Any = None,
        overwrite_existing_artifact: bool = True,
        parallel_process_count: int = 9,
        remove_existing_artifact: bool = True,
        reload: bool = True,
        version_label: str | None = None,
        project_id: str | None = None,
        compartment_id: str | None = None,
        region: str | None = None,
        timeout: float | None = None,
        auth: Any = None,
        profile: str | None = None,
        show_progress: bool | None = None,
        model_by_reference: bool = False,
        **kwargs: Any,
    ) -> str:
        """Save to the catalog (introspects first unless ``ignore_introspection=True``); returns the OCID.

        ``bucket_uri`` (required over 2 GB) sends the zip through Object Storage, where
        ``overwrite_existing_artifact=False`` refuses to replace an object already there and
        ``remove_existing_artifact`` deletes it afterwards. ``reload`` checks, as ADS does, that
        score.py still imports and loads its model before saving (in a fresh process).
        ``parallel_process_count`` is accepted for ADS code; uploads are one stream here.
        ``model_by_reference=True`` puts the artifact's files under ``bucket_uri`` (a versioned bucket)
        and the catalog holds ADS's description of them (``toolkit.catalog.model_by_reference``).
        """
        from toolkit.catalog.model_catalog import save_model

        refuse("save", kwargs)
        del parallel_process_count
        if reload and ignore_introspection:
            check_score_loads(Path(self.artifact_dir))  # score.py imports and load_model() works (as ADS checks)
        self.model_id = save_model(
            self, display_name=display_name, description=description,
            compartment_id=compartment_id or self.properties.get("compartment_id"),
            project_id=project_id or self.properties.get("project_id"), model_version_set=model_version_set, version_label=version_label,
            ignore_introspection=ignore_introspection, freeform_tags=freeform_tags, defined_tags=defined_tags,
            auth=auth if auth is not None else self.auth, profile=profile, timeout=timeout,
            show_progress=show_progress, bucket_uri=bucket_uri, remove_existing_artifact=remove_existing_artifact,
            overwrite_existing_artifact=overwrite_existing_artifact, region=region,
            model_by_reference=model_by_reference)
        return self.model_id

    def upload_artifact(self, uri: str, auth: Any = None, force_overwrite: bool = False,
                        parallel_process_count: int = 9) -> str:
        """Zip the artifact to ``uri``: a local path or ``oci://bucket@namespace/prefix`` (a folder, ending
        in ``/``, gets ``<model_id>.zip``). Returns where it went."""
        from toolkit.catalog.artifact_upload import upload_artifact_zip

        del parallel_process_count
        return upload_artifact_zip(Path(self.artifact_dir), uri, model_id=self.model_id,
                                   auth=auth if auth is not None else self.auth, force_overwrite=force_overwrite)

    def update(self, display_name: str | None = None, description: str | None = None,
               freeform_tags: dict | None = None, defined_tags: dict | None = None,
               version_label: str | None = None, model_version_set: Any = None, **fields: Any) -> "GenericModel":
        """Push this model's current metadata (and the fields given) to its catalog record, as ADS's
        ``update()`` does; guarded by the record's etag."""
        from toolkit.catalog.model_catalog import update_model_metadata

        fields.setdefault("auth", self.auth)
        given = {"display_name": display_name, "description": description, "freeform_tags": freeform_tags,
                 "defined_tags": defined_tags, "version_label": version_label, "model_version_set": model_version_set}
        update_model_metadata(self, **{k: v for k, v in given.items() if v is not None}, **fields)
        return self

    def promote(self, profile: Any, **kwargs: Any) -> Any:
        """Copy this saved model to another profile (normally the cloud), re-verifying it first.

        See ``toolkit.promote.promote_model`` for the steps and options (``deploy``, ``dry_run``...).
        """
        from toolkit.promote import promote_model

        return promote_model(self, profile, **kwargs)

    @either
    def delete(self_or_cls, model_id: str | None = None, delete_associated_model_deployment: bool = False,
               delete_model_artifact: bool = False, artifact_dir: str | None = None, **kwargs: Any) -> None:
        """Delete the model from the catalog (on a model, or on the class with ``model_id``);
        ``delete_model_artifact=True`` also removes the local artifact directory."""
        from toolkit.catalog.model_catalog import delete_model

        instance = None if isinstance(self_or_cls, type) else self_or_cls
        target = model_id or (instance.model_id if instance else None)
        if not target:
            raise ValueError("delete() needs model_id (or a model saved with save()).")
        folder = artifact_dir or (instance.artifact_dir if instance else None)
        if delete_model_artifact and not folder:
            raise ValueError("delete_model_artifact=True needs artifact_dir.")
        if instance is not None:
            kwargs.setdefault("auth", instance.auth)
        delete_model(instance if instance is not None and target == instance.model_id else target,
                     delete_associated_model_deployment=delete_associated_model_deployment, **kwargs)
        if delete_model_artifact:
            shutil.rmtree(folder, ignore_errors=True)

    # -----------------------------------------------------------------------------------------
    # deployment (delegated to toolkit.deployment)
    # -----------------------------------------------------------------------------------------
    @forwards_to(deploy_model, drop=("model",))
    def deploy(self, given: dict[str, Any], extra: dict[str, Any]):
        """Deploy the saved model; returns the ModelDeployment (also kept as ``model_deployment``).

        ADS's parameters: those of ``toolkit.deployment.deploy.deploy_model`` (this signature is
        derived from it; shape, OCPUs, memory, bandwidth and instance count default to
        ``emulator.contracts.deployments``'s). ``deployment_image`` makes it bring-your-own-container.
        ``runtime`` picks the emulator's ``docker``/``process``/``auto`` runtime (OCI ignores it).
        """
        refuse("deploy", extra, unsupported=("input_stream_ids", "output_stream_ids"))
        for key in ("compartment_id", "project_id"):  # ADS's defaults: the model's properties
            if given.get(key) is None and self.properties.get(key):
                given[key] = self.properties[key]
        self.model_deployment = deploy_model(self, **given)
        return self.model_deployment

    _PSD_STEPS = {"prepare": prepare, "save": save, "deploy": deploy}
    _PSD_ROUTES = routes(_PSD_NAMES, _PSD_STEPS, _PSD_RENAMED)

    @with_signature(routed_signature(_PSD_ROUTES, _PSD_STEPS))
    def prepare_save_deploy(self, given: dict[str, Any], extra: dict[str, Any]):
        """``prepare()``, ``save()`` and ``deploy()`` in one call (ADS's shortcut); returns the deployment.

        Each parameter is the one of the same name of ``prepare``, ``save`` or ``deploy`` (with its
        default); ``model_*`` are save()'s and ``deployment_display_name``/``deployment_description``
        deploy()'s. ``freeform_tags``/``defined_tags`` go to the model and the deployment unless the
        ``model_*`` ones are given for the model."""
        refuse("prepare_save_deploy", extra, onnx=("impute_values",), allowed=self.flavor.prepare_options,
               unsupported=("input_stream_ids", "output_stream_ids"))
        calls = split(given, self._PSD_ROUTES, _PSD_RENAMED)
        framework_options = {k: v for k, v in extra.items() if k in self.flavor.prepare_options}
        self.prepare(**framework_options, **calls.get("prepare", {}))
        self.save(**calls.get("save", {}))
        return self.deploy(**calls.get("deploy", {}))

    def predict(self, data: Any = None, auto_serialize_data: bool = True, local: bool = False,
                content_type: str | None = None, **kwargs: Any) -> Any:
        """Predict through the model's deployment (ADS: ``model.predict`` calls the endpoint), or with
        ``local=True`` through score.py here, in a fresh process (``verify()``).

        The request body is built with ``model_input_serializer``, as in ``verify()``.
        """
        refuse("predict", kwargs, allowed=("json_input", "timeout"), unsupported=("image", "storage_options"))
        if local:
            return self.verify(data, auto_serialize_data=auto_serialize_data, content_type=content_type)
        from toolkit.deployment.deploy import predict_with_model

        result = predict_with_model(self, data, auto_serialize_data=auto_serialize_data, content_type=content_type,
                                    serializer=self.model_input_serializer, **kwargs)
        self._predicted = True
        return result

    @either
    def update_deployment(self_or_cls, model_deployment_id: str | None = None, properties: dict | None = None,
                          wait_for_completion: bool = True, max_wait_time: float = DEFAULT_WAIT,
                          poll_interval: float = DEFAULT_POLL, auth: Any = None, display_name: str | None = None,
                          description: str | None = None, freeform_tags: dict | None = None,
                          defined_tags: dict | None = None, **kwargs: Any):
        """Change the model's deployment (on a model) or the one given (on the class): names, tags,
        and the infrastructure or runtime fields ``ModelDeployment.update`` takes (``access_log=``,
        ``bandwidth_mbps=``, ``env=``...)."""
        from toolkit.deployment.handle import ModelDeployment

        instance = None if isinstance(self_or_cls, type) else self_or_cls
        deployment = instance.model_deployment if instance is not None and instance.model_deployment else None
        if deployment is None:
            if not model_deployment_id:
                raise ValueError("update_deployment() needs model_deployment_id (or a model deployed with deploy()).")
            deployment = ModelDeployment.from_id(model_deployment_id, auth=auth)
        return deployment.update(properties=properties, wait_for_completion=wait_for_completion,
                                 max_wait_time=max_wait_time, poll_interval=poll_interval, display_name=display_name,
                                 description=description, freeform_tags=freeform_tags, defined_tags=defined_tags,
                                 **kwargs)

    def restart_deployment(self, max_wait_time: float = DEFAULT_WAIT, poll_interval: float = DEFAULT_POLL):
        """Deactivate, then activate the model's deployment (its server starts afresh); returns it."""
        deployment = self._deployment("restart_deployment")
        deployment.deactivate(max_wait_time=max_wait_time, poll_interval=poll_interval)
        return deployment.activate(max_wait_time=max_wait_time, poll_interval=poll_interval)

    def delete_deployment(self, wait_for_completion: bool = True) -> None:
        """Delete the model's deployment."""
        self._deployment("delete_deployment").delete(wait_for_completion=wait_for_completion)

    def _deployment(self, method: str) -> Any:
        if self.model_deployment is None:
            raise ValueError(f"{method}() needs a deployment: call deploy() first.")
        return self.model_deployment


class ModelArtifact:
    """ADS's ``model.model_artifact``: the prepared artifact directory of one model."""

    def __init__(self, model: GenericModel) -> None:
        self.model = model

    @property
    def artifact_dir(self) -> str:
        return self.model.artifact_dir

    def populate_schema(self, data_sample: Any = None, X_sample: Any = None, y_sample: Any = None,
                        max_col_num: int = MAX_COLUMNS) -> None:
        """The model's ``populate_schema()``."""
        self.model.populate_schema(data_sample, X_sample, y_sample, max_col_num)

    def reload(self) -> Any:
        """Import score.py in this process and call its load_model() (ADS's ``reload``); returns the model."""
        from toolkit.model.loading import load_through_score

        self.model.estimator = load_through_score(Path(self.model.artifact_dir))
        return self.model.estimator

