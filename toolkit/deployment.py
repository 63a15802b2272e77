"""Model deployments through the official ``oci`` SDK: ADS's ``ModelDeployment`` — a builder
(``with_infrastructure(...).with_runtime(...).deploy()``, or ``from_yaml``), a handle on a deployment
of the catalog (``from_id``, ``list``), its lifecycle, ``update``, ``predict`` through the endpoint
with the profile's request signer, and its logs.

``GenericModel.deploy / predict / from_model_deployment`` delegate here; what they need of the
model is ``toolkit.catalog.protocol.CatalogModel``. Every way of deploying — ``model.deploy(...)``,
the builders, an ADS YAML spec, ``dockyard deploy`` — becomes the two builders of
``toolkit.deployment_spec`` and then one ``CreateModelDeploymentDetails``. The same calls work
against the local emulator and OCI; only the profile differs. The emulator extras (``runtime=``
to pick docker or process) travel as a freeform tag that OCI simply keeps
(``emulator.contracts.deployments.RUNTIME_TAG``).
"""
from __future__ import annotations

import copy
import functools
import time
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

import oci
from oci.data_science.models import (
    CategoryLogDetails,
    CreateModelDeploymentDetails,
    DefaultModelDeploymentEnvironmentConfigurationDetails,
    FixedSizeScalingPolicy,
    InstanceConfiguration,
    LogDetails,
    ModelConfigurationDetails,
    ModelDeploymentInstanceShapeConfigDetails,
    OcirModelDeploymentEnvironmentConfigurationDetails,
    SingleModelDeploymentConfigurationDetails,
)

from emulator.contracts import deployments as defaults
from emulator.contracts.deployments import BASE_IMAGE_TAG, LOG_TYPES, RUNTIME_TAG, log_type_name, log_type_of
from emulator.contracts.states import ACTIVE, DELETED, FAILED, INACTIVE
from emulator.settings import check_runtime
from toolkit import settings
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession, connect, iter_records
from toolkit.deployment_logs import DeploymentLogs, LogEntry
from toolkit.deployment_spec import (
    DEFAULT_POLL,
    DEFAULT_WAIT,
    ModelDeploymentContainerRuntime,
    ModelDeploymentCondaRuntime,
    ModelDeploymentInfrastructure,
    ModelDeploymentRuntime,
    SpecError,
    dump_yaml,
    infrastructure_from_dict,
    load_yaml,
    runtime_from_dict,
    snake,
)
from toolkit.model.unsupported import refuse

__all__ = ["DeploymentError", "LogEntry", "ModelDeployment", "PredictError", "deploy_model"]

DEFAULT_SHAPE = defaults.DEFAULT_SHAPE
LOG_INTERVAL = 3  # ADS's watch() interval, seconds
_OWN_KEYS = ("displayName", "description", "freeformTags", "definedTags", "infrastructure", "runtime")


class DeploymentError(CatalogError):
    """A deployment cannot be used as asked (not deployed, not ACTIVE, no log configured).

    An operation whose work request fails raises ``WorkRequestFailedError`` (a ``CatalogError``
    too) with the service's reason and the server's last log lines."""


class PredictError(DeploymentError):
    """The deployment answered a predict call with an error (OCI shape: status, code, message)."""

    def __init__(self, status: int, code: str, message: str, opc_request_id: str | None) -> None:
        super().__init__(f"{status} {code}: {message} (opc-request-id {opc_request_id})")
        self.status, self.code, self.message, self.opc_request_id = status, code, message, opc_request_id


