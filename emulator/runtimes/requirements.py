"""Which pip requirements an artifact needs, read from its runtime.yaml (or requirements.txt).

The server itself needs flask and gunicorn; they are pinned to the versions on this host so the
wheelhouse can be filled from what pip already has, and images stay reproducible.
"""
from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

SERVER_PACKAGES = ("flask", "gunicorn")


def artifact_requirements(artifact_dir: Path) -> list[str]:
    """The artifact's pip requirements: any list of strings under a ``*REQUIREMENTS*``/``*PIP*`` key
    of runtime.yaml, else ``requirements.txt``; empty when it declares none."""
    runtime_yaml = artifact_dir / "runtime.yaml"
    if runtime_yaml.is_file():
        try:
            found = _find_requirement_list(yaml.safe_load(runtime_yaml.read_text()) or {})
        except yaml.YAMLError:
            found = None
        if found is not None:
            return found
    req_txt = artifact_dir / "requirements.txt"
    if req_txt.is_file():
        return [ln.strip() for ln in req_txt.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    return []


def _find_requirement_list(node: Any) -> list[str] | None:
    if isinstance(node, dict):
        for key, value in node.items():
            upper = str(key).upper()
            if ("REQUIREMENT" in upper or "PIP" in upper) and isinstance(value, list):
                return [str(v).strip() for v in value if str(v).strip()]
            found = _find_requirement_list(value)
            if found is not None:
                return found
    return None


def with_server_packages(requirements: list[str]) -> list[str]:
    """The artifact's requirements plus flask and gunicorn (pinned to this host's versions)."""
    names = {_name(r) for r in requirements}
    extra = [_pinned(p) for p in SERVER_PACKAGES if p not in names]
    return sorted(set(requirements)) + extra


def environment_key(base: str, requirements: list[str], *extra: str) -> str:
    """A content hash naming one environment (base image + requirements + anything else baked in)."""
    digest = hashlib.sha256("\n".join([base, *sorted(requirements), *extra]).encode())
    return digest.hexdigest()[:16]


def satisfied_here(requirements: list[str]) -> list[str]:
    """The requirements this interpreter does not satisfy (empty list: run with it as is)."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # pip always carries a copy
        from pip._vendor.packaging.requirements import InvalidRequirement, Requirement

    unmet = []
    for line in requirements:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            unmet.append(line)
            continue
        try:
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            unmet.append(line)
            continue
        if req.specifier and not req.specifier.contains(installed, prereleases=True):
            unmet.append(line)
    return unmet


def _pinned(package: str) -> str:
    try:
        return f"{package}=={metadata.version(package)}"
    except metadata.PackageNotFoundError:
        return package


def _name(requirement: str) -> str:
    for sep in "<>=!~;[ @":
        requirement = requirement.split(sep)[0]
    return requirement.strip().lower().replace("_", "-")
