"""Building a wheelhouse on the host, so images install their requirements with no network.

``pip wheel`` runs here, where pip's index (and cache) are reachable; the image build then uses
``--no-index --find-links``. A directory gets a ``.complete`` marker only after pip succeeded, so a
half-built wheelhouse is never mistaken for a finished one. Where the wheelhouses lie under an
emulator home is this module's business: others ask :func:`build_dir` and :func:`wheel_dirs`.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from emulator.runtimes.base import LogSink, RuntimeFailure


def build_dir(home: Path, key: str) -> Path:
    """The image build context of one environment (its wheelhouse is ``wheels/`` inside)."""
    return Path(home) / "cache" / "build" / key


def wheel_dirs(home: Path) -> list[Path]:
    """The finished wheelhouses under ``home``: wheels this machine already has, for offline checks."""
    return [d for d in sorted((Path(home) / "cache" / "build").glob("*/wheels")) if (d / ".complete").is_file()]


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