class ModelDeployment:
    """A model deployment (ADS's class): built with ``with_*`` and ``deploy()``ed, or read from the
    catalog with ``from_id``/``list`` and then bound to the profile it was reached with."""

    def __init__(self, record: Any = None, session: CatalogSession | None = None, spec: dict | None = None) -> None:
        self._record = record
        self._session = session
        self._spec: dict[str, Any] = {}
        for key, value in (spec or {}).items():
            self._set(key, value)

    # ------------------------------------------------------------------ builder
    def _set(self, key: str, value: Any) -> "ModelDeployment":
        wanted = key.replace("_", "").lower()
        canonical = next((k for k in _OWN_KEYS if k.lower() == wanted), None)
        if canonical is None:
            warnings.warn(f"ModelDeployment: unknown key {key!r} ignored; known keys: {', '.join(_OWN_KEYS)}.",
                          stacklevel=3)
            return self
        if canonical == "infrastructure" and isinstance(value, dict):
            value = infrastructure_from_dict(value)
        elif canonical == "runtime" and isinstance(value, dict):
            value = runtime_from_dict(value)
        self._spec[canonical] = value
        return self

    def with_display_name(self, display_name: str) -> "ModelDeployment":
        return self._set("displayName", display_name)

    def with_description(self, description: str) -> "ModelDeployment":
        return self._set("description", description)

    def with_freeform_tags(self, **kwargs: str) -> "ModelDeployment":
        return self._set("freeformTags", kwargs)

    def with_defined_tags(self, **kwargs: dict) -> "ModelDeployment":
        return self._set("definedTags", kwargs)

    def with_infrastructure(self, infrastructure: ModelDeploymentInfrastructure) -> "ModelDeployment":
        return self._set("infrastructure", infrastructure)

    def with_runtime(self, runtime: ModelDeploymentRuntime) -> "ModelDeployment":
        return self._set("runtime", runtime)

    @property
    def infrastructure(self) -> ModelDeploymentInfrastructure:
        """The builder's infrastructure, or (for a deployment of the catalog) the one it runs on."""
        if "infrastructure" not in self._spec and self._record is not None:
            self._spec["infrastructure"] = _infrastructure_of(self._record)
        return self._spec.setdefault("infrastructure", ModelDeploymentInfrastructure())

    @property
    def runtime(self) -> ModelDeploymentRuntime:
        if "runtime" not in self._spec and self._record is not None:
            self._spec["runtime"] = _runtime_of(self._record)
        return self._spec.setdefault("runtime", ModelDeploymentCondaRuntime())

    # ------------------------------------------------------------------ dict / YAML
    def to_dict(self) -> dict:
        """ADS's YAML layout (``kind: deployment``, ``spec.infrastructure``, ``spec.runtime``)."""
        spec: dict[str, Any] = {}
        for key in ("displayName", "description", "freeformTags", "definedTags"):
            value = self._spec.get(key) if self._record is None else getattr(self._record, snake(key), None)
            if value:
                spec[key] = copy.deepcopy(value)
        if self._record is not None:
            spec["id"] = self.id
        spec["infrastructure"] = self.infrastructure.to_dict()
        spec["runtime"] = self.runtime.to_dict()
        return {"kind": "deployment", "type": "modelDeployment", "spec": spec}

    def to_yaml(self, uri: str | None = None, dumper: Any = None, overwrite: bool = True, note: str = "") -> str | None:
        return dump_yaml(self.to_dict(), uri, dumper, overwrite, note)

    @classmethod
    def from_dict(cls, obj_dict: dict) -> "ModelDeployment":
        """A builder from ADS's deployment mapping (``kind: deployment`` with ``spec``)."""
        if not isinstance(obj_dict, dict) or not isinstance(obj_dict.get("spec"), dict):
            raise SpecError("a deployment spec is a mapping with 'kind: deployment' and a 'spec' mapping.")
        if obj_dict.get("kind", "deployment") != "deployment":
            raise SpecError(f"kind must be 'deployment', not {obj_dict.get('kind')!r}.")
        spec = {k: v for k, v in obj_dict["spec"].items() if k != "id"}
        return cls(spec=spec)

    @classmethod
    def from_yaml(cls, yaml_string: str | None = None, uri: str | None = None, loader: Any = None) -> "ModelDeployment":
        """A builder from ADS's YAML, given as text or as a file path (``uri``)."""
        return cls.from_dict(load_yaml(yaml_string, uri, loader))

    # ------------------------------------------------------------------ lookup
    @classmethod
    def from_id(cls, id: str, auth: Any = None, profile: str | None = None) -> "ModelDeployment":  # noqa: A002
        """The deployment with this OCID."""
        session = connect(auth, profile)
        return cls(session.ds.get_model_deployment(id).data, session)

    @classmethod
    def list(cls, status: str | None = None, compartment_id: str | None = None, project_id: str | None = None,
             lifecycle_state: str | None = None, auth: Any = None, profile: str | None = None) -> list["ModelDeployment"]:
        """Deployments of a compartment (the profile's default one when not given), all pages;
        ``status`` (ADS's name) or ``lifecycle_state`` filters by state."""
        session = connect(auth, profile)
        state = (status or lifecycle_state or "").upper() or None
        kwargs = {k: v for k, v in {"project_id": project_id, "lifecycle_state": state}.items() if v}
        summaries = iter_records(session.ds.list_model_deployments, session.compartment(compartment_id), **kwargs)
        return [cls(s, session) for s in summaries]

    # ------------------------------------------------------------------ properties
    @property
    def model_deployment_id(self) -> str | None:
        return self._record.id if self._record is not None else None

    id = model_deployment_id

    @property
    def display_name(self) -> str | None:
        return self._record.display_name if self._record is not None else self._spec.get("displayName")

    @property
    def description(self) -> str | None:
        return getattr(self._record, "description", None) if self._record is not None else self._spec.get("description")

    @property
    def freeform_tags(self) -> dict | None:
        return getattr(self._record, "freeform_tags", None) if self._record is not None else self._spec.get("freeformTags")

    @property
    def defined_tags(self) -> dict | None:
        return getattr(self._record, "defined_tags", None) if self._record is not None else self._spec.get("definedTags")

    @property
    def lifecycle_state(self) -> str | None:
        return self._record.lifecycle_state if self._record is not None else None

    state = lifecycle_state
    status = lifecycle_state

    @property
    def url(self) -> str | None:
        return self._record.model_deployment_url if self._record is not None else None

    @property
    def model_id(self) -> str | None:
        if self._record is None:
            return self.runtime.model_uri
        return self._record.model_deployment_configuration_details.model_configuration_details.model_id

    @property
    def lifecycle_details(self) -> str | None:
        return getattr(self._record, "lifecycle_details", None)

    @property
    def time_created(self) -> Any:
        return getattr(self._record, "time_created", None)

    @property
    def record(self) -> Any:
        """The SDK's ``ModelDeployment`` (or summary) object; None before deploy()."""
        return self._record

    def __repr__(self) -> str:
        if self._record is None:
            return self.to_yaml()
        return f"ModelDeployment({self.id!r}, {self.display_name!r}, {self.lifecycle_state})"

    def _require_record(self) -> Any:
        if self._record is None:
            raise DeploymentError("this ModelDeployment is not deployed yet; call .deploy() first")
        return self._record

    def sync(self) -> "ModelDeployment":
        """Refresh from the service."""
        self._record = self._session.ds.get_model_deployment(self._require_record().id).data
        self._spec.pop("infrastructure", None)
        self._spec.pop("runtime", None)
        return self

    # ------------------------------------------------------------------ deploy
    def deploy(self, wait_for_completion: bool = True, max_wait_time: float = DEFAULT_WAIT,
               poll_interval: float = DEFAULT_POLL, show_progress: bool | None = None, runtime: str | None = None,
               auth: Any = None, profile: str | None = None) -> "ModelDeployment":
        """Create the deployment the builders describe and return this object, now bound to it.

        ``runtime.model_uri`` is a model OCID, or an artifact (folder, zip, ``oci://`` zip) that is
        first registered in the catalog, as ADS does (with the runtime's bucket, region, overwrite
        and remove settings). ``runtime`` here is the emulator's docker/process choice.
        """
        if self._record is not None:
            raise DeploymentError(f"model deployment {self.id} exists; use update(), or build a new ModelDeployment")
        _emulator_tags(runtime)  # a bad setting fails before a modelUri folder is saved
        session = connect(auth if auth is not None else self.runtime.auth, profile)
        model_id = _registered_model(self, session, auth, profile)
        deployment = _create(session, model_id, self._spec.get("displayName"), self._spec.get("description"),
                             self._spec.get("freeformTags"), self._spec.get("definedTags"), self.infrastructure,
                             self.runtime, runtime, wait_for_completion, max_wait_time, poll_interval, show_progress)
        self._record, self._session = deployment._record, deployment._session
        self._spec.pop("infrastructure", None)
        self._spec.pop("runtime", None)
        return self

    # ------------------------------------------------------------------ lifecycle
    def activate(self, wait_for_completion: bool = True, max_wait_time: float = DEFAULT_WAIT,
                 poll_interval: float = DEFAULT_POLL, show_progress: bool | None = None) -> "ModelDeployment":
        response = self._session.ds.activate_model_deployment(self._require_record().id)
        return self._after(response, wait_for_completion, show_progress, max_wait_time, poll_interval, "activating")

    def deactivate(self, wait_for_completion: bool = True, max_wait_time: float = DEFAULT_WAIT,
                   poll_interval: float = DEFAULT_POLL, show_progress: bool | None = None) -> "ModelDeployment":
        response = self._session.ds.deactivate_model_deployment(self._require_record().id)
        return self._after(response, wait_for_completion, show_progress, max_wait_time, poll_interval, "deactivating")

    def delete(self, wait_for_completion: bool = True, max_wait_time: float = DEFAULT_WAIT,
               poll_interval: float = DEFAULT_POLL, show_progress: bool | None = None) -> "ModelDeployment":
        response = self._session.ds.delete_model_deployment(self._require_record().id)
        return self._after(response, wait_for_completion, show_progress, max_wait_time, poll_interval, "deleting")

    def update(self, properties: dict | None = None, wait_for_completion: bool = True,
               max_wait_time: float = DEFAULT_WAIT, poll_interval: float = DEFAULT_POLL, update_type: str = "ZDT",
               display_name: str | None = None, description: str | None = None, freeform_tags: dict | None = None,
               defined_tags: dict | None = None, model_id: str | None = None,
               environment_variables: dict[str, str] | None = None, show_progress: bool | None = None,
               **kwargs: Any) -> "ModelDeployment":
        """Change names, tags, the served model, its environment, or any infrastructure/runtime field
        of the builders by its name (``bandwidth_mbps=``, ``replica=``, ``access_log={...}``, ``env=``...);
        ``properties`` is ADS's older dict of the same. A changed configuration of an ACTIVE
        deployment restarts its server (a zero-downtime update in OCI, ``update_type="ZDT"``)."""
        if update_type not in ("ZDT", "LIVE"):
            raise ValueError(f"update_type must be 'ZDT' or 'LIVE', not {update_type!r}.")
        changes = {**(properties or {}), **kwargs}
        infrastructure, runtime = self._changed_builders(changes)
        if model_id:
            runtime.with_model_uri(model_id)
        if environment_variables is not None:
            runtime.with_env(environment_variables)
        config_changed = bool(changes) or model_id is not None or environment_variables is not None
        details = _update_details(display_name, description, freeform_tags, defined_tags, infrastructure, runtime,
                                  self.model_id if not model_id else model_id, config_changed)
        response = self._session.ds.update_model_deployment(self._require_record().id, details)
        return self._after(response, wait_for_completion, show_progress, max_wait_time, poll_interval, "updating")

    def _changed_builders(self, changes: dict[str, Any]) -> tuple[ModelDeploymentInfrastructure, ModelDeploymentRuntime]:
        """Copies of the current builders with ``changes`` (snake or camel keys) applied where they belong."""
        infrastructure = ModelDeploymentInfrastructure(copy.deepcopy(self.infrastructure._spec))
        runtime = type(self.runtime)(copy.deepcopy(self.runtime._spec))
        for key, value in changes.items():
            flat = key.replace("_", "").lower()
            target = next((b for b in (infrastructure, runtime) if any(k.lower() == flat for k in b.keys)), None)
            if target is None:
                raise TypeError(f"update() got an unexpected keyword argument {key!r}: not a field of the "
                                "deployment's infrastructure or runtime")
            target.set_spec(target._canonical(key), value)
        return infrastructure, runtime

    def _after(self, response: Any, wait: bool, show_progress: bool | None, max_wait: float, poll: float,
               verb: str) -> "ModelDeployment":
        if wait:
            self._session.wait_for_work_request(response.headers["opc-work-request-id"], _timeout(max_wait),
                                                title=f"{verb} {self.display_name}", show_progress=show_progress,
                                                poll_interval=_poll(self._session, poll))
        return self.sync()

    # ------------------------------------------------------------------ predict
    def predict(self, json_input: Any = None, data: Any = None, serializer: Any = None,
                auto_serialize_data: bool = True, content_type: str | None = None, timeout: float = 300,
                **kwargs: Any) -> Any:
        """Send a request to the deployment's ``/predict`` and return its JSON answer (bytes for binary ones).

        ``json_input`` is sent as it is (JSON); ``data`` is serialized as ``verify()`` does
        (``serializer``: a model's ``model_input_serializer``, or a name/object as it takes; the
        ADS JSON document by default; ``auto_serialize_data=False`` sends JSON-able data or bytes
        as they are). The request is signed with the profile's signer.
        """
        import requests

        from toolkit.model.serde import InputSerializer, input_serializer

        refuse("predict", kwargs, unsupported=("model_name", "model_version"))
        if data is None and json_input is None:
            raise ValueError("pass data= or json_input=")
        if data is not None and json_input is not None:
            raise ValueError("pass data= or json_input=, not both")
        if data is None and isinstance(json_input, (bytes, bytearray, memoryview)):
            data, json_input = json_input, None  # bytes given first, as older callers do: they are data
        if json_input is not None and not _json_serializable(json_input):
            raise ValueError(f"json_input must be JSON-serializable, not a {type(json_input).__name__}; pass it as "
                             "data=... to have it serialized (as ADS asks too)")
        chosen = serializer if isinstance(serializer, InputSerializer) else input_serializer(serializer)
        body, ctype = chosen.request(json_input if data is None else data,
                                     serialize=auto_serialize_data and json_input is None)
        if self.sync().lifecycle_state != ACTIVE:
            raise DeploymentError(f"model deployment {self.id} is {self.lifecycle_state}, not ACTIVE")
        response = requests.post(f"{self.url}/predict", data=body, timeout=timeout,
                                 headers={"content-type": content_type or ctype},
                                 auth=self._session.profile.signer)
        return _predict_result(response)

    # ------------------------------------------------------------------ logs
    def logs(self, log_type: str | None = None, follow: bool = False, limit: int = 1000,
             since: datetime | None = None, poll_interval: float = 1.0) -> DeploymentLogs | Iterator[LogEntry]:
        """The deployment's access and predict log entries (``log_type`` picks one), oldest first:
        a list with ADS's ``tail()`` and ``head()``.

        ``follow=True`` returns an iterator that keeps yielding new entries until interrupted.
        Read through OCI Logging Search, as OCI stores deployment logs; the emulator answers it too.
        """
        if follow:
            return self._follow(log_type, since, poll_interval)
        return DeploymentLogs(self._search(log_type, since, limit),
                              lambda start, log_filter: self._search(log_type, start, limit, log_filter=log_filter),
                              functools.partial(self.watch, log_type))

    def show_logs(self, time_start: datetime | None = None, time_end: datetime | None = None, limit: int = 100,
                  log_type: str | None = None):
        """The log entries as a DataFrame (type, id, message, time), as ADS shows them."""
        import pandas as pd

        entries = self._search(log_type, time_start, limit, time_end=time_end)
        return pd.DataFrame([{"type": e.type, "id": e.id, "message": e.message, "time": e.time} for e in entries],
                            columns=["type", "id", "message", "time"])

    def watch(self, log_type: str | None = None, time_start: datetime | None = None, interval: float = LOG_INTERVAL,
              log_filter: str | None = None, stop_condition: Callable[[], bool] | None = None) -> "ModelDeployment":
        """Print the deployment's state until it settles, then its log entries as they come, until it is
        deactivated, deleted or FAILED (or ``stop_condition()`` is true, or Ctrl-C), as ADS does."""
        stop = stop_condition or (lambda: self.sync().lifecycle_state in (FAILED, DELETED, INACTIVE))
        try:
            state = None
            while self.sync().lifecycle_state not in (ACTIVE, FAILED, DELETED, INACTIVE) and not stop():
                if self.lifecycle_state != state:
                    state = self.lifecycle_state
                    print(f"Model deployment {self.id} is {state}")
                time.sleep(interval)
            seen: set[str] = set()
            while True:
                for entry in self._search(log_type, time_start, 1000, log_filter=log_filter):
                    if entry.id not in seen:
                        seen.add(entry.id)
                        print(entry)
                if stop():
                    break
                time.sleep(interval)
        except KeyboardInterrupt:
            print("Stopped watching logs.")
        return self.sync()

    def _search(self, log_type: str | None, since: datetime | None, limit: int, *, time_end: datetime | None = None,
                log_filter: str | None = None) -> list[LogEntry]:
        from oci.loggingsearch import LogSearchClient
        from oci.loggingsearch.models import SearchLogsDetails

        record = self._require_record()
        profile = self._session.profile
        client = LogSearchClient(profile.config, **profile.client_args())
        start = since or _parse_time(record.time_created) - timedelta(minutes=1)
        end = time_end or datetime.now(timezone.utc) + timedelta(minutes=1)
        details = SearchLogsDetails(time_start=start, time_end=end, is_return_field_info=False,
                                    search_query=self._log_query(log_type, log_filter))
        results = client.search_logs(details, limit=limit).data.results or []
        return [_log_entry(r.data) for r in results]

    def _follow(self, log_type: str | None, since: datetime | None, poll_interval: float) -> Iterator[LogEntry]:
        seen: set[str] = set()
        while True:
            for entry in self._search(log_type, since, 1000):
                if entry.id not in seen:
                    seen.add(entry.id)
                    yield entry
            time.sleep(poll_interval)

    def _log_query(self, log_type: str | None, log_filter: str | None = None) -> str:
        """``search "<compartment>[/<log group>/<log>]" | where data.modeldeploymentid = '<ocid>'`` as OCI
        expects; ``log_filter`` is added to the where clause, as ADS adds it."""
        record = self._record
        logs = getattr(record, "category_log_details", None)
        sources = []
        for kind in ([log_type] if log_type else LOG_TYPES):
            detail = getattr(logs, kind, None) if logs else None
            if detail is not None and detail.log_id:
                sources.append(f'"{record.compartment_id}/{detail.log_group_id}/{detail.log_id}"')
        if not sources:
            if not self._session.profile.is_local:
                raise DeploymentError(f"model deployment {self.id} has no {log_type or ''} log configured "
                                      "(pass deployment_log_group_id and the log ids to deploy)")
            sources = [f'"{record.compartment_id}"']
        query = f"search {', '.join(sources)} | where data.modeldeploymentid = '{self.id}'"
        if log_type and len(sources) == 1 and sources[0] == f'"{record.compartment_id}"':
            query += f" and type = '{log_type_name(log_type)}'"
        if log_filter:
            query += f" and ({log_filter})"
        return query + " | sort by datetime asc"


