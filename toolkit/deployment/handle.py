"""A model deployment, as ADS's ``ModelDeployment``: a builder (``with_infrastructure(...)
.with_runtime(...).deploy()``, or ``from_yaml``) and a handle on a deployment of the catalog
(``from_id``, ``list``): its lifecycle, ``update``, ``predict`` through the endpoint with the
profile's request signer, and its logs.

The same object is both, as in ADS: before ``deploy()`` it holds builders
(``toolkit.deployment.spec``); after, the service's record, which ``toolkit.deployment.translate``
describes as builders again for ``to_yaml`` and ``update``. The same calls work against the local
emulator and OCI; only the profile differs. The emulator extras (``runtime=`` to pick docker or
process) travel as a freeform tag that OCI simply keeps (``emulator.contracts.deployments.RUNTIME_TAG``).
"""
from __future__ import annotations

import copy
import functools
import json
import time
import warnings
from datetime import datetime
from typing import Any, Callable, Iterator

from emulator.contracts.deployments import ACCESS_LOG, PREDICT_LOG
from emulator.contracts.states import ACTIVE, DELETED, FAILED, INACTIVE
from toolkit.catalog.session import CatalogSession, connect, iter_records
from toolkit.deployment import create as creating
from toolkit.deployment.errors import DeploymentError, PredictError
from toolkit.deployment.logs import DeploymentLogs, LogEntry, follow_logs, search_logs
from toolkit.deployment.spec import (
    DEFAULT_POLL,
    DEFAULT_WAIT,
    ModelDeploymentCondaRuntime,
    ModelDeploymentInfrastructure,
    ModelDeploymentRuntime,
    SerializedForms,
    SpecError,
    dump_yaml,
    infrastructure_from_dict,
    load_yaml,
    runtime_from_dict,
    snake,
)
from toolkit.deployment.translate import deployed_model_id, infrastructure_of, runtime_of, update_details
from toolkit.model.unsupported import refuse

LOG_INTERVAL = 3  # ADS's watch() interval, seconds
_OWN_KEYS = ("displayName", "description", "freeformTags", "definedTags", "infrastructure", "runtime")


class ModelDeployment(SerializedForms):
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
            self._spec["infrastructure"] = infrastructure_of(self._record)
        return self._spec.setdefault("infrastructure", ModelDeploymentInfrastructure())

    @property
    def runtime(self) -> ModelDeploymentRuntime:
        if "runtime" not in self._spec and self._record is not None:
            self._spec["runtime"] = runtime_of(self._record)
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

    @classmethod
    def list_df(cls, status: str | None = None, compartment_id: str | None = None, project_id: str | None = None,
                auth: Any = None, profile: str | None = None) -> Any:
        """``list()`` as a pandas DataFrame with ADS's columns: deployment_id, deployment_url, current_state."""
        import pandas as pd

        found = cls.list(status, compartment_id, project_id, auth=auth, profile=profile)
        return pd.DataFrame({"deployment_id": [d.id for d in found], "deployment_url": [d.url for d in found],
                             "current_state": [d.lifecycle_state for d in found]})

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
        """The model it serves (None for a model group's deployment: see ``runtime.model_group_id``)."""
        if self._record is None:
            return self.runtime.model_uri
        return deployed_model_id(self._record)

    @property
    def lifecycle_details(self) -> str | None:
        return getattr(self._record, "lifecycle_details", None)

    @property
    def time_created(self) -> Any:
        return getattr(self._record, "time_created", None)

    @property
    def created_by(self) -> str | None:
        return getattr(self._record, "created_by", None)

    @property
    def access_log(self) -> DeploymentLogs:
        """ADS's shortcut: ``logs("access")``."""
        return self.logs(ACCESS_LOG)

    @property
    def predict_log(self) -> DeploymentLogs:
        """ADS's shortcut: ``logs("predict")``."""
        return self.logs(PREDICT_LOG)

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
        creating.emulator_tags(runtime)  # a bad setting fails before a modelUri folder is saved
        session = connect(auth if auth is not None else self.runtime.auth, profile)
        model_id = creating.registered_model(self.runtime, self.infrastructure, self.display_name, session, auth, profile)
        self._record = creating.create(
            session, model_id, self._spec.get("displayName"), self._spec.get("description"),
            self._spec.get("freeformTags"), self._spec.get("definedTags"), self.infrastructure, self.runtime, runtime,
            wait_for_completion, max_wait_time, poll_interval, show_progress)
        self._session = session
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
        details = update_details(display_name, description, freeform_tags, defined_tags, infrastructure, runtime,
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
            creating.wait_for(self._session, response, f"{verb} {self.display_name}", max_wait, poll, show_progress)
        return self.sync()

    # ------------------------------------------------------------------ predict
    def predict(self, json_input: Any = None, data: Any = None, serializer: Any = None,
                auto_serialize_data: bool = True, content_type: str | None = None, timeout: float = 300,
                model_name: str | None = None, model_version: str | None = None, **kwargs: Any) -> Any:
        """Send a request to the deployment's ``/predict`` and return its JSON answer (bytes for binary ones).

        ``json_input`` is sent as it is (JSON); ``data`` is serialized as ``verify()`` does
        (``serializer``: a model's ``model_input_serializer``, or a name/object as it takes; the
        ADS JSON document by default; ``auto_serialize_data=False`` sends JSON-able data or bytes
        as they are). The request is signed with the profile's signer. A model group's deployment
        serves the member ``model_name`` (inference key, model OCID or display name) and
        ``model_version`` name, given together as ADS asks, in its ``model-name`` / ``model-version``
        headers.
        """
        import requests

        from toolkit.model.serde import InputSerializer, input_serializer

        refuse("predict", kwargs)
        if bool(model_name) != bool(model_version):
            raise ValueError("`model_name` and `model_version` have to be provided together.")
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
                                 headers={"content-type": content_type or ctype, **_member_headers(model_name, model_version)},
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
            return follow_logs(self._session.profile, self._require_record(), log_type, since, poll_interval)
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
        return search_logs(self._session.profile, self._require_record(), log_type, since, limit, time_end=time_end,
                           log_filter=log_filter)


def _json_serializable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _member_headers(model_name: str | None, model_version: str | None) -> dict[str, str]:
    """ADS's headers naming a model group's member (``emulator.inference.model_group``'s contract)."""
    return {"model-name": model_name, "model-version": model_version} if model_name else {}


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
