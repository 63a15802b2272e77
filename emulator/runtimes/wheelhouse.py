"""Building a wheelhouse on the host, so environments install their requirements with no network.

``pip wheel`` runs here, where pip's index (and cache) are reachable; image builds and the process
runtime's venvs then install with ``--no-index --find-links``. One wheelhouse per requirement set
(:func:`for_requirements`), shared by both runtimes: a conda pack's environment is downloaded once.
A directory gets a ``.complete`` marker only after pip succeeded, so a half-built wheelhouse is
never mistaken for a finished one. Where wheelhouses and build contexts lie under an emulator home
is this module's business: others ask :func:`build_dir`, :func:`for_requirements` and :func:`wheel_dirs`.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from emulator.runtimes.base import LogSink, RuntimeFailure


def build_dir(home: Path, key: str) -> Path:
    """The image build context of one environment (its wheels are linked into ``wheels/`` inside)."""
    return Path(home) / "cache" / "build" / key


def wheelhouse_dir(home: Path, requirements: list[str]) -> Path:
    """Where the wheelhouse of one requirement set lies (named by a hash of the set and this Python)."""
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    digest = hashlib.sha256("\n".join([tag, *sorted(requirements)]).encode()).hexdigest()[:16]
    return Path(home) / "cache" / "wheels" / digest


def for_requirements(home: Path, requirements: list[str], log: LogSink) -> Path:
    """The finished wheelhouse of ``requirements`` under ``home``, built on first use."""
    return build_wheelhouse(requirements, wheelhouse_dir(home, requirements), log)


def link_into(wheelhouse: Path, target: Path) -> Path:
    """A copy of ``wheelhouse`` at ``target`` made of hard links (an image build context needs the
    wheels inside it; linking costs no space). Copies where links are not possible."""
    shutil.rmtree(target, ignore_errors=True)

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(wheelhouse, target, copy_function=link)
    return target


def wheel_dirs(home: Path) -> list[Path]:
    """The finished wheelhouses under ``home``: wheels this machine already has, for offline checks."""
    found = sorted((Path(home) / "cache" / "wheels").glob("*")) + sorted((Path(home) / "cache" / "build").glob("*/wheels"))
    return [d for d in found if (d / ".complete").is_file()]


def build_wheelhouse(requirements: list[str], directory: Path, log: LogSink) -> Path:
    """Fill ``directory`` with wheels for ``requirements`` (and their dependencies); reuse it when complete."""
    marker = directory / ".complete"
    if marker.is_file():
        log(f"wheelhouse cached at {directory}")
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    req_file = directory / "requirements.txt"
    req_file.write_text("\n".join(requirements) + "\n")
    log(f"building wheelhouse for {len(requirements)} requirement(s) in {directory}")
    run_streaming([sys.executable, "-m", "pip", "wheel", "--prefer-binary", "--disable-pip-version-check",
                   "-w", str(directory), "-r", str(req_file)], log, "pip wheel")
    marker.write_text("ok\n")
    return directory


def run_streaming(command: list[str], log: LogSink, what: str, env: dict[str, str] | None = None) -> None:
    """Run a command, passing each output line to ``log``; raise RuntimeFailure with the tail on error."""
    lines: list[str] = []
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        lines.append(line)
        log(line)
    if proc.wait() != 0:
        raise RuntimeFailure(f"{what} failed with exit code {proc.returncode}", lines[-20:])
