"""ADS's deployment builders and their YAML: ``ModelDeploymentInfrastructure``,
``ModelDeploymentContainerRuntime`` and ``ModelDeploymentCondaRuntime``.

Each builder holds a ``spec`` of camelCase keys, the keys of ADS's YAML::

    kind: deployment
    type: modelDeployment
    spec:
      displayName: ...
      infrastructure: {kind: infrastructure, type: datascienceModelDeployment, spec: {shapeName: ..., ...}}
      runtime: {kind: runtime, type: container | conda, spec: {image: ..., modelUri: ..., ...}}

Keys are matched as ADS writes them, in snake_case, or in any letter case (ADS's own docs spell
``bandWidthMbps``); a key no builder knows is kept but warned about, by name, so a typo is not
lost silently. ``ModelDeployment`` (``toolkit.deployment.handle``) combines the two builders, and
``toolkit.deployment.translate`` turns them into the catalog's ``CreateModelDeploymentDetails``.

The deployment defaults (shape, OCPUs, memory, bandwidth, instance count, deployment mode) are
applied here, once, when a builder is read back: every way of deploying (``model.deploy()``,
``deploy_model``, the builders, YAML, ``dockyard deploy``, promotion) leaves unset what its caller did
not give, and so they all agree with ``emulator.contracts.deployments``.
"""
from __future__ import annotations

import copy
import json
import re
import warnings
from pathlib import Path
from typing import Any

import yaml

from emulator.contracts import deployments as defaults

INFRASTRUCTURE_TYPE = "datascienceModelDeployment"
DEFAULT_WAIT = 1200  # ADS's max_wait_time of deployment operations, seconds (negative: for ever)
DEFAULT_POLL = 10  # ADS's poll_interval, seconds (the local emulator is polled faster)
DEPLOYMENT_MODES = ("HTTPS_ONLY", "STREAM_ONLY", "HTTPS_AND_STREAM")  # ADS's; Dockyard serves HTTPS_ONLY
DEFAULT_DEPLOYMENT_MODE = "HTTPS_ONLY"
AUTO_SCALING_TYPES = ("cpu_utilization", "memory_utilization")  # ADS's with_auto_scaling scaling types


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class SpecError(ValueError):
    """A deployment spec (YAML or builder) that cannot be used; the message names the key."""


class SerializedForms:
    """ADS's JSON and string forms of a builder, over its ``to_dict``/``from_dict``/``from_yaml``."""

    def to_json(self, uri: str | None = None, encoder: Any = json.JSONEncoder, overwrite: bool = True) -> str | None:
        """The JSON text of ``to_dict()``; with ``uri`` it is written there instead."""
        return write_text(json.dumps(self.to_dict(), cls=encoder), uri, overwrite)

    @classmethod
    def from_json(cls, json_string: str | None = None, uri: str | None = None, decoder: Any = json.JSONDecoder):
        if (json_string is None) == (uri is None):
            raise SpecError("pass exactly one of json_string= or uri=")
        text = json_string if json_string is not None else Path(uri).expanduser().read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text, cls=decoder))

    @classmethod
    def from_string(cls, obj_string: str | None = None, uri: str | None = None, loader: Any = None):
        """From YAML or JSON text (JSON is YAML), as ADS's ``from_string``."""
        return cls.from_yaml(obj_string, uri=uri, loader=loader)


