"""The model-group contract of the inference server: how a MODEL_GROUP deployment's members lie in the
artifact directory and how a predict request names the member it is for.

The emulator unpacks each member's artifact side by side in ``<model dir>/<model OCID>/`` (the group
artifact, when there is one, at the root) and lists the members in ``MEMBERS_FILE``. A request names
its member with ADS's headers (``ModelDeployment.predict(model_name=, model_version=)``): ``model-name``
is the member's inference key, model OCID or display name; ``model-version`` its version label or
version id. Standard library only: this package is copied into images.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MEMBERS_FILE = "model_group.json"
NAME_HEADER = "model-name"  # ads.model.deployment.ModelDeployment.predict's header names
VERSION_HEADER = "model-version"


@dataclass(frozen=True)
class Member:
    """One member model of a deployed group, with every name a request may use for it."""

    model_id: str
    inference_key: str | None = None
    display_name: str | None = None
    version_label: str | None = None
    version_id: int | None = None

    def directory(self, model_dir: Path) -> Path:
        return Path(model_dir) / self.model_id

    def answers_to(self, name: str) -> bool:
        return name in (self.inference_key, self.model_id, self.display_name)

    def versions(self) -> list[str]:
        return [v for v in (self.version_label, None if self.version_id is None else str(self.version_id)) if v]

    def label(self) -> str:
        return self.inference_key or self.display_name or self.model_id


class UnknownMember(Exception):
    """A request that names no member, or one the group does not hold: ``status`` and OCI's ``code``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def write_members(model_dir: Path, members: list[Member], group_id: str) -> None:
    (Path(model_dir) / MEMBERS_FILE).write_text(
        json.dumps({"modelGroupId": group_id, "members": [asdict(m) for m in members]}, indent=2), encoding="utf-8")


def read_members(model_dir: Path) -> list[Member] | None:
    """The members of a group artifact directory; None for a single model's artifact."""
    path = Path(model_dir) / MEMBERS_FILE
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return [Member(**item) for item in data["members"]]


def choose(members: list[Member], name: str | None, version: str | None) -> Member:
    """The member a request's ``model-name`` / ``model-version`` headers name.

    A member outside any model version set has no version to compare: ``model-version`` is checked
    against the members that have one (ADS sends it whenever it sends ``model-name``)."""
    served = ", ".join(_describe(m) for m in members)
    if not name:
        raise UnknownMember(400, "InvalidParameter",
                            f"this deployment serves a model group; name the model with the {NAME_HEADER} header "
                            f"(its inference key, model OCID or display name) and {VERSION_HEADER}. "
                            f"It serves: {served}")
    named = [m for m in members if m.answers_to(name)]
    if not named:
        raise UnknownMember(404, "NotFound", f"no model {name!r} in this deployment's model group; it serves: {served}")
    if version:
        named = [m for m in named if not m.versions() or version in m.versions()]
        if not named:
            raise UnknownMember(404, "NotFound", f"model {name!r} has no version {version!r} in this deployment's "
                                                 f"model group; it serves: {served}")
    return named[0]


def _describe(member: Member) -> str:
    versions = member.versions()
    return member.label() + (f" (version {' / '.join(versions)})" if versions else "")
