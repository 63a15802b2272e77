"""Provenance: where a model came from (the git state of its training code, the training run), as the
catalog's ModelProvenance records it and ADS's ``ModelProvenanceMetadata`` reads it."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path


class ChangesNotCommitted(ValueError):
    """The training code has uncommitted git changes and ``ignore_pending_changes=False`` (ADS's name)."""


@dataclass
class ModelProvenanceMetadata:
    """Where the model came from: git state of the training code (the catalog's ModelProvenance)."""

    repository_url: str | None = None
    git_branch: str | None = None
    git_commit: str | None = None
    training_script_path: str | None = None
    training_id: str | None = None
    artifact_dir: str | None = None
    is_dirty: bool | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def fetch(cls, training_script_path: str | None = None, training_id: str | None = None,
              artifact_dir: str | None = None) -> "ModelProvenanceMetadata":
        """Read git facts from the repository that holds the training script (or the cwd)."""
        script = training_script_path or _main_script()
        start = Path(script).resolve().parent if script else Path.cwd()
        git = _Git(start)
        return cls(
            repository_url=git("config", "--get", "remote.origin.url"),
            git_branch=git("rev-parse", "--abbrev-ref", "HEAD"),
            git_commit=git("rev-parse", "HEAD"),
            training_script_path=script,
            training_id=training_id or os.environ.get("JOB_RUN_OCID") or os.environ.get("NB_SESSION_OCID"),
            artifact_dir=artifact_dir,
            is_dirty=None if git("rev-parse", "HEAD") is None else bool(git("status", "--porcelain", "--untracked-files=no")),
        )

    def assert_path_not_dirty(self, *paths: str | None) -> None:
        """ChangesNotCommitted when a path (the artifact directory, the training script) inside the git
        repository has changes not committed (``prepare(ignore_pending_changes=False)``, as ADS)."""
        for path in (p for p in paths if p):
            where = Path(path).resolve()
            git = _Git(where if where.is_dir() else where.parent)
            top = git("rev-parse", "--show-toplevel")
            if top is None or not str(where).startswith(str(Path(top).resolve())):
                continue
            pending = git("status", "--porcelain", "--", str(where))
            if pending:
                raise ChangesNotCommitted(
                    f"{path} has changes not committed to git ({pending.splitlines()[0].strip()}...); commit them, "
                    "or pass ignore_pending_changes=True to record the provenance anyway.")

    def to_wire(self) -> dict:
        """The catalog's ModelProvenance fields (camelCase)."""
        return {
            "repositoryUrl": self.repository_url,
            "gitBranch": self.git_branch,
            "gitCommit": self.git_commit,
            "scriptDir": self.artifact_dir,
            "trainingScript": self.training_script_path,
            "trainingId": self.training_id,
        }

    @classmethod
    def from_wire(cls, wire: dict | None) -> "ModelProvenanceMetadata":
        wire = wire or {}
        get = lambda *names: next((wire[n] for n in names if wire.get(n) is not None), None)  # noqa: E731
        return cls(
            repository_url=get("repositoryUrl", "repository_url"),
            git_branch=get("gitBranch", "git_branch"),
            git_commit=get("gitCommit", "git_commit"),
            training_script_path=get("trainingScript", "training_script"),
            training_id=get("trainingId", "training_id"),
            artifact_dir=get("scriptDir", "script_dir"),
        )


def _main_script() -> str | None:
    """The script this process runs (``python train.py``), as ADS records it by default; None in a
    notebook and under a console command (``dockyard``, ``pytest``): their executable, or an installed
    package's ``__main__``, trained nothing. ``training_script_path`` (``--training-script``) names it."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path or Path(path).suffix != ".py" or not Path(path).is_file():
        return None
    script = Path(path).resolve()
    installed = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib", "stdlib")}
    return None if any(script.is_relative_to(root) for root in installed) else str(script)


class _Git:
    """Runs read-only git commands in one directory; None when git or the repository is absent."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def __call__(self, *args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=self.cwd, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None