class Builder(SerializedForms):
    """A spec of camelCase keys with ADS's ``with_*`` setters and dict/YAML/JSON forms."""

    kind = "builder"
    keys: tuple[str, ...] = ()
    type_name = ""

    def __init__(self, spec: dict | None = None, **kwargs: Any) -> None:
        self._spec: dict[str, Any] = {}
        for key, value in {**(spec or {}), **kwargs}.items():
            self.set_spec(self._canonical(key), value)

    # -- the spec ------------------------------------------------------------------------------
    def _canonical(self, key: str) -> str:
        """ADS's key for ``key`` (camelCase, snake_case, or any case of either)."""
        wanted = key.replace("_", "").lower()
        for known in self.keys:
            if known.lower() == wanted:
                return known
        warnings.warn(f"{type(self).__name__}: unknown key {key!r} kept but not used; known keys: "
                      f"{', '.join(self.keys)}.", stacklevel=4)
        return key

    def set_spec(self, k: str, v: Any) -> "Builder":
        if v is None:
            self._spec.pop(k, None)
        else:
            self._spec[k] = v
        return self

    def get_spec(self, key: str, default: Any = None) -> Any:
        return self._spec.get(key, default)

    @property
    def type(self) -> str:
        return self.type_name

    # -- dict and YAML -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"kind": self.kind, "type": self.type, "spec": copy.deepcopy(self._spec)}

    def to_yaml(self, uri: str | None = None, dumper: Any = None, overwrite: bool = True, note: str = "") -> str | None:
        """The YAML text; with ``uri`` it is written there instead (``overwrite=False`` refuses an existing file)."""
        return dump_yaml(self.to_dict(), uri, dumper, overwrite, note)

    @classmethod
    def from_dict(cls, obj_dict: dict) -> "Builder":
        spec = obj_dict.get("spec", obj_dict) if isinstance(obj_dict, dict) else None
        if not isinstance(spec, dict):
            raise SpecError(f"{cls.__name__}: expected a mapping with a 'spec', got {type(obj_dict).__name__}.")
        return cls(spec)

    @classmethod
    def from_yaml(cls, yaml_string: str | None = None, uri: str | None = None, loader: Any = None) -> "Builder":
        return cls.from_dict(load_yaml(yaml_string, uri, loader))

    def __repr__(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)


def load_yaml(yaml_string: str | None, uri: str | None, loader: Any = None) -> dict:
    """A YAML document from text or a local file (SpecError saying which when it is not a mapping)."""
    if (yaml_string is None) == (uri is None):
        raise SpecError("pass exactly one of yaml_string= or uri=")
    text = yaml_string if yaml_string is not None else Path(uri).expanduser().read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=loader or yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise SpecError(f"{uri or 'the YAML'} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{uri or 'the YAML'} does not hold a mapping.")
    return data


def dump_yaml(data: dict, uri: str | None, dumper: Any, overwrite: bool, note: str) -> str | None:
    text = (f"# {note}\n" if note else "") + yaml.dump(data, Dumper=dumper or yaml.SafeDumper, sort_keys=False)
    return write_text(text, uri, overwrite)


def write_text(text: str, uri: str | None, overwrite: bool) -> str | None:
    """``text`` itself, or (``uri``) None once it is written there (``overwrite=False`` refuses an existing file)."""
    if uri is None:
        return text
    path = Path(uri).expanduser()
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    path.write_text(text, encoding="utf-8")
    return None


# --------------------------------------------------------------------------------------------
# infrastructure
# --------------------------------------------------------------------------------------------