# ---------------------------------------------------------------------- deploy
def deploy_model(model: Any, display_name: str | None = None, description: str | None = None,
                 runtime: str | None = None, wait_for_completion: bool = True, show_progress: bool | None = None,
                 deployment_instance_shape: str = defaults.DEFAULT_SHAPE,
                 deployment_ocpus: float = defaults.DEFAULT_OCPUS,
                 deployment_memory_in_gbs: float = defaults.DEFAULT_MEMORY_GBS,
                 deployment_instance_count: int = defaults.DEFAULT_INSTANCE_COUNT,
                 deployment_bandwidth_mbps: int = defaults.DEFAULT_BANDWIDTH_MBPS,
                 deployment_instance_subnet_id: str | None = None,
                 deployment_instance_private_endpoint_id: str | None = None, deployment_log_group_id: str | None = None,
                 deployment_access_log_id: str | None = None, deployment_predict_log_id: str | None = None,
                 deployment_image: str | None = None, image_digest: str | None = None,
                 entrypoint: list[str] | None = None, cmd: list[str] | None = None, server_port: int | None = None,
                 health_check_port: int | None = None, deployment_mode: str = "HTTPS_ONLY",
                 environment_variables: dict[str, str] | None = None, project_id: str | None = None,
                 compartment_id: str | None = None, freeform_tags: dict[str, str] | None = None,
                 defined_tags: dict | None = None, auth: Any = None, profile: str | None = None,
                 max_wait_time: float = DEFAULT_WAIT, poll_interval: float = DEFAULT_POLL) -> ModelDeployment:
    """Deploy a saved model (a model object with ``model_id``, or a model OCID) and return the deployment.

    ADS's keyword names. ``deployment_image`` makes it a bring-your-own-container deployment
    (with ``image_digest``, ``entrypoint``, ``cmd``, ``server_port``, ``health_check_port``).
    ``runtime`` picks the emulator's ``docker``/``process``/``auto`` runtime (ignored by OCI). With
    ``wait_for_completion`` the call returns once the deployment is ACTIVE, showing the build and
    start output, and raises WorkRequestFailedError with the server's last log lines if it FAILED.
    """
    model_id = model if isinstance(model, str) else getattr(model, "model_id", None)
    if not model_id:
        raise DeploymentError("the model is not in the catalog yet; call .save() before .deploy()")
    _emulator_tags(runtime)  # a bad setting fails before anything is started or sent
    session = connect(auth if auth is not None else getattr(model, "auth", None), profile)
    infrastructure = (ModelDeploymentInfrastructure()
                      .with_compartment_id(compartment_id).with_project_id(project_id)
                      .with_shape_name(deployment_instance_shape)
                      .with_shape_config_details(deployment_ocpus, deployment_memory_in_gbs)
                      .with_replica(deployment_instance_count).with_bandwidth_mbps(deployment_bandwidth_mbps)
                      .with_subnet_id(deployment_instance_subnet_id)
                      .with_private_endpoint_id(deployment_instance_private_endpoint_id))
    if deployment_log_group_id and deployment_access_log_id:
        infrastructure.with_access_log(deployment_log_group_id, deployment_access_log_id)
    if deployment_log_group_id and deployment_predict_log_id:
        infrastructure.with_predict_log(deployment_log_group_id, deployment_predict_log_id)
    if deployment_image:
        spec_runtime: ModelDeploymentRuntime = (
            ModelDeploymentContainerRuntime().with_image(deployment_image).with_image_digest(image_digest)
            .with_server_port(server_port).with_health_check_port(health_check_port))
        if entrypoint:
            spec_runtime.with_entrypoint(entrypoint)
        if cmd:
            spec_runtime.with_cmd(cmd)
    else:
        if any(v is not None for v in (image_digest, entrypoint, cmd, server_port, health_check_port)):
            raise DeploymentError("image_digest, entrypoint, cmd, server_port and health_check_port belong to a "
                                  "container deployment: pass deployment_image too")
        spec_runtime = ModelDeploymentCondaRuntime()
    spec_runtime.with_env(environment_variables or {}).with_deployment_mode(deployment_mode).with_model_uri(model_id)
    deployment = _create(session, model_id, display_name, description, freeform_tags, defined_tags, infrastructure,
                         spec_runtime, runtime, wait_for_completion, max_wait_time, poll_interval, show_progress)
    if not isinstance(model, str):
        model.model_deployment = deployment
    return deployment


