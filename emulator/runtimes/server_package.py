"""A copy of the inference server package, named ``dockyard_inference``, for images and subprocesses.

Copying (rather than importing ``emulator.inference`` in place) keeps the server honest about
being self-contained: it runs with nothing of Dockyard around it, exactly as in a container.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from pathlib import Path

PACKAGE_NAME = "dockyard_inference"
SOURCE = Path(__file__).resolve().parents[1] / "inference"
# The CPU LLM stand-in (emulator/llm_server), copied the same way as ``dockyard_llm``.
LLM_PACKAGE_NAME = "dockyard_llm"
LLM_SOURCE = Path(__file__).resolve().parents[1] / "llm_server"


def source_hash(source: Path = SOURCE) -> str:
    """Hash of the server's source files, so images and copies change when the server does."""
    digest = hashlib.sha256()
    for path in sorted(source.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def copy_to(parent: Path, source: Path = SOURCE, name: str = PACKAGE_NAME) -> Path:
    """Copy the server into ``parent/<name>`` (replacing an older copy); returns that dir."""
    target = parent / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for path in source.glob("*.py"):
        shutil.copy2(path, target / path.name)
    return target


def cached_copy(home: Path, source: Path = SOURCE, name: str = PACKAGE_NAME) -> Path:
    """A copy under ``<home>/runtime/<name>-<hash>`` (made once per server version); returns its parent
    directory, the one to put on PYTHONPATH.

    Deployments start on threads of their own, so the first ones of a home ask for the copy at the same
    moment: one thread makes it while the others wait, in a folder of its own that is renamed into place
    whole (a shared temporary folder, emptied by each newcomer, once failed a deployment mid-copy)."""
    parent = home / "runtime" / (f"server-{source_hash()}" if name == PACKAGE_NAME else f"{name}-{source_hash(source)}")
    if _complete(parent, name):
        return parent
    with _copying:
        if not _complete(parent, name):
            parent.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f"{parent.name}.", suffix=".tmp", dir=parent.parent))
            copy_to(tmp, source, name)
            shutil.rmtree(parent, ignore_errors=True)
            try:
                tmp.rename(parent)
            except OSError:  # another process sharing the home put its copy there first
                shutil.rmtree(tmp, ignore_errors=True)
                if not _complete(parent, name):
                    raise
    return parent


_copying = threading.Lock()


def _complete(parent: Path, name: str) -> bool:
    return (parent / name / "__init__.py").is_file()


def gunicorn_args(package_parent: Path | str) -> list[str]:
    """The gunicorn arguments that serve the copied package."""
    return ["-c", f"{package_parent}/{PACKAGE_NAME}/gunicorn_conf.py", f"{PACKAGE_NAME}.wsgi:app"]