class ModelDeploymentInfrastructure(Builder):
    """Where a deployment runs: compartment and project, shape, replicas, bandwidth, logs, network."""

    kind = "infrastructure"
    type_name = INFRASTRUCTURE_TYPE
    keys = ("projectId", "compartmentId", "shapeName", "shapeConfigDetails", "replica", "bandwidthMbps",
            "accessLog", "predictLog", "logGroupId", "logId", "webConcurrency", "subnetId", "privateEndpointId",
            "autoScaling")

    def with_compartment_id(self, compartment_id: str) -> "ModelDeploymentInfrastructure":
        return self.set_spec("compartmentId", compartment_id)

    def with_project_id(self, project_id: str) -> "ModelDeploymentInfrastructure":
        return self.set_spec("projectId", project_id)

    def with_shape_name(self, shape_name: str) -> "ModelDeploymentInfrastructure":
        return self.set_spec("shapeName", shape_name)

    def with_shape_config_details(self, ocpus: float, memory_in_gbs: float) -> "ModelDeploymentInfrastructure":
        return self.set_spec("shapeConfigDetails", {"ocpus": ocpus, "memoryInGBs": memory_in_gbs})

    def with_replica(self, replica: int) -> "ModelDeploymentInfrastructure":
        """The number of instances (the scaling policy's instanceCount)."""
        return self.set_spec("replica", replica)

    def with_auto_scaling(self, scaling_type: str, minimum_instance_count: int | None = None,
                          maximum_instance_count: int | None = None, initial_instance_count: int | None = None,
                          scale_in_threshold: int | None = None, scale_out_threshold: int | None = None,
                          cool_down_in_seconds: int | None = None,
                          is_enabled: bool | None = None) -> "ModelDeploymentInfrastructure":
        """An AUTOSCALING policy instead of a fixed ``replica`` count, as ADS's builder: one threshold
        rule on ``cpu_utilization`` or ``memory_utilization`` (percent); what is not given takes
        ADS's defaults when deployed (1 to 3 instances, starting at ``replica``, in below 30, out above 70)."""
        kind = str(scaling_type).lower() if scaling_type is not None else None
        if kind not in AUTO_SCALING_TYPES:
            raise SpecError(f"scaling_type {scaling_type!r}: allowed values are {list(AUTO_SCALING_TYPES)}.")
        given = {"scalingType": kind, "minimumInstanceCount": minimum_instance_count,
                 "maximumInstanceCount": maximum_instance_count, "initialInstanceCount": initial_instance_count,
                 "scaleInThreshold": scale_in_threshold, "scaleOutThreshold": scale_out_threshold,
                 "coolDownInSeconds": cool_down_in_seconds, "isEnabled": is_enabled}
        return self.set_spec("autoScaling", {key: value for key, value in given.items() if value is not None})

    def with_bandwidth_mbps(self, bandwidth_mbps: int) -> "ModelDeploymentInfrastructure":
        return self.set_spec("bandwidthMbps", bandwidth_mbps)

    def with_web_concurrency(self, web_concurrency: int) -> "ModelDeploymentInfrastructure":
        """Server workers per instance: the deployment's ``WEB_CONCURRENCY`` (gunicorn reads it)."""
        return self.set_spec("webConcurrency", web_concurrency)

    def with_access_log(self, log_group_id: str, log_id: str) -> "ModelDeploymentInfrastructure":
        return self.set_spec("accessLog", {"logGroupId": log_group_id, "logId": log_id})

    def with_predict_log(self, log_group_id: str, log_id: str) -> "ModelDeploymentInfrastructure":
        return self.set_spec("predictLog", {"logGroupId": log_group_id, "logId": log_id})

    def with_log_group_id(self, log_group_id: str) -> "ModelDeploymentInfrastructure":
        """The log group of both logs (with ``with_log_id``)."""
        return self.set_spec("logGroupId", log_group_id)

    def with_log_id(self, log_id: str) -> "ModelDeploymentInfrastructure":
        """One log for both categories (access and predict)."""
        return self.set_spec("logId", log_id)

    def with_subnet_id(self, subnet_id: str) -> "ModelDeploymentInfrastructure":
        return self.set_spec("subnetId", subnet_id)

    def with_private_endpoint_id(self, private_endpoint_id: str) -> "ModelDeploymentInfrastructure":
        return self.set_spec("privateEndpointId", private_endpoint_id)

    # -- read back, with ADS's defaults -----------------------------------------------------------
    compartment_id = property(lambda self: self.get_spec("compartmentId"))
    project_id = property(lambda self: self.get_spec("projectId"))
    shape_name = property(lambda self: self.get_spec("shapeName", defaults.DEFAULT_SHAPE))
    replica = property(lambda self: int(self.get_spec("replica", defaults.DEFAULT_INSTANCE_COUNT)))
    bandwidth_mbps = property(lambda self: int(self.get_spec("bandwidthMbps", defaults.DEFAULT_BANDWIDTH_MBPS)))
    web_concurrency = property(lambda self: self.get_spec("webConcurrency"))
    subnet_id = property(lambda self: self.get_spec("subnetId"))
    private_endpoint_id = property(lambda self: self.get_spec("privateEndpointId"))
    log_group_id = property(lambda self: self.get_spec("logGroupId"))
    log_id = property(lambda self: self.get_spec("logId"))
    auto_scaling = property(lambda self: dict(self.get_spec("autoScaling") or {}),
                            doc="with_auto_scaling's configuration ({} for a fixed-size deployment)")

    @property
    def shape_config_details(self) -> dict:
        given = dict(self.get_spec("shapeConfigDetails") or {})
        config = {_memory_key(k): v for k, v in given.items() if v is not None}
        config.setdefault("ocpus", defaults.DEFAULT_OCPUS)
        config.setdefault("memoryInGBs", defaults.DEFAULT_MEMORY_GBS)
        return config

    @property
    def access_log(self) -> dict | None:
        return self._log("accessLog")

    @property
    def predict_log(self) -> dict | None:
        return self._log("predictLog")

    def _log(self, key: str) -> dict | None:
        """A category's log: its own setting, else the shared ``logGroupId``/``logId``."""
        given = {_log_key(k): v for k, v in (self.get_spec(key) or {}).items()}
        group, log = given.get("logGroupId") or self.log_group_id, given.get("logId") or self.log_id
        return {"logGroupId": group, "logId": log} if group and log else None


