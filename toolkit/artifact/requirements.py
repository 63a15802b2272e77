"""Pip requirements of an artifact: pinned to what is installed here, and checked offline.

The deployment image is built from these pins (``requirements.txt`` and runtime.yaml's
``MODEL_DEPLOYMENT.INFERENCE_ENV.REQUIREMENTS``), so they must name versions this machine has:
the process runtime runs on this interpreter, and the image builder makes its wheelhouse here.
"""
from __future__ import annotations

import importlib.metadata
import os
import re
from dataclasses import dataclass
from pathlib import Path

from emulator.contracts.runtime_yaml import canonical_name as canonical

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(==|>=|<=|~=|!=|>|<)?\s*([^\s;#]*)")


def public_version(version: str) -> str:
    """``2.13.0+cpu`` -> ``2.13.0``: a local label is not on public indexes, and ``==2.13.0`` matches it."""
    return version.split("+", 1)[0]


def pin(distributions: list[str]) -> list[str]:
    """``name==installed-version`` for each distribution, in order, without duplicates.

    Raises LookupError naming the distributions that are not installed: the pins would not resolve.
    """
    seen: dict[str, str] = {}
    missing = []
    for name in distributions:
        key = canonical(name)
        if key in seen:
            continue
        try:
            seen[key] = f"{name}=={public_version(importlib.metadata.version(name))}"
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        raise LookupError(f"Not installed here, so they cannot be pinned: {', '.join(missing)}")
    return list(seen.values())


def merge(pins: list[str], extra: list[str] | None) -> list[str]:
    """Add user-given requirement lines; a user line replaces a pin of the same distribution."""
    if not extra:
        return pins
    extra_names = {canonical(split(line)[0]) for line in extra}
    return [p for p in pins if canonical(split(p)[0]) not in extra_names] + list(extra)


def split(line: str) -> tuple[str, str, str]:
    """(name, operator, version) of a requirement line; operator/version empty when unpinned."""
    match = _PIN.match(line)
    if not match:
        raise ValueError(f"Not a requirement line: {line!r}")
    return match.group(1), match.group(2) or "", match.group(3) or ""


def to_text(requirements: list[str]) -> str:
    header = "# Pip requirements of this model artifact (written by Dockyard prepare()).\n"
    return header + "".join(f"{line}\n" for line in requirements)


@dataclass
class Resolution:
    requirement: str
    ok: bool
    detail: str


def local_wheel_dirs() -> list[Path]:
    """Where wheels already lie on this machine: pip's find-links (``PIP_FIND_LINKS``) and the
    wheelhouses the emulator's image builder finished under ``DOCKYARD_HOME`` (it says where)."""
    from emulator.runtimes.public import wheel_dirs
    from toolkit import settings

    dirs = [Path(p) for p in os.environ.get("PIP_FIND_LINKS", "").split() if p and "://" not in p]
    dirs += wheel_dirs(settings.home())
    return [d for d in dirs if d.is_dir()]


def _wheel_versions(dirs: list[Path]) -> dict[str, set[str]]:
    """Canonical distribution name -> versions of the wheels in ``dirs`` (from the file names)."""
    found: dict[str, set[str]] = {}
    for directory in dirs:
        for wheel in directory.glob("*.whl"):
            parts = wheel.name.split("-")
            if len(parts) >= 5:
                found.setdefault(canonical(parts[0]), set()).add(public_version(parts[1]))
    return found


def check_resolvable(requirements: list[str], wheel_dirs: list[Path] | None = None) -> list[Resolution]:
    """Whether each requirement resolves on this machine without a network.

    A requirement resolves when a matching version is installed here (the process runtime runs on
    this interpreter) or lies as a wheel in a local wheel directory (``local_wheel_dirs()``), from
    which an offline image build can install it. An ``==`` pin needs that exact version; another
    line needs the distribution at all. No index is contacted, so this is fast and offline.
    """
    wheels = _wheel_versions(local_wheel_dirs() if wheel_dirs is None else wheel_dirs)
    return [_resolve(line, wheels) for line in requirements]


def _resolve(line: str, wheels: dict[str, set[str]]) -> Resolution:
    name, op, wanted = split(line)
    try:
        have = public_version(importlib.metadata.version(name))
    except importlib.metadata.PackageNotFoundError:
        have = None
    if have is not None and (op != "==" or have == public_version(wanted)):
        return Resolution(line, True, f"{name} {have} installed")
    cached = wheels.get(canonical(name), set())
    if cached and (op != "==" or public_version(wanted) in cached):
        return Resolution(line, True, f"{name} {wanted or max(cached)} in the local wheel cache")
    installed = f"{name} {have} is installed, not {wanted}" if have else f"{name} is not installed"
    return Resolution(line, False, f"{installed}, and no matching wheel is in the local wheel cache")
