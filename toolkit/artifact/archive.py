"""The artifact zip: pack an artifact directory for the catalog, and unpack one safely.

This module is the one owner of the zip. ``GenericModel.from_model_artifact``, introspection,
the catalog (save, download, promote) all go through it, so there is one .model-ignore reader,
one path-traversal guard and one zip writer.

The zip carries ``model_artifact_manifest.json`` (``{version, generated_by, generated_at,
files: {relpath: {sha256, size}}}``, the format ADS writes), so whoever downloads the artifact can
prove it is byte-for-byte what was saved. Both directions stream file by file through fixed-size
buffers: an artifact of any size never sits in memory. Extraction is ``emulator.unzip`` (shared
with deployments): zip-slip and zip-bomb guards, and nothing left behind on failure.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import IO, Iterator

from emulator import unzip
from emulator.unzip import ZipLimits, artifact_root
from toolkit.artifact.errors import ArtifactIntegrityError, ArtifactNotFoundError, UnsafeArchiveError

__all__ = [
    "CHUNK", "IGNORE_FILE", "MANIFEST_NAME", "ArtifactIntegrityError", "UnsafeArchiveError", "ZipLimits", "ZippedArtifact",
    "artifact_files", "artifact_root", "extract_fresh", "file_sha256", "is_ignored", "read_ignore_patterns",
    "safe_extract", "verify_manifest", "zip_artifact",
]

MANIFEST_NAME = "model_artifact_manifest.json"
IGNORE_FILE = ".model-ignore"
MANIFEST_VERSION = "1.0"
CHUNK = 1024 * 1024
# Always left out, whatever .model-ignore says: caches and VCS data are never part of a model.
BUILTIN_IGNORES = ("__pycache__/", "*.pyc", ".git/", ".ipynb_checkpoints/", ".DS_Store", MANIFEST_NAME)


@dataclass(frozen=True)
class ZippedArtifact:
    """A zip on disk ready to upload, with what the upload needs to know about it."""

    path: Path
    size: int
    sha256: str
    manifest: dict

    def cleanup(self) -> None:
        """Remove the temporary zip (the caller owns it once zip_artifact returns)."""
        self.path.unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------
# What belongs in the artifact
# --------------------------------------------------------------------------------------------

def read_ignore_patterns(artifact_dir: Path) -> list[str]:
    """Patterns of ``.model-ignore`` (gitignore-like: globs, ``dir/`` for directories, # comments)."""
    path = Path(artifact_dir) / IGNORE_FILE
    if not path.is_file():
        return list(BUILTIN_IGNORES)
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return list(BUILTIN_IGNORES) + [line for line in lines if line and not line.startswith("#")]


def is_ignored(relpath: str, is_dir: bool, patterns: list[str]) -> bool:
    """Whether ``relpath`` (posix, relative to the artifact root) matches an ignore pattern.

    A pattern without a slash matches the name at any depth; one with a slash matches from the
    root; a trailing slash restricts it to directories (whose whole subtree is then skipped).
    """
    name = PurePosixPath(relpath).name
    for raw in patterns:
        dir_only = raw.endswith("/")
        pattern = raw.rstrip("/").lstrip("/")
        if dir_only and not is_dir:
            continue
        if "/" in pattern:
            if fnmatch.fnmatchcase(relpath, pattern):
                return True
        elif fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def artifact_files(artifact_dir: Path) -> Iterator[tuple[Path, str]]:
    """(absolute path, posix relpath) of every file that goes in the zip, sorted, honouring .model-ignore.

    Introspection sizes the artifact with the same walk, so its size check measures what is uploaded.
    """
    artifact_dir = Path(artifact_dir)
    patterns = read_ignore_patterns(artifact_dir)
    for root, dirs, files in os.walk(artifact_dir):
        rel_root = Path(root).relative_to(artifact_dir).as_posix()
        prefix = "" if rel_root == "." else rel_root + "/"
        dirs[:] = sorted(d for d in dirs if not is_ignored(prefix + d, True, patterns))
        for name in sorted(files):
            relpath = prefix + name
            if not is_ignored(relpath, False, patterns):
                yield Path(root) / name, relpath


# --------------------------------------------------------------------------------------------
# Packing
# --------------------------------------------------------------------------------------------

def zip_artifact(artifact_dir: str | os.PathLike[str], target: str | os.PathLike[str] | None = None) -> ZippedArtifact:
    """Zip ``artifact_dir`` (files at the zip root, as OCI expects) plus a SHA-256 manifest.

    Writes to ``target`` or a new temp file; each file is hashed while it is copied into the
    zip, so it is read once.
    """
    root = Path(artifact_dir).expanduser().resolve()
    if not root.is_dir():
        raise ArtifactNotFoundError(f"artifact directory {root} does not exist",
                                    hint="prepare() the model first, or pass the directory that holds score.py.")
    out = Path(target) if target else Path(tempfile.mkstemp(prefix="dockyard-artifact-", suffix=".zip")[1])
    files: dict[str, dict] = {}
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for path, relpath in artifact_files(root):
                files[relpath] = _add_file(zf, path, relpath)
            manifest = _manifest(files)
            zf.writestr(MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True))
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return ZippedArtifact(path=out, size=out.stat().st_size, sha256=file_sha256(out), manifest=manifest)


