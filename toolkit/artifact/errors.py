"""Errors of the artifact pipeline. Each carries a ``hint``: what the user can do about it."""
from __future__ import annotations


class ArtifactError(Exception):
    """Base class: a problem with a model artifact the user can act on."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message if not hint else f"{message}\nHint: {hint}")
        self.message = message
        self.hint = hint


class ArtifactExistsError(ArtifactError):
    """prepare() was asked to write into a directory that already holds files."""


class ArtifactNotFoundError(ArtifactError):
    """A directory, zip or required file of the artifact is missing."""


class ArtifactIntegrityError(ArtifactError):
    """An artifact zip cannot be trusted: it does not match its SHA-256 manifest, or is unsafe."""


class UnsafeArchiveError(ArtifactIntegrityError):
    """A zip member would be written outside the extraction directory (path traversal, symlink)."""


class VerificationError(ArtifactError):
    """score.py failed in the verify subprocess; ``traceback`` is the user's own traceback."""

    def __init__(self, message: str, hint: str = "", traceback: str = "", stage: str = "") -> None:
        super().__init__(message if not traceback else f"{message}\n\n{traceback.rstrip()}", hint)
        self.traceback = traceback
        self.stage = stage


class SchemaSizeError(ArtifactError):
    """An input/output schema exceeds the catalog's limits."""


class RuntimeInfoError(ArtifactError):
    """runtime.yaml is missing, unreadable or lacks a required field."""
