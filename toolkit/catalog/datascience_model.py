"""``DataScienceModel``: ADS's catalog record builder, for artifacts that are not a model object.

    model = (DataScienceModel()
             .with_display_name("llama-offline")
             .with_artifact("oci://bucket@namespace/my_large_model.zip")   # or a folder, or a .zip
             .create(remove_existing_artifact=False))
    DataScienceModel.from_id(model.id).download_artifact("./here")
    DataScienceModel.list(project_id=...)

``with_artifact`` takes a folder (zipped with the SHA-256 manifest save() writes), a zip (sent
as it is) or an ``oci://`` zip (the service copies it from Object Storage: a work request, and
the object is deleted afterwards unless ``remove_existing_artifact=False``). Metadata, schemas and
provenance take the toolkit's objects or ADS's dict forms. Everything goes through the ``oci``
SDK of the chosen profile, like the rest of ``toolkit.catalog``.
"""
from __future__ import annotations

import copy
import warnings
import zipfile
from pathlib import Path
from typing import Any

from emulator.contracts.states import MODEL_DELETED
from toolkit.catalog import metadata_artifacts
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import connect, iter_records
from toolkit.catalog.wire import to_wire
from toolkit.model.unsupported import refuse

_FIELDS = {  # builder key -> the SDK Model attribute it reads back from
    "compartmentId": "compartment_id", "projectId": "project_id", "displayName": "display_name",
    "description": "description", "freeformTags": "freeform_tags", "definedTags": "defined_tags",
    "modelVersionSetId": "model_version_set_id", "versionLabel": "version_label",
    "retentionSetting": "retention_setting", "backupSetting": "backup_setting",
    "versionId": "version_id", "modelVersionSetName": "model_version_set_name",
}
LIST_DF_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # ADS's utils.date_format