def _memory_key(key: str) -> str:
    return "memoryInGBs" if key.replace("_", "").lower() == "memoryingbs" else "ocpus" if key.lower() == "ocpus" else key


def _log_key(key: str) -> str:
    flat = key.replace("_", "").lower()
    return {"loggroupid": "logGroupId", "logid": "logId"}.get(flat, key)


# --------------------------------------------------------------------------------------------
# runtimes
# --------------------------------------------------------------------------------------------

class ModelDeploymentRuntime(Builder):
    """What a deployment runs: the model (``modelUri``: a model OCID, or an artifact folder, zip or
    ``oci://`` zip that deploy() first registers in the catalog) or a model group (``modelGroupId``),
    its environment variables, and how that artifact is uploaded (auth, region, bucket,
    overwrite/remove, timeout)."""

    kind = "runtime"
    keys = ("env", "deploymentMode", "modelUri", "modelGroupId", "region", "auth", "overwriteExistingArtifact",
            "removeExistingArtifact", "timeout", "bucketUri")

    def with_env(self, env: dict) -> "ModelDeploymentRuntime":
        return self.set_spec("env", {str(k): str(v) for k, v in (env or {}).items()})

    def with_deployment_mode(self, deployment_mode: str) -> "ModelDeploymentRuntime":
        return self.set_spec("deploymentMode", deployment_mode)

    def with_model_uri(self, model_uri: str) -> "ModelDeploymentRuntime":
        return self.set_spec("modelUri", model_uri)

    def with_model_group_id(self, model_group_id: str) -> "ModelDeploymentRuntime":
        """Deploy a model group (a MODEL_GROUP deployment serving every member) instead of one model."""
        return self.set_spec("modelGroupId", model_group_id)

    def with_region(self, region: str) -> "ModelDeploymentRuntime":
        return self.set_spec("region", region)

    def with_auth(self, auth: Any) -> "ModelDeploymentRuntime":
        """The auth of the artifact upload (a profile name or an ADS-style dict)."""
        return self.set_spec("auth", auth)

    def with_overwrite_existing_artifact(self, overwrite_existing_artifact: bool) -> "ModelDeploymentRuntime":
        return self.set_spec("overwriteExistingArtifact", overwrite_existing_artifact)

    def with_remove_existing_artifact(self, remove_existing_artifact: bool) -> "ModelDeploymentRuntime":
        return self.set_spec("removeExistingArtifact", remove_existing_artifact)

    def with_timeout(self, timeout: int) -> "ModelDeploymentRuntime":
        return self.set_spec("timeout", timeout)

    def with_bucket_uri(self, bucket_uri: str) -> "ModelDeploymentRuntime":
        return self.set_spec("bucketUri", bucket_uri)

    env = property(lambda self: dict(self.get_spec("env") or {}))
    deployment_mode = property(lambda self: self.get_spec("deploymentMode", DEFAULT_DEPLOYMENT_MODE))
    model_uri = property(lambda self: self.get_spec("modelUri"))
    model_group_id = property(lambda self: self.get_spec("modelGroupId"))
    region = property(lambda self: self.get_spec("region"))
    auth = property(lambda self: self.get_spec("auth"))
    overwrite_existing_artifact = property(lambda self: self.get_spec("overwriteExistingArtifact", True))
    remove_existing_artifact = property(lambda self: self.get_spec("removeExistingArtifact", True))
    timeout = property(lambda self: self.get_spec("timeout"))
    bucket_uri = property(lambda self: self.get_spec("bucketUri"))


