"""Model deployments through the official ``oci`` SDK: deploy, get, list, logs, activate, deactivate,
delete, and predict through the deployment's endpoint with the profile's request signer.

``GenericModel.deploy / predict / from_model_deployment`` delegate here; what they need of the
model is ``toolkit.catalog.protocol.CatalogModel``. The same calls work against the local emulator
and OCI; only the profile differs. The emulator extras (``runtime=`` to pick docker or process)
travel as a freeform tag that OCI simply keeps (``emulator.contracts.deployments.RUNTIME_TAG``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

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
from emulator.contracts.states import ACTIVE
from emulator.settings import check_runtime
from toolkit import settings
from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession, connect, iter_records

DEFAULT_SHAPE = defaults.DEFAULT_SHAPE


class DeploymentError(CatalogError):
    """A deployment cannot be used as asked (not deployed, not ACTIVE, no log configured).

    An operation whose work request fails raises ``WorkRequestFailedError`` (a ``CatalogError``
    too) with the service's reason and the server's last log lines."""


class PredictError(DeploymentError):
    """The deployment answered a predict call with an error (OCI shape: status, code, message)."""

    def __init__(self, status: int, code: str, message: str, opc_request_id: str | None) -> None:
        super().__init__(f"{status} {code}: {message} (opc-request-id {opc_request_id})")
        self.status, self.code, self.message, self.opc_request_id = status, code, message, opc_request_id


@dataclass
class LogEntry:
    """One deployment log record (``type`` is ``access`` or ``predict``)."""

    time: str
    type: str
    message: str
    id: str = ""

    def __str__(self) -> str:
        return f"{self.time} [{self.type}] {self.message}"


class ModelDeployment:
    """A model deployment of the catalog, bound to the profile it was reached with (ADS's class name)."""

    def __init__(self, record: Any, session: CatalogSession) -> None:
        self._record = record
        self._session = session

    # ------------------------------------------------------------------ lookup
    @classmethod
    def from_id(cls, model_deployment_id: str, auth: Any = None, profile: str | None = None) -> "ModelDeployment":
        """The deployment with this OCID."""
        session = connect(auth, profile)
        return cls(session.ds.get_model_deployment(model_deployment_id).data, session)

    @classmethod
    def list(cls, compartment_id: str | None = None, project_id: str | None = None,
             lifecycle_state: str | None = None, auth: Any = None, profile: str | None = None) -> list["ModelDeployment"]:
        """Deployments of a compartment (the profile's default one when not given), all pages."""
        session = connect(auth, profile)
        kwargs = {k: v for k, v in {"project_id": project_id, "lifecycle_state": lifecycle_state}.items() if v}
        summaries = iter_records(session.ds.list_model_deployments, session.compartment(compartment_id), **kwargs)
        return [cls(s, session) for s in summaries]

    # ------------------------------------------------------------------ properties
    @property
    def model_deployment_id(self) -> str:
        return self._record.id

    id = model_deployment_id

    @property
    def display_name(self) -> str:
        return self._record.display_name

    @property
    def lifecycle_state(self) -> str:
        return self._record.lifecycle_state

    state = lifecycle_state

    @property
    def url(self) -> str:
        return self._record.model_deployment_url

    @property
    def model_id(self) -> str:
        return self._record.model_deployment_configuration_details.model_configuration_details.model_id

    @property
    def lifecycle_details(self) -> str | None:
        return getattr(self._record, "lifecycle_details", None)

    @property
    def record(self) -> Any:
        """The SDK's ``ModelDeployment`` (or summary) object."""
        return self._record

    def __repr__(self) -> str:
        return f"ModelDeployment({self.id!r}, {self.display_name!r}, {self.lifecycle_state})"

    def sync(self) -> "ModelDeployment":
        """Refresh from the service."""
        self._record = self._session.ds.get_model_deployment(self.id).data
        return self

    # ------------------------------------------------------------------ lifecycle
    def activate(self, wait_for_completion: bool = True, show_progress: bool | None = None,
                 max_wait_time: float = 1200) -> "ModelDeployment":
        response = self._session.ds.activate_model_deployment(self.id)
        return self._after(response, wait_for_completion, show_progress, max_wait_time, "activating")

    def deactivate(self, wait_for_completion: bool = True, show_progress: bool | None = None,
                   max_wait_time: float = 1200) -> "ModelDeployment":
        response = self._session.ds.deactivate_model_deployment(self.id)
        return self._after(response, wait_for_completion, show_progress, max_wait_time, "deactivating")

    def delete(self, wait_for_completion: bool = True, show_progress: bool | None = None,
               max_wait_time: float = 1200) -> "ModelDeployment":
        response = self._session.ds.delete_model_deployment(self.id)
        return self._after(response, wait_for_completion, show_progress, max_wait_time, "deleting")

    def update(self, display_name: str | None = None, description: str | None = None,
               model_id: str | None = None, environment_variables: dict[str, str] | None = None,
               freeform_tags: dict[str, str] | None = None, wait_for_completion: bool = True,
               show_progress: bool | None = None, max_wait_time: float = 1200) -> "ModelDeployment":
        """Change names, tags, the served model or its environment variables; a changed configuration
        of an ACTIVE deployment restarts its server (the service does that through a work request)."""
        from oci.data_science.models import (
            UpdateDefaultModelDeploymentEnvironmentConfigurationDetails,
            UpdateModelConfigurationDetails,
            UpdateModelDeploymentDetails,
            UpdateSingleModelDeploymentConfigurationDetails,
        )

        config = None
        if model_id or environment_variables is not None:
            config = UpdateSingleModelDeploymentConfigurationDetails(
                deployment_type="SINGLE_MODEL",
                model_configuration_details=UpdateModelConfigurationDetails(model_id=model_id) if model_id else None,
                environment_configuration_details=UpdateDefaultModelDeploymentEnvironmentConfigurationDetails(
                    environment_configuration_type="DEFAULT", environment_variables=environment_variables)
                if environment_variables is not None else None)
        details = UpdateModelDeploymentDetails(display_name=display_name, description=description,
                                               freeform_tags=freeform_tags,
                                               model_deployment_configuration_details=config)
        response = self._session.ds.update_model_deployment(self.id, details)
        return self._after(response, wait_for_completion, show_progress, max_wait_time, "updating")

    def _after(self, response: Any, wait: bool, show_progress: bool | None, max_wait: float,
               verb: str) -> "ModelDeployment":
        if wait:
            self._session.wait_for_work_request(response.headers["opc-work-request-id"], max_wait,
                                                title=f"{verb} {self.display_name}", show_progress=show_progress)
        return self.sync()

    # ------------------------------------------------------------------ predict
    def predict(self, data: Any = None, json_input: Any = None, auto_serialize_data: bool = True,
                content_type: str | None = None, timeout: float = 300) -> Any:
        """Send ``data`` to the deployment's ``/predict`` and return its JSON answer (bytes for binary ones).

        The body is exactly what ``verify()`` used (``toolkit.artifact.payload.to_request``);
        ``json_input`` sends a JSON document as is. The request is signed with the profile's signer.
        """
        import requests

        from toolkit.artifact.payload import to_request

        if data is None and json_input is None:
            raise ValueError("pass data= or json_input=")
        body, ctype = to_request(json_input if data is None else data,
                                 serialize=auto_serialize_data and json_input is None)
        if self.sync().lifecycle_state != ACTIVE:
            raise DeploymentError(f"model deployment {self.id} is {self.lifecycle_state}, not ACTIVE")
        response = requests.post(f"{self.url}/predict", data=body, timeout=timeout,
                                 headers={"content-type": content_type or ctype},
                                 auth=self._session.profile.signer)
        return _predict_result(response)

    # ------------------------------------------------------------------ logs
    def logs(self, log_type: str | None = None, follow: bool = False, limit: int = 1000,
             since: datetime | None = None, poll_interval: float = 1.0) -> list[LogEntry] | Iterator[LogEntry]:
        """The deployment's access and predict log entries (``log_type`` picks one), oldest first.

        ``follow=True`` returns an iterator that keeps yielding new entries until interrupted.
        Read through OCI Logging Search, as OCI stores deployment logs; the emulator answers it too.
        """
        if follow:
            return self._follow(log_type, since, poll_interval)
        return self._search(log_type, since, limit)

    def _search(self, log_type: str | None, since: datetime | None, limit: int) -> list[LogEntry]:
        from oci.loggingsearch import LogSearchClient
        from oci.loggingsearch.models import SearchLogsDetails

        profile = self._session.profile
        client = LogSearchClient(profile.config, **profile.client_args())
        start = since or _parse_time(self._record.time_created) - timedelta(minutes=1)
        details = SearchLogsDetails(time_start=start, time_end=datetime.now(timezone.utc) + timedelta(minutes=1),
                                    search_query=self._log_query(log_type), is_return_field_info=False)
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

    def _log_query(self, log_type: str | None) -> str:
        """``search "<compartment>[/<log group>/<log>]" | where data.modeldeploymentid = '<ocid>'`` as OCI expects."""
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
        return query + " | sort by datetime asc"


# ---------------------------------------------------------------------- deploy
def deploy_model(model: Any, display_name: str | None = None, description: str | None = None,
                 runtime: str | None = None, wait_for_completion: bool = True, show_progress: bool | None = None,
                 deployment_instance_shape: str = defaults.DEFAULT_SHAPE,
                 deployment_ocpus: float = defaults.DEFAULT_OCPUS,
                 deployment_memory_in_gbs: float = defaults.DEFAULT_MEMORY_GBS,
                 deployment_instance_count: int = defaults.DEFAULT_INSTANCE_COUNT,
                 deployment_bandwidth_mbps: int = defaults.DEFAULT_BANDWIDTH_MBPS, deployment_log_group_id: str | None = None,
                 deployment_access_log_id: str | None = None, deployment_predict_log_id: str | None = None,
                 deployment_image: str | None = None, entrypoint: list[str] | None = None,
                 cmd: list[str] | None = None, server_port: int | None = None, health_check_port: int | None = None,
                 environment_variables: dict[str, str] | None = None, project_id: str | None = None,
                 compartment_id: str | None = None, freeform_tags: dict[str, str] | None = None,
                 defined_tags: dict | None = None, auth: Any = None, profile: str | None = None,
                 max_wait_time: float = 1200, **_ads_kwargs: Any) -> ModelDeployment:
    """Deploy a saved model (a model object with ``model_id``, or a model OCID) and return the deployment.

    ADS's keyword names. ``deployment_image`` makes it a bring-your-own-container deployment
    (with ``entrypoint``, ``cmd``, ``server_port``, ``health_check_port``). ``runtime`` picks the
    emulator's ``docker``/``process``/``auto`` runtime (ignored by OCI). With
    ``wait_for_completion`` the call returns once the deployment is ACTIVE, showing the build and
    start output, and raises WorkRequestFailedError with the server's last log lines if it FAILED.
    """
    model_id = model if isinstance(model, str) else getattr(model, "model_id", None)
    if not model_id:
        raise DeploymentError("the model is not in the catalog yet; call .save() before .deploy()")
    emulator_tags = _emulator_tags(runtime)  # a bad setting fails before anything is started or sent
    session = connect(auth if auth is not None else getattr(model, "auth", None), profile)
    compartment = session.compartment(compartment_id)
    tags = dict(freeform_tags or {})
    if session.profile.is_local:
        tags.update(emulator_tags)
    details = CreateModelDeploymentDetails(
        display_name=display_name or f"deployment-{time.strftime('%Y%m%d-%H%M%S')}",
        description=description,
        compartment_id=compartment,
        project_id=session.project(project_id, compartment),
        model_deployment_configuration_details=SingleModelDeploymentConfigurationDetails(
            deployment_type="SINGLE_MODEL",
            model_configuration_details=ModelConfigurationDetails(
                model_id=model_id,
                bandwidth_mbps=deployment_bandwidth_mbps,
                instance_configuration=InstanceConfiguration(
                    instance_shape_name=deployment_instance_shape,
                    model_deployment_instance_shape_config_details=ModelDeploymentInstanceShapeConfigDetails(
                        ocpus=deployment_ocpus, memory_in_gbs=deployment_memory_in_gbs)),
                scaling_policy=FixedSizeScalingPolicy(policy_type="FIXED_SIZE",
                                                      instance_count=deployment_instance_count)),
            environment_configuration_details=_environment(deployment_image, entrypoint, cmd, server_port,
                                                           health_check_port, environment_variables)),
        category_log_details=_log_details(deployment_log_group_id, deployment_access_log_id,
                                          deployment_predict_log_id),
        freeform_tags=tags or None,
        defined_tags=defined_tags,
    )
    response = session.ds.create_model_deployment(details)
    deployment = ModelDeployment(response.data, session)
    if not isinstance(model, str):
        model.model_deployment = deployment
    if wait_for_completion:
        session.wait_for_work_request(response.headers["opc-work-request-id"], max_wait_time,
                                      title=f"deploying {deployment.display_name}", show_progress=show_progress)
        deployment.sync()
    return deployment


def load_model_from_deployment(cls: Any, model_deployment_id: str, artifact_dir: Any = None, auth: Any = None,
                               profile: str | None = None, **kwargs: Any) -> Any:
    """The model a deployment serves, loaded from the catalog, with ``model_deployment`` set."""
    from toolkit.catalog.model_catalog import load_model_from_catalog

    deployment = ModelDeployment.from_id(model_deployment_id, auth=auth, profile=profile)
    model = load_model_from_catalog(cls, deployment.model_id, artifact_dir, auth=auth, profile=profile, **kwargs)
    model.model_deployment = deployment
    return model


def predict_with_model(model: Any, data: Any = None, **kwargs: Any) -> Any:
    """``model.predict(data)``: through the model's deployment (ADS behaviour)."""
    deployment = getattr(model, "model_deployment", None)
    if deployment is None:
        raise DeploymentError("the model is not deployed; call .deploy() first (or .verify() to test locally)")
    return deployment.predict(data, **kwargs)


# ---------------------------------------------------------------------- helpers
def _environment(image: str | None, entrypoint: list[str] | None, cmd: list[str] | None, server_port: int | None,
                 health_check_port: int | None, env: dict[str, str] | None) -> Any:
    if image:
        port = server_port or defaults.DEFAULT_SERVER_PORT
        return OcirModelDeploymentEnvironmentConfigurationDetails(
            environment_configuration_type="OCIR_CONTAINER", image=image, entrypoint=entrypoint, cmd=cmd,
            server_port=port, health_check_port=health_check_port or port, environment_variables=env)
    return DefaultModelDeploymentEnvironmentConfigurationDetails(
        environment_configuration_type="DEFAULT", environment_variables=env)


def _log_details(group: str | None, access: str | None, predict: str | None) -> CategoryLogDetails | None:
    if not group or not (access or predict):
        return None
    return CategoryLogDetails(access=LogDetails(log_group_id=group, log_id=access) if access else None,
                              predict=LogDetails(log_group_id=group, log_id=predict) if predict else None)


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
                    id=str(content.get("id", "")))


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