def _create(session: CatalogSession, model_id: str, display_name: str | None, description: str | None,
            freeform_tags: dict | None, defined_tags: dict | None, infrastructure: ModelDeploymentInfrastructure,
            runtime: ModelDeploymentRuntime, emulator_runtime: str | None, wait: bool, max_wait_time: float,
            poll_interval: float, show_progress: bool | None) -> ModelDeployment:
    """The one way a deployment is created: builders -> CreateModelDeploymentDetails -> the service."""
    compartment = session.compartment(infrastructure.compartment_id)
    tags = dict(freeform_tags or {})
    if session.profile.is_local:
        tags.update(_emulator_tags(emulator_runtime))
    details = CreateModelDeploymentDetails(
        display_name=display_name or f"deployment-{time.strftime('%Y%m%d-%H%M%S')}",
        description=description,
        compartment_id=compartment,
        project_id=session.project(infrastructure.project_id, compartment),
        model_deployment_configuration_details=SingleModelDeploymentConfigurationDetails(
            deployment_type="SINGLE_MODEL",
            model_configuration_details=_model_configuration(ModelConfigurationDetails, model_id, infrastructure),
            environment_configuration_details=_environment(runtime, infrastructure, update=False)),
        category_log_details=_log_details(infrastructure),
        freeform_tags=tags or None,
        defined_tags=defined_tags,
    )
    response = session.ds.create_model_deployment(details)
    deployment = ModelDeployment(response.data, session)
    if wait:
        session.wait_for_work_request(response.headers["opc-work-request-id"], _timeout(max_wait_time),
                                      title=f"deploying {deployment.display_name}", show_progress=show_progress,
                                      poll_interval=_poll(session, poll_interval))
        deployment.sync()
    return deployment