def _add_file(zf: zipfile.ZipFile, path: Path, relpath: str) -> dict:
    """Copy one file into the zip in chunks, returning its manifest entry."""
    info = zipfile.ZipInfo.from_file(path, relpath)
    info.compress_type = zipfile.ZIP_DEFLATED if _compressible(path) else zipfile.ZIP_STORED
    with open(path, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
        return _copy_hashing(src, dst)


def _copy_hashing(src: IO[bytes], dst: IO[bytes]) -> dict:
    """Copy ``src`` to ``dst`` in CHUNK pieces; the manifest entry ``{sha256, size}`` of what passed."""
    digest, size = hashlib.sha256(), 0
    while chunk := src.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        dst.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _compressible(path: Path) -> bool:
    """Whether deflating pays: weights and nested archives barely shrink, and deflating them is
    ~50x slower than storing them, so a file whose first MiB saves under 10% is stored as is."""
    with open(path, "rb") as f:
        head = f.read(CHUNK)
    return len(head) < 4096 or len(zlib.compress(head, 1)) < 0.9 * len(head)


def _manifest(files: dict[str, dict]) -> dict:
    return {
        "version": MANIFEST_VERSION,
        "generated_by": "dockyard",
        "generated_at": datetime.now(timezone.utc).isoformat(),
        "files": files,
    }


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# Unpacking
# --------------------------------------------------------------------------------------------

def safe_extract(zip_path: str | os.PathLike[str], target: str | os.PathLike[str],
                 limits: ZipLimits | None = None) -> dict | None:
    """Extract into ``target``; verify the manifest if the zip has one.

    The extraction is ``emulator.unzip.extract``, the one deployments use too: every member is
    checked before anything is written (zip-slip), the unpacked size and compression ratio are
    held to ``limits`` (default: ``DOCKYARD_MAX_UNZIPPED_BYTES`` / ``DOCKYARD_MAX_ZIP_RATIO``), and a
    refused, broken or manifest-mismatching zip leaves nothing behind. Returns the manifest (None
    for zips without one, e.g. made by hand)."""
    zip_path = Path(zip_path).expanduser()
    if not zip_path.is_file():
        raise ArtifactNotFoundError(f"{zip_path} does not exist.")
    dest = Path(target).expanduser().resolve()
    found: list[dict] = []

    def check_manifest(digests: dict[str, dict]) -> None:
        manifest = _read_manifest(dest / MANIFEST_NAME) if MANIFEST_NAME in digests else None
        if manifest is not None:
            verify_manifest(manifest, digests)
            found.append(manifest)

    try:
        unzip.extract(zip_path, dest, limits, check=check_manifest)
    except unzip.UnsafeZip as exc:
        raise UnsafeArchiveError(f"{zip_path.name}: {exc.message}", hint=exc.hint) from None
    return found[0] if found else None


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_bytes())
    except ValueError as exc:
        raise ArtifactIntegrityError(f"{MANIFEST_NAME} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ArtifactIntegrityError(f"{MANIFEST_NAME} has no 'files' mapping")
    return manifest


def verify_manifest(manifest: dict, digests: dict[str, dict | None]) -> None:
    """Every file the manifest lists must be present with the same SHA-256 and size."""
    problems = []
    for relpath, expected in manifest["files"].items():
        actual = digests.get(relpath)
        if actual is None:
            problems.append(f"{relpath}: missing")
        elif actual["sha256"] != expected.get("sha256") or actual["size"] != expected.get("size", actual["size"]):
            problems.append(f"{relpath}: sha256 {actual['sha256']} != manifest {expected.get('sha256')}")
    if problems:
        raise ArtifactIntegrityError("artifact does not match its manifest: " + "; ".join(problems),
                                     hint="Download it again; if it still differs, save the model again.")


def extract_fresh(zip_path: str | os.PathLike[str], target: str | os.PathLike[str], force: bool = False,
                  limits: ZipLimits | None = None) -> Path:
    """Extract into ``target``, which must be empty unless ``force`` (then it is replaced).

    Returns the artifact root (see ``artifact_root``): ``target`` itself for the flat zips the
    catalog stores, its single top folder for a zip made by hand around a folder.
    """
    dest = Path(target).expanduser()
    if dest.exists() and any(dest.iterdir()):
        if not force:
            raise FileExistsError(f"{dest} is not empty; pass force/--force to replace it")
        shutil.rmtree(dest)
    safe_extract(zip_path, dest, limits)
    return artifact_root(dest)