class ModelDeploymentCondaRuntime(ModelDeploymentRuntime):
    """The service's own model server (score.py in the artifact's environment)."""

    type_name = "conda"


class ModelDeploymentContainerRuntime(ModelDeploymentRuntime):
    """Bring your own container: image (and digest), entrypoint, cmd, server and health-check ports."""

    type_name = "container"
    keys = ModelDeploymentRuntime.keys + ("image", "imageDigest", "entrypoint", "cmd", "serverPort",
                                          "healthCheckPort", "inferenceServer")

    def with_image(self, image: str) -> "ModelDeploymentContainerRuntime":
        return self.set_spec("image", image)

    def with_image_digest(self, image_digest: str) -> "ModelDeploymentContainerRuntime":
        return self.set_spec("imageDigest", image_digest)

    def with_entrypoint(self, entrypoint: list[str] | str) -> "ModelDeploymentContainerRuntime":
        return self.set_spec("entrypoint", [entrypoint] if isinstance(entrypoint, str) else list(entrypoint))

    def with_cmd(self, cmd: list[str] | str) -> "ModelDeploymentContainerRuntime":
        return self.set_spec("cmd", [cmd] if isinstance(cmd, str) else list(cmd))

    def with_server_port(self, server_port: int) -> "ModelDeploymentContainerRuntime":
        return self.set_spec("serverPort", server_port)

    def with_health_check_port(self, health_check_port: int) -> "ModelDeploymentContainerRuntime":
        return self.set_spec("healthCheckPort", health_check_port)

    def with_inference_server(self, inference_server: str = "triton") -> "ModelDeploymentContainerRuntime":
        """ADS's Triton switch: not emulated, so refused instead of deploying something else."""
        raise NotImplementedError(f"with_inference_server({inference_server!r}): Triton inference servers are not "
                                  "emulated by Dockyard; deploy your own container image instead.")

    image = property(lambda self: self.get_spec("image"))
    image_digest = property(lambda self: self.get_spec("imageDigest"))
    entrypoint = property(lambda self: self.get_spec("entrypoint"))
    cmd = property(lambda self: self.get_spec("cmd"))
    server_port = property(lambda self: self.get_spec("serverPort"))
    health_check_port = property(lambda self: self.get_spec("healthCheckPort"))


RUNTIME_TYPES = {"conda": ModelDeploymentCondaRuntime, "container": ModelDeploymentContainerRuntime}


def runtime_from_dict(obj_dict: dict) -> ModelDeploymentRuntime:
    """A runtime from its YAML mapping (``type: container | conda``)."""
    kind = (obj_dict or {}).get("type")
    if kind not in RUNTIME_TYPES:
        raise SpecError(f"spec.runtime.type must be one of {', '.join(RUNTIME_TYPES)}, not {kind!r}.")
    return RUNTIME_TYPES[kind].from_dict(obj_dict)


def infrastructure_from_dict(obj_dict: dict) -> ModelDeploymentInfrastructure:
    kind = (obj_dict or {}).get("type", INFRASTRUCTURE_TYPE)
    if kind != INFRASTRUCTURE_TYPE:
        raise SpecError(f"spec.infrastructure.type must be {INFRASTRUCTURE_TYPE}, not {kind!r}.")
    return ModelDeploymentInfrastructure.from_dict(obj_dict)