def _registered_model(deployment: ModelDeployment, session: CatalogSession, auth: Any, profile: str | None) -> str:
    """The model OCID the runtime names, registering its artifact in the catalog first when it names
    a folder, zip or ``oci://`` zip instead (as ADS's deploy does)."""
    runtime, infrastructure = deployment.runtime, deployment.infrastructure
    uri = runtime.model_uri
    if not uri:
        raise SpecError("the runtime has no model: set with_model_uri(<model OCID or artifact path>) "
                        "(spec.runtime.spec.modelUri)")
    if str(uri).startswith("ocid1.datasciencemodel."):
        return str(uri)
    from toolkit.catalog.datascience_model import DataScienceModel

    model = (DataScienceModel()
             .with_compartment_id(session.compartment(infrastructure.compartment_id))
             .with_project_id(session.project(infrastructure.project_id, session.compartment(infrastructure.compartment_id)))
             .with_display_name(deployment.display_name or "model")
             .with_artifact(str(uri)))
    model.create(bucket_uri=runtime.bucket_uri, overwrite_existing_artifact=runtime.overwrite_existing_artifact,
                 remove_existing_artifact=runtime.remove_existing_artifact, region=runtime.region,
                 auth=auth if auth is not None else runtime.auth, profile=profile, timeout=runtime.timeout)
    runtime.with_model_uri(model.id)
    return model.id


