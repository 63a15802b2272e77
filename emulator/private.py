"""The emulator's home is its owner's alone: it holds models, predict payloads (in the logs) and
the local profile's key.

Directories are created 0700 and files 0600 whatever the process umask: modes are given at
creation (``os.open(..., 0o600)``, ``mkdir(mode=0o700)``), never through ``os.umask``, because the
emulator often runs inside a user's own process (the embedded default, tests). A home that an
older version left 0755/0644 is tightened when an emulator starts on it (:func:`tighten`).
"""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

DIR_MODE = 0o700
FILE_MODE = 0o600
_FLAGS = {"w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC, "a": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
          "x": os.O_WRONLY | os.O_CREAT | os.O_EXCL}
# What tighten() walks: the catalog, the blobs, the logs, the state files (venvs and build
# contexts under the home keep their modes: their executables must stay executable).
_FILES = ("catalog.db", "catalog.db-wal", "catalog.db-shm", "emulator.log", "emulator.json", "emulator.lock",
          "serving.lock")
_TREES = ("blobs", "deployments/*/logs")


def make_dir(path: str | os.PathLike[str]) -> Path:
    """``mkdir -p``, each directory it creates 0700."""
    path = Path(path)
    missing = []
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            break
        missing.append(candidate)
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by another thread or process
        os.chmod(directory, DIR_MODE)  # mkdir's mode passes through the umask
    return path


def open_file(path: str | os.PathLike[str], mode: str = "wb", encoding: str | None = None) -> IO[Any]:
    """``open(path, mode)`` for writing (``w``, ``a``, ``x``, text or binary), creating the file 0600."""
    fd = os.open(path, _FLAGS[mode[0]], FILE_MODE)
    try:
        return os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None)
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def replaced_whole(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file (0600) that replaces ``path`` when the block ends, synced first; when the block
    raises it is removed and ``path`` is left as it was. Readers (a status command, a restore, a
    client reading its token) see the old file or the new one, never half of one, even after a crash:
    the bytes go to a hidden sibling of a name of its own until the rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def create_file(path: str | os.PathLike[str]) -> None:
    """Create ``path`` empty and 0600 unless it exists (so that e.g. SQLite opens ours, and gives
    its -wal and -shm files the same mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass


def tighten(home: str | os.PathLike[str]) -> None:
    """Make an existing home private: the home 0700; its catalog, blobs, logs and state files 0600,
    their directories 0700."""
    home = Path(home)
    _chmod(home, DIR_MODE)
    for name in _FILES:
        _chmod(home / name, FILE_MODE)
    for pattern in _TREES:
        for top in home.glob(pattern):
            _chmod(top, DIR_MODE)
            for root, dirs, files in os.walk(top):
                for name in dirs:
                    _chmod(Path(root) / name, DIR_MODE)
                for name in files:
                    _chmod(Path(root) / name, FILE_MODE)


def _chmod(path: Path, mode: int) -> None:
    try:
        if not path.is_symlink() and os.stat(path).st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except FileNotFoundError:
        pass
