"""Pip requirements of an artifact: pinned to what is installed here, and checked offline.

The deployment image is built from these pins (``requirements.txt`` and runtime.yaml's
``MODEL_DEPLOYMENT.INFERENCE_ENV.REQUIREMENTS``), so they must name versions this machine has:
the image builder makes its wheelhouse from the host.
"""
from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass
from pathlib import Path

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


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def split(line: str) -> tuple[str, str, str]:
    """(name, operator, version) of a requirement line; operator/version empty when unpinned."""
    match = _PIN.match(line)
    if not match:
        raise ValueError(f"Not a requirement line: {line!r}")
    return match.group(1), match.group(2) or "", match.group(3) or ""


def to_text(requirements: list[str]) -> str:
    header = "# Pip requirements of this model artifact (written by Dockyard prepare()).\n"
    return header + "".join(f"{line}\n" for line in requirements)


def read_text(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


@dataclass
class Resolution:
    requirement: str
    ok: bool
    detail: str


def check_resolvable(requirements: list[str]) -> list[Resolution]:
    """Whether each requirement resolves on this machine without a network.

    How: an ``==`` pin resolves when that version is installed (the image builder builds its
    wheelhouse from the host's installed distributions); an unpinned or ranged line resolves when
    the distribution is installed at all. No index is contacted, so this is fast and offline.
    """
    results = []
    for line in requirements:
        name, op, wanted = split(line)
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            results.append(Resolution(line, False, f"{name} is not installed"))
            continue
        if op == "==" and public_version(have) != public_version(wanted):
            results.append(Resolution(line, False, f"{name} {have} is installed, not {wanted}"))
        else:
            results.append(Resolution(line, True, f"{name} {have} installed"))
    return results