def _model_configuration(kind: type, model_id: str | None, infrastructure: ModelDeploymentInfrastructure) -> Any:
    shape = infrastructure.shape_config_details
    return kind(
        model_id=model_id,
        bandwidth_mbps=infrastructure.bandwidth_mbps,
        instance_configuration=InstanceConfiguration(
            instance_shape_name=infrastructure.shape_name,
            model_deployment_instance_shape_config_details=ModelDeploymentInstanceShapeConfigDetails(
                ocpus=shape["ocpus"], memory_in_gbs=shape["memoryInGBs"]),
            subnet_id=infrastructure.subnet_id, private_endpoint_id=infrastructure.private_endpoint_id),
        scaling_policy=FixedSizeScalingPolicy(policy_type="FIXED_SIZE", instance_count=infrastructure.replica))


def _environment(runtime: ModelDeploymentRuntime, infrastructure: ModelDeploymentInfrastructure, update: bool) -> Any:
    """The environment configuration: the runtime's env (plus ``WEB_CONCURRENCY`` from the
    infrastructure, as ADS sets it), and for a container its image, command and ports."""
    from oci.data_science.models import (
        UpdateDefaultModelDeploymentEnvironmentConfigurationDetails,
        UpdateOcirModelDeploymentEnvironmentConfigurationDetails,
    )

    if runtime.deployment_mode != "HTTPS_ONLY":
        raise DeploymentError(f"deployment_mode {runtime.deployment_mode!r}: Dockyard serves HTTPS_ONLY deployments "
                              "(stream deployments are not emulated)")
    env = runtime.env
    if infrastructure.web_concurrency is not None:
        env.setdefault("WEB_CONCURRENCY", str(infrastructure.web_concurrency))
    if isinstance(runtime, ModelDeploymentContainerRuntime):
        if not runtime.image:
            raise SpecError("a container runtime needs an image (with_image / spec.runtime.spec.image)")
        port = runtime.server_port or defaults.DEFAULT_SERVER_PORT
        kind = UpdateOcirModelDeploymentEnvironmentConfigurationDetails if update \
            else OcirModelDeploymentEnvironmentConfigurationDetails
        return kind(environment_configuration_type="OCIR_CONTAINER", image=runtime.image,
                    image_digest=runtime.image_digest, entrypoint=runtime.entrypoint, cmd=runtime.cmd,
                    server_port=port, health_check_port=runtime.health_check_port or port,
                    environment_variables=env or None)
    kind = UpdateDefaultModelDeploymentEnvironmentConfigurationDetails if update \
        else DefaultModelDeploymentEnvironmentConfigurationDetails
    return kind(environment_configuration_type="DEFAULT", environment_variables=env or None)


