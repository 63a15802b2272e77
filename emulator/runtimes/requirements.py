"""The pip environment of a deployment: the artifact's requirements (or its conda pack's) plus the
server's own.

Which requirements an artifact needs is the runtime.yaml contract (``runtime_yaml.environment``):
what it lists itself, else the pip set standing in for the conda pack it names. The server itself
needs flask and gunicorn; they are pinned to the versions on this host so the wheelhouse can be
filled from what pip already has, and images stay reproducible.
"""
from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from emulator.contracts import runtime_yaml
from emulator.contracts.conda_packs import CondaPackError, PackLookup, not_runnable, runs_here
from emulator.runtimes.base import RuntimeFailure

SERVER_PACKAGES = ("flask", "gunicorn")
# Distributions that run a JVM: their environment needs a Java runtime beside Python.
JAVA_DISTRIBUTIONS = frozenset({"pyspark"})


def artifact_requirements(artifact_dir: Path, packs: PackLookup) -> list[str]:
    """The pip requirements of the artifact's environment; a runtime.yaml that cannot be read, a conda
    pack that cannot be found, or one on a Python deployments here cannot stand in for
    (``conda_packs.runs_here``), fails the deployment with what to do."""
    try:
        _require_runnable_pack(artifact_dir, packs)
        return runtime_yaml.environment(artifact_dir, packs)
    except runtime_yaml.RuntimeYamlError as exc:
        raise RuntimeFailure(f"the artifact's {exc.message}") from None
    except CondaPackError as exc:
        raise RuntimeFailure(f"{exc.message} {exc.hint}") from None


def _require_runnable_pack(artifact_dir: Path, packs: PackLookup) -> None:
    """CondaPackError when the pack runtime.yaml names is on a Python older than deployments here run
    (whether or not the artifact lists its own requirements: in OCI the pack decides the Python)."""
    try:
        pack = runtime_yaml.conda_pack(runtime_yaml.read(artifact_dir))
    except runtime_yaml.RuntimeYamlError:
        return  # no runtime.yaml, or one runtime_yaml.environment reports
    python = packs.python_of(pack) if pack else ""
    if python and not runs_here(python):
        raise not_runnable(pack.slug or str(pack), python)


def environment_source(artifact_dir: Path) -> str:
    """Where the environment comes from, in words for the deploy log."""
    try:
        data = runtime_yaml.read(artifact_dir)
    except runtime_yaml.RuntimeYamlError:
        data = {}
    if runtime_yaml.lists_requirements(artifact_dir, data):
        return "the artifact's own requirements"
    pack = runtime_yaml.conda_pack(data)
    return f"the stand-in of conda pack {pack}" if pack else "no requirements (the artifact names none)"


def with_server_packages(requirements: list[str]) -> list[str]:
    """The artifact's requirements plus flask and gunicorn (pinned to this host's versions)."""
    names = {_name(r) for r in requirements}
    extra = [_pinned(p) for p in SERVER_PACKAGES if p not in names]
    return sorted(set(requirements)) + extra


def needs_java(requirements: list[str]) -> bool:
    """Whether an environment with these requirements runs a JVM (pyspark), so it needs ``java``."""
    return any(_name(line) in JAVA_DISTRIBUTIONS for line in requirements)


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


def _name(line: str) -> str:
    """The distribution a line names; empty for a pip option line (``-r``, ``--index-url``)."""
    try:
        return runtime_yaml.requirement_name(line)
    except ValueError:
        return ""
