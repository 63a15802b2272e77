"""What a MODEL_GROUP deployment serves, laid out on disk: each member's artifact side by side.

``<deployment>/artifact/`` holds the group artifact (when the group has one) at its root, each
member model's artifact in ``<model OCID>/``, and ``model_group.json`` (the inference server's
contract, ``emulator.inference.model_group``) listing the members with every name a request may
use: inference key, model OCID, display name, version label and version id. The deployment's
environment is the group artifact's runtime.yaml; a group without one runs in its first member's
environment (a homogeneous group shares one runtime; OCI does not document the fallback).
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from emulator import unzip
from emulator.contracts import runtime_yaml
from emulator.data_science import artifacts, model_groups, models
from emulator.data_science import model_group_artifacts as group_artifacts
from emulator.errors import OCIError
from emulator.inference.model_group import Member, write_members
from emulator.model_deployment import configuration, files
from emulator.state import EmulatorState

_ENVIRONMENT_FILES = (runtime_yaml.RUNTIME_FILE, runtime_yaml.REQUIREMENTS_FILE)


def unpack(state: EmulatorState, record: dict[str, Any]) -> Path:
    """The unpacked artifact a deployment serves: its model's, or its model group's members."""
    group_id = configuration.model_group_id(record)
    if group_id is None:
        return files.unpack_model_artifact(state, configuration.model_id(record), record["id"])
    return files.unpack_once(state, record["id"], lambda into: lay_out(state, group_id, into))


def lay_out(state: EmulatorState, group_id: str, into: Path) -> None:
    """Write the group artifact and each member's artifact into ``into``, then the member list."""
    group = model_groups.get(state.db, group_id)
    into.mkdir(parents=True, exist_ok=True)
    _extract_group_artifact(state, group_id, into)
    members = []
    for entry in group["memberModelEntries"]["memberModelDetails"]:
        model = models.get(state.db, entry["modelId"])
        files.extract_model_artifact(state, model["id"], into / model["id"])
        members.append(Member(model_id=model["id"], inference_key=entry.get("inferenceKey"),
                              display_name=model.get("displayName"), version_label=model.get("versionLabel"),
                              version_id=model.get("versionId")))
    _share_environment(into, into / members[0].model_id)
    write_members(into, members, group_id)


def _extract_group_artifact(state: EmulatorState, group_id: str, into: Path) -> None:
    record = state.db.get(group_artifacts.KIND, group_id)
    if record is None:
        return
    try:
        with state.blobs.open(artifacts.blob_of(record).name) as stream:
            unzip.extract(stream, into, state.config.zip_limits)
        unzip.hoist_artifact_root(into)
    except unzip.UnsafeZip as exc:
        raise OCIError(400, "InvalidParameter", f"the artifact of model group {group_id} cannot be deployed: "
                       f"{exc.message}" + (f". {exc.hint}" if exc.hint else "")) from None


def _share_environment(root: Path, first_member: Path) -> None:
    """A group artifact without runtime.yaml takes the first member's environment files."""
    if (root / runtime_yaml.RUNTIME_FILE).is_file():
        return
    for name in _ENVIRONMENT_FILES:
        if (first_member / name).is_file():
            shutil.copyfile(first_member / name, root / name)
