"""``DataScienceModelGroup``: ADS's model group builder, over the ``oci`` SDK of the chosen profile.

    group = (DataScienceModelGroup()
             .with_display_name("two-models")
             .with_member_models([{"model_id": adder.id, "inference_key": "adder"},
                                  {"model_id": classifier.id, "inference_key": "classifier"}])
             .create())                         # waits for the MODEL_GROUP_CREATE work request
    group.with_description("...").update()
    group.deactivate(); group.activate(); group.delete()
    DataScienceModelGroup.list(status="ACTIVE"); DataScienceModelGroup.from_id(group.id)

A group with a ``base_model_id`` is a stacked group, any other a homogeneous one (ADS's rule). The
spec holds ADS's camelCase keys and plain values (custom metadata in the catalog's wire form), so
``to_dict``/``to_yaml`` round-trip; a record read from the catalog is copied into it, as ADS does.
Lifecycle calls refuse a group already in the asked state, as ADS's do, and then wait for the
operation's work request; a failed one raises instead of being logged.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import oci
from oci.data_science.models import (
    CreateModelGroupDetails,
    CustomMetadata,
    HomogeneousModelGroupDetails,
    MemberModelDetails,
    MemberModelEntries,
    ModelGroup,
    StackedModelGroupDetails,
    UpdateModelGroupDetails,
)

from emulator.contracts.states import ACTIVE, CREATING, DELETED, DELETING, FAILED, INACTIVE
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession, connect, iter_records
from toolkit.deployment.create import poll, timeout
from toolkit.deployment.spec import Builder

DEFAULT_WAIT_TIME = 1200  # ADS's max_wait_time of model group operations, seconds (negative: for ever)
DEFAULT_POLL_INTERVAL = 10  # ADS's poll_interval (the local emulator is polled faster)
ALLOWED_CREATE_TYPES = ("CREATE", "CLONE")
ALLOWED_STATUS = (ACTIVE, CREATING, DELETED, DELETING, FAILED, INACTIVE)  # ADS's list(status=) values
MODEL_GROUP_KIND = "datascienceModelGroup"

# ADS's spec key -> the SDK ModelGroup attribute it is read back from (ADS's attribute_map)
_RECORD_FIELDS = {
    "id": "id", "compartmentId": "compartment_id", "projectId": "project_id", "displayName": "display_name",
    "description": "description", "freeformTags": "freeform_tags", "definedTags": "defined_tags",
    "lifecycleState": "lifecycle_state", "lifecycleDetails": "lifecycle_details", "timeCreated": "time_created",
    "timeUpdated": "time_updated", "createdBy": "created_by",
    "modelGroupVersionHistoryId": "model_group_version_history_id",
    "modelGroupVersionHistoryName": "model_group_version_history_name", "versionLabel": "version_label",
    "versionId": "version_id",
}
_SETTABLE = ("createType", "customMetadataList", "baseModelId", "memberModels", "artifact")


class DataScienceModelGroup(Builder):
    """A model group of the catalog as a builder (``with_*``, then ``create()``) or as read back
    (``from_id``, ``list``): ADS's names and behaviour."""

    kind = MODEL_GROUP_KIND
    type_name = "dataScienceModelGroup"  # ADS's Builder.type: the class name, first letter lowered
    keys = tuple(_RECORD_FIELDS) + _SETTABLE

    def __init__(self, spec: dict | None = None, auth: Any = None, profile: str | None = None, **kwargs: Any) -> None:
        """The spec as a dict or keywords (camelCase or snake_case keys); ``auth``/``profile`` pick the
        catalog (the local emulator by default)."""
        super().__init__(spec, **kwargs)
        self.auth, self.profile = auth, profile
        self._record: Any = None

    def __repr__(self) -> str:
        return f"DataScienceModelGroup(id={self.id!r}, display_name={self.display_name!r})"

    # -- builder -------------------------------------------------------------------------------
    def with_create_type(self, create_type: str) -> "DataScienceModelGroup":
        if create_type not in ALLOWED_CREATE_TYPES:
            raise ValueError(f"Invalid create type: {create_type!r}. Allowed: {', '.join(ALLOWED_CREATE_TYPES)}.")
        return self.set_spec("createType", create_type)

    def with_compartment_id(self, compartment_id: str) -> "DataScienceModelGroup":
        return self.set_spec("compartmentId", compartment_id)

    def with_project_id(self, project_id: str) -> "DataScienceModelGroup":
        return self.set_spec("projectId", project_id)

    def with_display_name(self, display_name: str) -> "DataScienceModelGroup":
        return self.set_spec("displayName", display_name)

    def with_description(self, description: str) -> "DataScienceModelGroup":
        return self.set_spec("description", description)

    def with_freeform_tags(self, **kwargs: str) -> "DataScienceModelGroup":
        return self.set_spec("freeformTags", kwargs)

    def with_defined_tags(self, **kwargs: dict) -> "DataScienceModelGroup":
        return self.set_spec("definedTags", kwargs)

    def with_custom_metadata_list(self, metadata: Any) -> "DataScienceModelGroup":
        """The group's custom metadata: a ``ModelCustomMetadata``, ADS's ``{"data": [...]}`` dict or a
        list of items (key, value, description, category)."""
        from toolkit.catalog.datascience_model import _metadata_wire

        return self.set_spec("customMetadataList", _metadata_wire(metadata, with_category=True) or None)

    def with_base_model_id(self, base_model_id: str) -> "DataScienceModelGroup":
        """Makes it a stacked group on this base model (without one it is homogeneous)."""
        return self.set_spec("baseModelId", base_model_id)

    def with_member_models(self, member_models: list[dict[str, str]]) -> "DataScienceModelGroup":
        """The members: ``[{"model_id": ..., "inference_key": ...}, ...]`` (inference key optional)."""
        return self.set_spec("memberModels", [dict(member) for member in member_models])

    def with_model_group_version_history_id(self, model_group_version_history_id: str) -> "DataScienceModelGroup":
        return self.set_spec("modelGroupVersionHistoryId", model_group_version_history_id)

    def with_version_label(self, version_label: str) -> "DataScienceModelGroup":
        return self.set_spec("versionLabel", version_label)

    def with_artifact(self, uri: str) -> "DataScienceModelGroup":
        """A homogeneous group's own artifact (a folder with score.py and runtime.yaml, or a zip),
        uploaded by ``create()``."""
        return self.set_spec("artifact", str(uri))

    # -- read back -----------------------------------------------------------------------------
    id = property(lambda self: self.get_spec("id"))
    compartment_id = property(lambda self: self.get_spec("compartmentId"))
    project_id = property(lambda self: self.get_spec("projectId"))
    display_name = property(lambda self: self.get_spec("displayName"))
    description = property(lambda self: self.get_spec("description"))
    freeform_tags = property(lambda self: self.get_spec("freeformTags"))
    defined_tags = property(lambda self: self.get_spec("definedTags"))
    lifecycle_state = property(lambda self: self.get_spec("lifecycleState"))
    lifecycle_details = property(lambda self: self.get_spec("lifecycleDetails"))
    create_type = property(lambda self: self.get_spec("createType"))
    base_model_id = property(lambda self: self.get_spec("baseModelId"))
    member_models = property(lambda self: self.get_spec("memberModels"))
    model_group_version_history_id = property(lambda self: self.get_spec("modelGroupVersionHistoryId"))
    model_group_version_history_name = property(lambda self: self.get_spec("modelGroupVersionHistoryName"))
    version_label = property(lambda self: self.get_spec("versionLabel"))
    version_id = property(lambda self: self.get_spec("versionId"))
    artifact = property(lambda self: self.get_spec("artifact"))
    time_created = property(lambda self: self.get_spec("timeCreated"))
    created_by = property(lambda self: self.get_spec("createdBy"))

    @property
    def custom_metadata_list(self) -> Any:
        """The group's custom metadata as a ``ModelCustomMetadata`` (ADS's type)."""
        from toolkit.model.metadata import ModelCustomMetadata

        metadata = ModelCustomMetadata()
        for item in self.get_spec("customMetadataList") or []:
            metadata.add(item["key"], item.get("value"), item.get("description"), item.get("category"), replace=True)
        return metadata

    @property
    def record(self) -> Any:
        """The SDK's ``ModelGroup`` (or ``ModelGroupSummary``) last read; None before create()."""
        return self._record

    # -- catalog -------------------------------------------------------------------------------
    def create(self, wait_for_completion: bool = True, max_wait_time: int = DEFAULT_WAIT_TIME,
               poll_interval: int = DEFAULT_POLL_INTERVAL) -> "DataScienceModelGroup":
        """Create the group (the profile's compartment and project when unset), wait for its work
        request, and upload the artifact of a homogeneous group given ``with_artifact``."""
        session = self._session()
        compartment = session.compartment(self.compartment_id)
        details = CreateModelGroupDetails(
            create_type=self.create_type or "CREATE", compartment_id=compartment,
            project_id=session.project(self.project_id, compartment), display_name=self.display_name,
            description=self.description, freeform_tags=self.freeform_tags, defined_tags=self.defined_tags,
            model_group_version_history_id=self.model_group_version_history_id, version_label=self.version_label,
            model_group_details=self._group_details(),
            member_model_entries=MemberModelEntries(member_model_details=[
                MemberModelDetails(**member) for member in self.member_models or []]))
        response = session.ds.create_model_group(details)
        self._load(response.data)
        if wait_for_completion:
            self._wait(session, response, "creating model group", max_wait_time, poll_interval)
        self.sync()
        if not self.base_model_id and self.artifact:
            self.upload_artifact()
        return self

    def _group_details(self) -> HomogeneousModelGroupDetails | StackedModelGroupDetails:
        metadata = [CustomMetadata(key=i["key"], value=i.get("value"), description=i.get("description"),
                                   category=i.get("category")) for i in self.get_spec("customMetadataList") or []]
        if self.base_model_id:
            return StackedModelGroupDetails(custom_metadata_list=metadata, base_model_id=self.base_model_id)
        return HomogeneousModelGroupDetails(custom_metadata_list=metadata)

    def upload_artifact(self) -> None:
        """Upload the ``with_artifact`` folder (zipped; score.py and runtime.yaml at its top) or zip as
        the group's artifact; nothing when none was given."""
        from toolkit.artifact.archive import zip_artifact

        group_id = self._require_id()
        if not self.artifact:
            return
        path = Path(self.artifact).expanduser()
        if not path.exists():
            raise CatalogError(f"The artifact path `{self.artifact}` does not exist.")
        if path.is_dir():
            missing = [name for name in ("score.py", "runtime.yaml") if not (path / name).is_file()]
            if missing:
                raise CatalogError(f"Invalid model group artifact directory `{path}`: no top-level "
                                   f"{' or '.join(missing)}.")
            zipped = zip_artifact(path)
            try:
                self._send_artifact(group_id, zipped.path)
            finally:
                zipped.cleanup()
        else:
            self._send_artifact(group_id, path)

    def _send_artifact(self, group_id: str, zip_path: Path) -> None:
        with open(zip_path, "rb") as body:
            self._session().ds.create_model_group_artifact(
                group_id, body, content_disposition=f'attachment; filename="{zip_path.name}"')

    def update(self, wait_for_completion: bool = True, max_wait_time: int = DEFAULT_WAIT_TIME,
               poll_interval: int = DEFAULT_POLL_INTERVAL) -> "DataScienceModelGroup":
        """Send the builder's name, description, tags, version label and version history (etag-guarded);
        with ``wait_for_completion`` until the group is ACTIVE or FAILED again."""
        session, group_id = self._session(), self._require_id()
        current = session.ds.get_model_group(group_id)
        details = UpdateModelGroupDetails(
            display_name=self.display_name, description=self.description, freeform_tags=self.freeform_tags,
            defined_tags=self.defined_tags, version_label=self.version_label,
            model_group_version_history_id=self.model_group_version_history_id)
        session.ds.update_model_group(group_id, details, if_match=current.headers.get("etag"))
        if wait_for_completion:
            oci.wait_until(session.ds, session.ds.get_model_group(group_id),
                           evaluate_response=lambda r: r.data.lifecycle_state in (ACTIVE, FAILED),
                           max_wait_seconds=timeout(max_wait_time),
                           max_interval_seconds=poll(session, poll_interval) or 1)
        return self.sync()

    def activate(self, wait_for_completion: bool = True, max_wait_time: int = DEFAULT_WAIT_TIME,
                 poll_interval: int = DEFAULT_POLL_INTERVAL) -> "DataScienceModelGroup":
        """Make an INACTIVE group ACTIVE again (refused in any other state, as ADS does)."""
        return self._switch("activate", INACTIVE, ACTIVE, wait_for_completion, max_wait_time, poll_interval)

    def deactivate(self, wait_for_completion: bool = True, max_wait_time: int = DEFAULT_WAIT_TIME,
                   poll_interval: int = DEFAULT_POLL_INTERVAL) -> "DataScienceModelGroup":
        """Make an ACTIVE group INACTIVE (refused in any other state, as ADS does)."""
        return self._switch("deactivate", ACTIVE, INACTIVE, wait_for_completion, max_wait_time, poll_interval)

    def _switch(self, verb: str, source: str, target: str, wait: bool, max_wait_time: float,
                poll_interval: float) -> "DataScienceModelGroup":
        """``activate``/``deactivate``: ADS's state checks, the call, its work request."""
        session = self._session()
        state = self._current_state(session)
        if state == target:
            raise CatalogError(f"Model group {self.id} is already in {target.lower()} state.")
        if state != source:
            raise CatalogError(f"Can't {verb} model group {self.id} when it's in {state} state.")
        response = getattr(session.ds, f"{verb}_model_group")(self.id)
        if wait:
            self._wait(session, response, f"{verb[:-1]}ing model group", max_wait_time, poll_interval)
        return self.sync()

    def delete(self, wait_for_completion: bool = True, max_wait_time: int = DEFAULT_WAIT_TIME,
               poll_interval: int = DEFAULT_POLL_INTERVAL) -> "DataScienceModelGroup":
        """Delete the group (refused while it is being deleted or not yet settled, as ADS does)."""
        session = self._session()
        state = self._current_state(session)
        if state in (DELETED, DELETING):
            raise CatalogError(f"Model group {self.id} is either deleted or being deleted.")
        if state not in (ACTIVE, FAILED, INACTIVE):
            raise CatalogError(f"Can't delete model group {self.id} when it's in {state} state.")
        response = session.ds.delete_model_group(self.id)
        if wait_for_completion:
            self._wait(session, response, "deleting model group", max_wait_time, poll_interval)
        try:
            return self.sync()
        except oci.exceptions.ServiceError as exc:  # a deleted group may be gone from reads at once
            if exc.status != 404:
                raise
            return self.set_spec("lifecycleState", DELETED)

    def sync(self) -> "DataScienceModelGroup":
        """Refresh from the catalog."""
        return self._load(self._session().ds.get_model_group(self._require_id()).data)

    @classmethod
    def list(cls, status: str | None = None, compartment_id: str | None = None, auth: Any = None,
             profile: str | None = None, **kwargs: Any) -> list["DataScienceModelGroup"]:
        """The groups of a compartment (the profile's default one), all pages; ``status`` one of
        ADS's allowed states, other filters as the SDK's ``list_model_groups`` takes them."""
        if status is not None:
            if status not in ALLOWED_STATUS:
                raise ValueError(f"Allowed `status` values are: {', '.join(ALLOWED_STATUS)}.")
            kwargs["lifecycle_state"] = status
        session = connect(auth, profile)
        summaries = iter_records(session.ds.list_model_groups, session.compartment(compartment_id), **kwargs)
        return [cls(auth=auth, profile=profile)._load(summary) for summary in summaries]

    @classmethod
    def from_id(cls, model_group_id: str, auth: Any = None, profile: str | None = None) -> "DataScienceModelGroup":
        """The catalog's model group with this OCID."""
        return cls(auth=auth, profile=profile)._load(connect(auth, profile).ds.get_model_group(model_group_id).data)

    @classmethod
    def from_dict(cls, config: dict) -> "DataScienceModelGroup":
        """A builder from ``to_dict()``'s mapping (``kind``, ``type``, ``spec``)."""
        return cls(spec=copy.deepcopy(config["spec"]))

    # -- helpers -------------------------------------------------------------------------------
    def _load(self, record: Any) -> "DataScienceModelGroup":
        """Copy a ``ModelGroup`` / ``ModelGroupSummary`` into the spec (members only from a full record)."""
        self._record = record
        for key, attribute in _RECORD_FIELDS.items():
            if hasattr(record, attribute):
                self.set_spec(key, getattr(record, attribute))
        details = record.model_group_details
        self.set_spec("customMetadataList", [
            {"key": m.key, "value": m.value, "description": m.description, "category": m.category}
            for m in details.custom_metadata_list or []] or None)
        self.set_spec("baseModelId", getattr(details, "base_model_id", None))
        if isinstance(record, ModelGroup):
            self.set_spec("memberModels", [
                {"inference_key": m.inference_key, "model_id": m.model_id}
                for m in record.member_model_entries.member_model_details or []])
        return self

    def _current_state(self, session: CatalogSession) -> str:
        return session.ds.get_model_group(self._require_id()).data.lifecycle_state

    @staticmethod
    def _wait(session: CatalogSession, response: Any, title: str, max_wait_time: float, poll_interval: float) -> None:
        work_request = response.headers.get("opc-work-request-id")
        if work_request:
            session.wait_for_work_request(work_request, timeout(max_wait_time), title=title,
                                          poll_interval=poll(session, poll_interval))

    def _session(self) -> CatalogSession:
        return connect(self.auth, self.profile)

    def _require_id(self) -> str:
        if not self.id:
            raise CatalogError("this DataScienceModelGroup is not in the catalog yet; call .create() first")
        return self.id
