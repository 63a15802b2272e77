"""Zip an artifact directory (honouring .model-ignore) and extract artifact zips safely.

Extraction refuses members that would land outside the target (absolute paths, ``..``, symlinks),
the zip-slip class of bugs, and streams each member to disk instead of reading it into memory.
"""
from __future__ import annotations

import fnmatch
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from toolkit.artifact.errors import ArtifactNotFoundError, UnsafeArchiveError

IGNORE_FILE = ".model-ignore"


def ignore_patterns(artifact_dir: Path) -> list[str]:
    path = Path(artifact_dir) / IGNORE_FILE
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _ignored(relative: PurePosixPath, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith("/"):
            if any(fnmatch.fnmatch(part, pattern.rstrip("/")) for part in relative.parts[:-1]):
                return True
        elif fnmatch.fnmatch(relative.name, pattern) or fnmatch.fnmatch(str(relative), pattern):
            return True
    return False


def artifact_files(artifact_dir: Path) -> list[Path]:
    """Files that belong in the artifact zip, sorted, without those .model-ignore lists."""
    root = Path(artifact_dir)
    patterns = ignore_patterns(root)
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not _ignored(PurePosixPath(path.relative_to(root).as_posix()), patterns):
            files.append(path)
    return files


def zip_artifact(artifact_dir: Path, destination: Path) -> Path:
    """Write the artifact as a flat zip (files at the top level, as the catalog expects)."""
    root = Path(artifact_dir)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in artifact_files(root):
            archive.write(path, path.relative_to(root).as_posix())
    return Path(destination)


def _target(member: zipfile.ZipInfo, root: Path) -> Path:
    name = member.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or (parts and ":" in parts[0]) or ".." in parts:
        raise UnsafeArchiveError(
            f"Refusing to extract {name!r}: the path leaves the extraction directory (path traversal).",
            hint="Rebuild the zip with paths relative to the artifact directory.",
        )
    if stat.S_ISLNK(member.external_attr >> 16):
        raise UnsafeArchiveError(f"Refusing to extract {name!r}: it is a symbolic link.",
                                 hint="Store the file itself in the zip, not a link to it.")
    target = (root / Path(*parts)).resolve() if parts else root
    if root != target and root not in target.parents:
        raise UnsafeArchiveError(f"Refusing to extract {name!r}: it resolves outside {root}.")
    return target


def safe_extract(zip_path: Path, destination: Path) -> Path:
    """Extract ``zip_path`` into ``destination``; the artifact root (where score.py is) is returned.

    Every member is checked before anything is written, so a bad zip leaves nothing behind.
    """
    zip_path = Path(zip_path)
    if not zip_path.exists():
        raise ArtifactNotFoundError(f"{zip_path} does not exist.")
    root = Path(destination).resolve()
    root.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        members = [(m, _target(m, root)) for m in archive.infolist()]
        for member, target in members:
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink, 1024 * 1024)
    return artifact_root(root)


def artifact_root(directory: Path) -> Path:
    """The folder holding score.py/runtime.yaml: the directory itself, or its single subfolder."""
    directory = Path(directory)
    if (directory / "score.py").exists() or (directory / "runtime.yaml").exists():
        return directory
    children = [c for c in directory.iterdir() if not c.name.startswith((".", "__MACOSX"))]
    if len(children) == 1 and children[0].is_dir():
        return artifact_root(children[0])
    return directory