def _update_details(display_name: str | None, description: str | None, freeform_tags: dict | None,
                    defined_tags: dict | None, infrastructure: ModelDeploymentInfrastructure,
                    runtime: ModelDeploymentRuntime, model_id: str | None, config_changed: bool) -> Any:
    from oci.data_science.models import (
        UpdateModelConfigurationDetails,
        UpdateModelDeploymentDetails,
        UpdateSingleModelDeploymentConfigurationDetails,
    )

    config = None
    if config_changed:
        config = UpdateSingleModelDeploymentConfigurationDetails(
            deployment_type="SINGLE_MODEL",
            model_configuration_details=_model_configuration(UpdateModelConfigurationDetails, model_id, infrastructure),
            environment_configuration_details=_environment(runtime, infrastructure, update=True))
    return UpdateModelDeploymentDetails(display_name=display_name, description=description,
                                        freeform_tags=freeform_tags, defined_tags=defined_tags,
                                        model_deployment_configuration_details=config,
                                        category_log_details=_log_details(infrastructure) if config_changed else None)


def _log_details(infrastructure: ModelDeploymentInfrastructure) -> CategoryLogDetails | None:
    access, predict = infrastructure.access_log, infrastructure.predict_log
    if not access and not predict:
        return None
    as_details = lambda log: LogDetails(log_group_id=log["logGroupId"], log_id=log["logId"]) if log else None  # noqa: E731
    return CategoryLogDetails(access=as_details(access), predict=as_details(predict))