class DataScienceModel:
    """A catalog model as a builder (``with_*``, then ``create()``) or as read back (``from_id``, ``list``)."""

    def __init__(self, spec: dict | None = None, auth: Any = None, profile: str | None = None, **kwargs: Any) -> None:
        self._spec: dict[str, Any] = dict(spec or {}, **kwargs)
        self._record: Any = None
        self.auth, self.profile = auth, profile

    def __repr__(self) -> str:
        return f"DataScienceModel(id={self.id!r}, display_name={self.display_name!r})"

    # -- builder -------------------------------------------------------------------------------
    def _with(self, key: str, value: Any) -> "DataScienceModel":
        self._spec[key] = value
        return self

    def with_compartment_id(self, compartment_id: str) -> "DataScienceModel":
        return self._with("compartmentId", compartment_id)

    def with_project_id(self, project_id: str) -> "DataScienceModel":
        return self._with("projectId", project_id)

    def with_display_name(self, name: str) -> "DataScienceModel":
        return self._with("displayName", name)

    def with_description(self, description: str) -> "DataScienceModel":
        return self._with("description", description)

    def with_freeform_tags(self, **kwargs: str) -> "DataScienceModel":
        return self._with("freeformTags", kwargs)

    def with_defined_tags(self, **kwargs: dict) -> "DataScienceModel":
        return self._with("definedTags", kwargs)

    def with_artifact(self, uri: str | list[str]) -> "DataScienceModel":
        """The artifact: a folder, a ``.zip``, an ``oci://bucket@namespace/path.zip``, or for a model
        by reference one or a list of ``oci://bucket@namespace/prefix/``."""
        return self._with("artifact", str(uri) if isinstance(uri, (str, Path)) else [str(u) for u in uri])

    def with_model_version_set_id(self, model_version_set_id: str) -> "DataScienceModel":
        return self._with("modelVersionSetId", model_version_set_id)

    def with_version_id(self, version_id: str) -> "DataScienceModel":
        """ADS's setter of the version id; the catalog numbers a set's models itself (read back after create())."""
        return self._with("versionId", version_id)

    def with_version_label(self, version_label: str) -> "DataScienceModel":
        return self._with("versionLabel", version_label)

    def with_custom_metadata_list(self, metadata: Any) -> "DataScienceModel":
        return self._with("customMetadataList", metadata)

    def with_defined_metadata_list(self, metadata: Any) -> "DataScienceModel":
        return self._with("definedMetadataList", metadata)

    def with_provenance_metadata(self, metadata: Any) -> "DataScienceModel":
        return self._with("provenanceMetadata", metadata)

    def with_input_schema(self, schema: Any) -> "DataScienceModel":
        return self._with("inputSchema", schema)

    def with_output_schema(self, schema: Any) -> "DataScienceModel":
        return self._with("outputSchema", schema)

    def with_retention_setting(self, retention_setting: Any) -> "DataScienceModel":
        """When the catalog archives the artifact and deletes the model (``archive_after_days``,
        ``delete_after_days``, ``customer_notification_type``): a dict or the SDK's RetentionSetting."""
        return self._with("retentionSetting", _setting_wire(retention_setting))

    def with_backup_setting(self, backup_setting: Any) -> "DataScienceModel":
        """Where the catalog backs the model up (``is_backup_enabled``, ``backup_region``,
        ``customer_notification_type``): a dict or the SDK's BackupSetting."""
        return self._with("backupSetting", _setting_wire(backup_setting))

    # -- read back -----------------------------------------------------------------------------
    def _field(self, key: str) -> Any:
        if self._record is not None and key in _FIELDS:
            return getattr(self._record, _FIELDS[key], None)
        return self._spec.get(key)

    id = property(lambda self: getattr(self._record, "id", None))
    compartment_id = property(lambda self: self._field("compartmentId"))
    project_id = property(lambda self: self._field("projectId"))
    display_name = property(lambda self: self._field("displayName"))
    description = property(lambda self: self._field("description"))
    freeform_tags = property(lambda self: self._field("freeformTags"))
    defined_tags = property(lambda self: self._field("definedTags"))
    model_version_set_id = property(lambda self: self._field("modelVersionSetId"))
    version_label = property(lambda self: self._field("versionLabel"))
    retention_setting = property(lambda self: self._field("retentionSetting"))
    backup_setting = property(lambda self: self._field("backupSetting"))
    retention_operation_details = property(lambda self: getattr(self._record, "retention_operation_details", None))
    backup_operation_details = property(lambda self: getattr(self._record, "backup_operation_details", None))
    lifecycle_details = property(lambda self: getattr(self._record, "lifecycle_details", None))
    artifact = property(lambda self: self._spec.get("artifact"))
    lifecycle_state = property(lambda self: getattr(self._record, "lifecycle_state", None))
    status = lifecycle_state
    version_id = property(lambda self: self._field("versionId"))
    model_version_set_name = property(lambda self: self._field("modelVersionSetName"))
    time_created = property(lambda self: getattr(self._record, "time_created", None))

    @property
    def custom_metadata_list(self) -> list[dict]:
        return _metadata_wire(self._spec.get("customMetadataList"), with_category=True)

    @property
    def defined_metadata_list(self) -> list[dict]:
        return _metadata_wire(self._spec.get("definedMetadataList"), with_category=False)

    @property
    def record(self) -> Any:
        """The SDK's ``Model`` (None before create())."""
        return self._record

    # -- catalog -------------------------------------------------------------------------------
    def create(self, bucket_uri: str | None = None, overwrite_existing_artifact: bool = True,
               remove_existing_artifact: bool = True, region: str | None = None, auth: Any = None,
               timeout: float | None = None, parallel_process_count: int = 9, profile: str | None = None,
               show_progress: bool | None = None, model_by_reference: bool = False,
               **kwargs: Any) -> "DataScienceModel":
        """Create the model with its metadata and upload the artifact; returns self (``id`` set).

        ``bucket_uri`` sends a local artifact through Object Storage (required past 2 GB), where
        ``overwrite_existing_artifact=False`` refuses to replace an object already there; as in ADS it
        does not apply to an ``oci://`` zip given to ``with_artifact`` (exported as it is, and
        ``bucket_uri`` is then ignored with a warning) nor to ``model_by_reference``.
        ``remove_existing_artifact`` and ``region`` apply to the staged object or the ``oci://`` zip. ``parallel_process_count`` is
        accepted for ADS code; uploads are one stream here. ``model_by_reference=True`` (ADS's) leaves
        the artifact where ``with_artifact`` names it (one or a list of ``oci://`` prefixes in versioned
        buckets) and uploads ADS's description of it, flagged ``modelDescription`` in the custom metadata.
        """
        from toolkit.catalog import model_by_reference as by_reference
        from toolkit.catalog.bucket_transfer import BucketUri, export_from_bucket
        from toolkit.catalog.model_catalog import register_artifact, uploader

        refuse("create", kwargs)
        del parallel_process_count
        uri = self.artifact
        if not uri:
            raise CatalogError("DataScienceModel needs an artifact: call with_artifact(<folder, .zip or oci:// zip>)")
        session = connect(auth if auth is not None else self.auth, profile or self.profile, timeout)
        compartment = session.compartment(self.compartment_id)
        fields = {"compartment_id": compartment, "project_id": session.project(self.project_id, compartment),
                  "display_name": self.display_name, "description": self.description,
                  "freeform_tags": self.freeform_tags, "defined_tags": self.defined_tags,
                  "model_version_set_id": self.model_version_set_id, "version_label": self.version_label,
                  "retention_setting": self._spec.get("retentionSetting"), "backup_setting": self._spec.get("backupSetting")}
        if model_by_reference:
            description = by_reference.describe(session, [uri] if isinstance(uri, str) else list(uri))
            self._spec["customMetadataList"] = by_reference.with_flag(self.custom_metadata_list)
            upload = lambda s, model_id, _path: by_reference.upload_description(s, model_id, description)  # noqa: E731
            model_id = register_artifact(session, self._metadata(), None, upload, **fields)
        elif uri.startswith("oci://"):
            if bucket_uri and bucket_uri != uri:  # ADS's warning and choice
                warnings.warn("The `bucket_uri` will be ignored and the value of `self.artifact` will be used instead.",
                              stacklevel=2)
            location = BucketUri.parse(uri)
            upload = lambda s, model_id, _path: export_from_bucket(  # noqa: E731
                s, model_id, location, remove_existing_artifact, region=region)
            model_id = register_artifact(session, self._metadata(), None, upload, **fields)
        else:
            with _zipped(Path(uri).expanduser()) as (zip_path, size):
                upload = uploader(size, bucket_uri, remove_existing_artifact, show_progress,
                                  overwrite_existing_artifact, region)
                model_id = register_artifact(session, self._metadata(), zip_path, upload, **fields)
        self._record = session.ds.get_model(model_id).data
        self.auth, self.profile = auth if auth is not None else self.auth, profile or self.profile
        return self

    def _metadata(self) -> dict:
        """The builder's metadata, schemas and provenance in the catalog's wire form (limits checked)."""
        from emulator.contracts import limits
        from toolkit.model.metadata import MetadataSizeError

        custom, defined = self.custom_metadata_list, self.defined_metadata_list
        if limits.metadata_size(custom, defined) > limits.METADATA_BYTES:
            raise MetadataSizeError(f"custom and defined metadata exceed the catalog's {limits.METADATA_BYTES} bytes")
        provenance = self._spec.get("provenanceMetadata")
        if hasattr(provenance, "to_wire"):
            provenance = provenance.to_wire()
        return {"customMetadataList": custom or None, "definedMetadataList": defined or None,
                "inputSchema": _schema_json(self._spec.get("inputSchema")),
                "outputSchema": _schema_json(self._spec.get("outputSchema")),
                "provenance": _provenance_wire(provenance)}

    def update(self, **kwargs: Any) -> "DataScienceModel":
        """Send the builder's names, tags, label and metadata to the catalog (etag-guarded); returns self."""
        from toolkit.catalog.model_catalog import update_model

        for key, value in kwargs.items():
            self._with(_camel(key), value)
        metadata = self._metadata()
        self._record = update_model(
            self._require_id(), display_name=self._spec.get("displayName"), description=self._spec.get("description"),
            freeform_tags=self._spec.get("freeformTags"), defined_tags=self._spec.get("definedTags"),
            custom_metadata_list=metadata["customMetadataList"], defined_metadata_list=metadata["definedMetadataList"],
            version_label=self._spec.get("versionLabel"), auth=self.auth, profile=self.profile)
        return self

    def delete(self, delete_associated_model_deployment: bool = False) -> "DataScienceModel":
        """Delete the model (refused while deployments use it, unless they are deleted too)."""
        from toolkit.catalog.model_catalog import delete_model

        import oci

        delete_model(self._require_id(), delete_associated_model_deployment=delete_associated_model_deployment,
                     auth=self.auth, profile=self.profile)
        try:
            return self.sync()
        except oci.exceptions.ServiceError as exc:  # a deleted model may be gone from reads at once
            if exc.status != 404:
                raise
            self._record.lifecycle_state = MODEL_DELETED
            return self

    def restore_model(self, restore_model_for_hours_specified: int | None = None) -> None:
        """Make the archived artifact readable again for ``restore_model_for_hours_specified`` hours
        (ADS's check: a positive integer); waits for the RESTORE_ARCHIVED_MODEL work request."""
        from toolkit.catalog.work_requests import wait

        hours = restore_model_for_hours_specified
        if hours is not None and (not isinstance(hours, int) or isinstance(hours, bool) or hours <= 0):
            raise ValueError("restore_model_for_hours_specified must be a positive integer.")
        session = connect(self.auth, self.profile)
        kwargs = {"restore_model_for_hours_specified": hours} if hours is not None else {}
        response = session.ds.restore_archived_model_artifact(self._require_id(), **kwargs)
        wait(session, response.headers["opc-work-request-id"])
        self.sync()

    def sync(self) -> "DataScienceModel":
        """Refresh from the catalog."""
        self._record = connect(self.auth, self.profile).ds.get_model(self._require_id()).data
        return self

    def download_artifact(self, target_dir: str, auth: Any = None, force_overwrite: bool = False,
                          bucket_uri: str | None = None, region: str | None = None,
                          overwrite_existing_artifact: bool = True, remove_existing_artifact: bool = True,
                          timeout: float | None = None) -> Path:
        """Download the artifact and extract it into ``target_dir`` (manifest-verified when it has one).

        ``bucket_uri`` brings it through Object Storage (``remove_existing_artifact`` deletes the
        staged object afterwards); ``overwrite_existing_artifact`` is accepted for ADS code (the
        staged object is named after the model and replaced)."""
        from toolkit.catalog.model_catalog import download_artifact

        del overwrite_existing_artifact
        return download_artifact(self._require_id(), target_dir, unzip=True, force=force_overwrite,
                                 auth=auth if auth is not None else self.auth, profile=self.profile, timeout=timeout,
                                 bucket_uri=bucket_uri, remove_existing_artifact=remove_existing_artifact,
                                 region=region)

    # -- metadata artifacts (toolkit.catalog.metadata_artifacts) -----------------------------------
    def create_custom_metadata_artifact(self, metadata_key_name: str, artifact_path_or_content: str | bytes,
                                        path_type: str = "local") -> Any:
        """Attach an artifact (a local file, an ``oci://`` object, or bytes with ``path_type="content"``)
        to the custom metadatum ``metadata_key_name``, which the model's custom metadata must hold."""
        return self._upload_metadata_artifact("custom", metadata_key_name, artifact_path_or_content, path_type, False)

    def update_custom_metadata_artifact(self, metadata_key_name: str, artifact_path_or_content: str | bytes,
                                        path_type: str = "local") -> Any:
        return self._upload_metadata_artifact("custom", metadata_key_name, artifact_path_or_content, path_type, True)

    def get_custom_metadata_artifact(self, metadata_key_name: str, target_dir: str, override: bool = False) -> bytes:
        """The artifact's bytes, also written to ``target_dir/<metadata_key_name>`` (``override`` replaces a file)."""
        return self._download_metadata_artifact("custom", metadata_key_name, target_dir, override)

    def delete_custom_metadata_artifact(self, metadata_key_name: str) -> Any:
        return metadata_artifacts.delete(*self._metadata_target(), "custom", metadata_key_name)

    def if_model_custom_metadata_artifact_exist(self, metadata_key_name: str) -> bool:
        return metadata_artifacts.exists(*self._metadata_target(), "custom", metadata_key_name)

    def create_defined_metadata_artifact(self, metadata_key_name: str, artifact_path_or_content: str | bytes,
                                         path_type: str = "local") -> Any:
        """As ``create_custom_metadata_artifact``, for a defined (taxonomy) metadatum."""
        return self._upload_metadata_artifact("defined", metadata_key_name, artifact_path_or_content, path_type, False)

    def update_defined_metadata_artifact(self, metadata_key_name: str, artifact_path_or_content: str | bytes,
                                         path_type: str = "local") -> Any:
        return self._upload_metadata_artifact("defined", metadata_key_name, artifact_path_or_content, path_type, True)

    def get_defined_metadata_artifact(self, metadata_key_name: str, target_dir: str, override: bool = False) -> bytes:
        return self._download_metadata_artifact("defined", metadata_key_name, target_dir, override)

    def delete_defined_metadata_artifact(self, metadata_key_name: str) -> Any:
        return metadata_artifacts.delete(*self._metadata_target(), "defined", metadata_key_name)

    def _metadata_target(self) -> tuple[Any, str]:
        return connect(self.auth, self.profile), self._require_id()

    def _upload_metadata_artifact(self, kind: str, key: str, source: str | bytes, path_type: str, replace: bool) -> Any:
        session, model_id = self._metadata_target()
        content = metadata_artifacts.content_of(source, path_type, session)
        return metadata_artifacts.upload(session, model_id, kind, key, content, replace)

    def _download_metadata_artifact(self, kind: str, key: str, target_dir: str, override: bool) -> bytes:
        target = Path(target_dir).expanduser() / key
        if target.exists() and not override:
            raise FileExistsError(f"File already exists: {target}. Pass override=True to replace it.")
        content = metadata_artifacts.download(*self._metadata_target(), kind, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return content

    @classmethod
    def from_id(cls, id: str, auth: Any = None, profile: str | None = None) -> "DataScienceModel":  # noqa: A002
        """The catalog model with this OCID."""
        return cls(auth=auth, profile=profile)._load(connect(auth, profile).ds.get_model(id).data)

    @classmethod
    def list(cls, compartment_id: str | None = None, project_id: str | None = None, category: str = "USER",
             auth: Any = None, profile: str | None = None, **filters: Any) -> list["DataScienceModel"]:
        """The models of a compartment (the profile's default one), all pages; ``category`` USER or
        SERVICE, other filters as the catalog's list call takes them (``display_name=``...)."""
        session = connect(auth, profile)
        kwargs = {k: v for k, v in {"project_id": project_id, "category": category, **filters}.items() if v}
        summaries = iter_records(session.ds.list_models, session.compartment(compartment_id), **kwargs)
        return [cls(auth=auth, profile=profile)._load(s) for s in summaries]

    @classmethod
    def list_df(cls, compartment_id: str | None = None, project_id: str | None = None, category: str = "USER",
                auth: Any = None, profile: str | None = None, **filters: Any) -> Any:
        """``list()`` as a pandas DataFrame with ADS's columns (OCIDs shortened to their last six
        characters, as ADS shows them)."""
        import pandas

        short = lambda ocid: f"...{ocid[-6:]}" if ocid else None  # noqa: E731
        return pandas.DataFrame.from_records([
            {"id": short(m.id), "display_name": m.display_name, "description": m.description,
             "time_created": m.time_created.strftime(LIST_DF_DATE_FORMAT) if m.time_created else None,
             "lifecycle_state": m.lifecycle_state, "created_by": short(getattr(m.record, "created_by", None)),
             "compartment_id": short(m.compartment_id), "project_id": short(m.project_id)}
            for m in cls.list(compartment_id, project_id, category, auth=auth, profile=profile, **filters)])

    def _load(self, record: Any) -> "DataScienceModel":
        self._record = record
        wire = to_wire(record)
        for key in ("customMetadataList", "definedMetadataList", "inputSchema", "outputSchema"):
            if wire.get(key):
                self._spec[key] = copy.deepcopy(wire[key])
        return self

    def _require_id(self) -> str:
        if not self.id:
            raise CatalogError("this DataScienceModel is not in the catalog yet; call .create() first")
        return self.id


class _zipped:
    """A context giving (zip path, size) for a folder (zipped now, removed after) or a zip file."""

    def __init__(self, source: Path) -> None:
        self.source, self.zipped = source, None

    def __enter__(self) -> tuple[Path, int]:
        from toolkit.artifact.archive import zip_artifact

        if self.source.is_dir():
            self.zipped = zip_artifact(self.source)
            return self.zipped.path, self.zipped.size
        if self.source.is_file() and zipfile.is_zipfile(self.source):
            return self.source, self.source.stat().st_size
        raise CatalogError(f"with_artifact({str(self.source)!r}): not a folder, a .zip or an oci:// zip")

    def __exit__(self, *exc: object) -> None:
        if self.zipped is not None:
            self.zipped.cleanup()


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _metadata_wire(metadata: Any, *, with_category: bool) -> list[dict]:
    """Metadata as the catalog's wire list, from the toolkit's collections or ADS's dict forms."""
    if metadata is None:
        return []
    if hasattr(metadata, "to_wire"):
        return metadata.to_wire()
    items = metadata.get("data", []) if isinstance(metadata, dict) else list(metadata)
    wire = []
    for item in items:
        item = item.to_dict() if hasattr(item, "to_dict") else dict(item)
        value = item.get("value")
        entry = {"key": item["key"], "value": value if value is None or isinstance(value, str) else str(value)}
        if with_category:
            entry.update(description=item.get("description"), category=item.get("category"))
        wire.append(entry)
    return wire


def _schema_json(schema: Any) -> str | None:
    import json

    if schema is None:
        return None
    if hasattr(schema, "to_json"):
        return schema.to_json()
    return schema if isinstance(schema, str) else json.dumps(schema)


def _provenance_wire(provenance: Any) -> dict | None:
    if not provenance:
        return None
    names = {"repository_url": "repositoryUrl", "git_branch": "gitBranch", "git_commit": "gitCommit",
             "script_dir": "scriptDir", "training_script_path": "trainingScript", "training_script": "trainingScript",
             "training_id": "trainingId", "artifact_dir": "scriptDir"}
    return {names.get(k, k): v for k, v in dict(provenance).items() if v is not None}


def _setting_wire(setting: Any) -> dict | None:
    """A retention/backup setting in the REST form, from a dict (either key style) or an SDK model."""
    if setting is None:
        return None
    if hasattr(setting, "attribute_map"):
        return {wire: getattr(setting, name) for name, wire in setting.attribute_map.items()
                if getattr(setting, name) is not None}
    if hasattr(setting, "to_dict"):  # ADS's ModelRetentionSetting / ModelBackupSetting (snake_case)
        setting = setting.to_dict()
    return {_camel(key): value for key, value in dict(setting).items() if value is not None}

