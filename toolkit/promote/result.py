"""What a transfer (promotion or pull) did, step by step, and how a failed step is reported."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

from toolkit.catalog.errors import CatalogError

Progress = Callable[[str, str], None]


class TransferError(CatalogError):
    """A transfer step failed; says which, why, and (once something was written) that re-running is safe."""

    operation = "transfer"

    def __init__(self, step: str, message: str, wrote: bool = True) -> None:
        self.step = step
        rerun = (f"\nNothing is duplicated by running the same {self.operation} again: finished steps are found "
                 "and skipped." if wrote else "")
        super().__init__(f"{self.operation} failed at step '{step}': {message}{rerun}")


class PromotionError(TransferError):
    operation = "promotion"


class PullError(TransferError):
    operation = "pull"


READ_ONLY_STEPS = ("target", "source", "fetch", "verify", "find")  # a failure there has written nothing


@dataclass
class Step:
    """One line of the plan: what a step did (or, in a dry run, would do)."""

    name: str
    action: str
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclass
class PromotionResult:
    """What a transfer did; ``target_model_id`` is None in a dry run that would create one."""

    source_model_id: str
    target_profile: str
    artifact_sha256: str = ""
    target_model_id: str | None = None
    reused: bool = False
    version_set_id: str | None = None
    deployment_id: str | None = None
    deployment_url: str | None = None
    dry_run: bool = False
    steps: list[Step] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["steps"] = [s.to_dict() for s in self.steps]
        return data


@dataclass
class PullResult(PromotionResult):
    """What a pull did: a promotion's fields, the profile it read, and for a deployment OCID the
    deployment it read and its configuration (the CreateModelDeploymentDetails of the local copy, as JSON);
    for a model group deployment the group, its local copy, and each member's local copy."""

    source_profile: str = ""
    source_deployment_id: str | None = None
    deployment_configuration: dict[str, Any] | None = None
    source_model_group_id: str | None = None
    target_model_group_id: str | None = None
    member_copies: dict[str, str | None] = field(default_factory=dict)