def _infrastructure_of(record: Any) -> ModelDeploymentInfrastructure:
    """The builder that describes a deployment of the catalog (its record in the SDK's shape)."""
    config = record.model_deployment_configuration_details.model_configuration_details
    instance = config.instance_configuration
    shape = instance.model_deployment_instance_shape_config_details if instance else None
    infrastructure = (ModelDeploymentInfrastructure()
                      .with_compartment_id(record.compartment_id).with_project_id(record.project_id)
                      .with_shape_name(instance.instance_shape_name if instance else None)
                      .with_bandwidth_mbps(config.bandwidth_mbps)
                      .with_replica(getattr(config.scaling_policy, "instance_count", None))
                      .with_subnet_id(getattr(instance, "subnet_id", None))
                      .with_private_endpoint_id(getattr(instance, "private_endpoint_id", None)))
    if shape is not None:
        infrastructure.with_shape_config_details(shape.ocpus, shape.memory_in_gbs)
    logs = getattr(record, "category_log_details", None)
    for kind, setter in (("access", infrastructure.with_access_log), ("predict", infrastructure.with_predict_log)):
        detail = getattr(logs, kind, None) if logs else None
        if detail is not None and detail.log_id:
            setter(detail.log_group_id, detail.log_id)
    env = _environment_of(record)
    if env is not None and (env.environment_variables or {}).get("WEB_CONCURRENCY"):
        infrastructure.with_web_concurrency(int(env.environment_variables["WEB_CONCURRENCY"]))
    return infrastructure


def _environment_of(record: Any) -> Any:
    return getattr(record.model_deployment_configuration_details, "environment_configuration_details", None)


def _runtime_of(record: Any) -> ModelDeploymentRuntime:
    env = _environment_of(record)
    model_id = record.model_deployment_configuration_details.model_configuration_details.model_id
    if env is not None and env.environment_configuration_type == "OCIR_CONTAINER":
        runtime: ModelDeploymentRuntime = (
            ModelDeploymentContainerRuntime().with_image(env.image).with_image_digest(env.image_digest)
            .with_server_port(env.server_port).with_health_check_port(env.health_check_port))
        if env.entrypoint:
            runtime.with_entrypoint(env.entrypoint)
        if env.cmd:
            runtime.with_cmd(env.cmd)
    else:
        runtime = ModelDeploymentCondaRuntime()
    variables = dict(getattr(env, "environment_variables", None) or {})
    variables.pop("WEB_CONCURRENCY", None)  # the infrastructure's web_concurrency
    return runtime.with_env(variables).with_model_uri(model_id).with_deployment_mode("HTTPS_ONLY")


def load_model_from_deployment(cls: Any, model_deployment_id: str, artifact_dir: Any = None, auth: Any = None,
                               profile: str | None = None, **kwargs: Any) -> Any:
    """The model a deployment serves, loaded from the catalog, with ``model_deployment`` set."""
    deployment = ModelDeployment.from_id(model_deployment_id, auth=auth, profile=profile)
    model = cls.from_model_catalog(deployment.model_id, artifact_dir=artifact_dir, auth=auth, profile=profile,
                                   **kwargs)
    model.model_deployment = deployment
    return model


def predict_with_model(model: Any, data: Any = None, **kwargs: Any) -> Any:
    """``model.predict(data)``: through the model's deployment (ADS behaviour)."""
    deployment = getattr(model, "model_deployment", None)
    if deployment is None:
        raise DeploymentError("the model is not deployed; call .deploy() first (or .verify() to test locally)")
    return deployment.predict(data=data, **kwargs)


# ---------------------------------------------------------------------- helpers
def _timeout(max_wait_time: float) -> float:
    """ADS's rule: a negative max_wait_time waits for ever."""
    return float("inf") if max_wait_time is not None and max_wait_time < 0 else float(max_wait_time or DEFAULT_WAIT)


def _poll(session: CatalogSession, poll_interval: float | None) -> float | None:
    """ADS's poll_interval against OCI; the local emulator is polled at the waiter's own fast pace."""
    return None if session.profile.is_local else poll_interval


def _emulator_tags(runtime: str | None) -> dict[str, str]:
    """The caller's runtime and base image (argument, else DOCKYARD_RUNTIME / DOCKYARD_BASE_IMAGE), as the
    freeform tags the emulator reads, so they count even when a background emulator started before they
    were set. Unset ones are left to the emulator."""
    tags = {}
    chosen = check_runtime(runtime, source="runtime") if runtime else settings.runtime()
    if chosen:
        tags[RUNTIME_TAG] = chosen
    if settings.base_image():
        tags[BASE_IMAGE_TAG] = settings.base_image()
    return tags


def _json_serializable(value: Any) -> bool:
    import json

    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _predict_result(response: Any) -> Any:
    if response.status_code >= 400:
        try:
            body = response.json()
            code, message = body.get("code", "Error"), body.get("message", response.text)
        except ValueError:
            code, message = "Error", response.text[:500]
        raise PredictError(response.status_code, code, message, response.headers.get("opc-request-id"))
    from toolkit.artifact.payload import from_response

    return from_response(response.content, response.headers.get("content-type"))


def _log_entry(data: dict[str, Any]) -> LogEntry:
    content = data.get("logContent") or {}
    kind = log_type_of(content.get("type", ""))
    return LogEntry(time=content.get("time", ""), type=kind, message=(content.get("data") or {}).get("message", ""),
                    id=str(content.get("id", "")), source=str(content.get("source", "")))


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
