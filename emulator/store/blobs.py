"""Artifact and object bytes on disk, written atomically and never held whole in memory.

An upload is streamed to a temp file while its SHA-256 and MD5 are computed (a large body the
server spooled: MD5 only, SHA-256 when a reader first asks), fsynced, and only then renamed to a
fresh unique name. Callers record that name in the database afterwards, so an
interrupted upload never leaves a record pointing at missing or partial bytes. What a crash can
leave is a temp file, or a complete blob that no record names (killed between the rename and the
record): :meth:`BlobStore.collect_orphans` removes both when an emulator starts on the home.
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, Collection

from emulator import private
from emulator.store.upload_spool import UploadSpool, spool_of

CHUNK = 4 * 1024 * 1024
SYNC_EVERY = 32 * 1024 * 1024
# Test-only: "<n>:<flag file>" makes this process's n-th blob write create <flag file> and stop
# right after its rename, before the caller records it, so a test can kill -9 it in that window.
# Blobs the emulator writes for itself at start (prefix SEED_PREFIX: the service conda packs) do not count.
PAUSE_ENV = "DOCKYARD_TEST_PAUSE_AFTER_BLOB_RENAME"
SEED_PREFIX = "seed"
_writes = [0]
_writes_lock = threading.Lock()


class IncompleteUpload(Exception):
    """The body ended (or the client vanished) before the announced length arrived."""


class UploadTooLarge(Exception):
    """The body is bigger than the limit the caller set."""


@dataclass
class BlobInfo:
    """Where a blob lives (``name``, relative to the store) and what it contains."""

    name: str
    size: int
    sha256: str  # hex; "" for a spooled upload until a reader asks (:meth:`BlobStore.sha256`)
    md5: str  # base64, the form of the Content-MD5 header

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BlobInfo":
        return cls(**{k: data[k] for k in ("name", "size", "sha256", "md5")})


class BlobStore:
    """Immutable blobs under ``root``; each write creates a new file and never overwrites one."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tmp = private.make_dir(self.root / "tmp")

    def collect_orphans(self, referenced: set[str]) -> list[str]:
        """Remove partial uploads and the blobs no record names (a crash between a blob's rename
        and its record); returns the names removed. Only for a store no other process is writing."""
        removed = []
        for leftover in self._tmp.iterdir():
            leftover.unlink(missing_ok=True)
            removed.append(leftover.name)
        for shard in self.root.iterdir():
            if shard == self._tmp or not shard.is_dir():
                continue
            for blob in shard.iterdir():
                if blob.name not in referenced:
                    blob.unlink(missing_ok=True)
                    removed.append(blob.name)
        return removed

    def write(self, stream: BinaryIO | IO[bytes], max_bytes: int, expected_length: int | None = None,
              prefix: str = "blob") -> BlobInfo:
        """Stream ``stream`` into a new blob; raise without leaving anything behind when it is
        larger than ``max_bytes`` or shorter than ``expected_length``. A body the server spooled
        into this store while it arrived (``upload_spool``) is adopted as it is: hashed meanwhile,
        only synced and linked here."""
        spool = spool_of(stream)
        if spool is not None:
            return self._adopt(spool, max_bytes, expected_length, prefix)
        tmp = self._tmp / f"{secrets.token_hex(8)}.part"
        try:
            size, sha256, md5 = self._copy(stream, tmp, max_bytes, expected_length)
            name = f"{prefix}-{secrets.token_hex(12)}"
            final = self.path(name)
            private.make_dir(final.parent)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
            if prefix != SEED_PREFIX:
                _pause_if_asked()
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return BlobInfo(name, size, sha256.hexdigest(), base64.b64encode(md5.digest()).decode())

    def _adopt(self, spool: UploadSpool, max_bytes: int, expected: int | None, prefix: str) -> BlobInfo:
        size, md5 = spool.finish()
        if size > max_bytes:
            raise UploadTooLarge(f"more than {max_bytes} bytes")
        if expected is not None and size != expected:
            raise IncompleteUpload(f"received {size} of {expected} bytes")
        name = f"{prefix}-{secrets.token_hex(12)}"
        final = self.path(name)
        private.make_dir(final.parent)
        spool.link(final)
        try:
            _fsync_dir(final.parent)
            _pause_if_asked()
        except BaseException:
            final.unlink(missing_ok=True)
            raise
        return BlobInfo(name, size, "", md5)

    def sha256(self, name: str) -> str:
        """The SHA-256 (hex) of a stored blob, read from its file: for a blob stored without one."""
        return file_sha256(self.path(name))

    @property
    def spool_dir(self) -> Path:
        """Where the server spools upload bodies: this store's own temp directory (same file system)."""
        return self._tmp

    def write_bytes(self, data: bytes, prefix: str = "blob") -> BlobInfo:
        import io

        return self.write(io.BytesIO(data), max_bytes=len(data), expected_length=len(data), prefix=prefix)

    def clone(self, info: BlobInfo, prefix: str = "blob") -> BlobInfo:
        """A new blob with the same bytes as ``info`` (a hard link: instant, no extra space)."""
        source = self.path(info.name)
        new_name = f"{prefix}-{secrets.token_hex(12)}"
        target = self.path(new_name)
        private.make_dir(target.parent)
        try:
            os.link(source, target)
        except OSError:
            import shutil

            tmp = self._tmp / f"{secrets.token_hex(8)}.part"
            with open(source, "rb") as src, private.open_file(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
            os.replace(tmp, target)
        return BlobInfo(new_name, info.size, info.sha256, info.md5)

    def concat(self, names: list[str], prefix: str = "blob") -> BlobInfo:
        """A new blob holding the given blobs back to back (multipart commit)."""
        return self.write(_ConcatReader([self.path(n) for n in names]), max_bytes=1 << 62, prefix=prefix)

    @staticmethod
    def _copy(stream: Any, tmp: Path, max_bytes: int, expected: int | None) -> tuple[int, Any, Any]:
        """Copy while hashing, with the three slow parts overlapped: MD5 and SHA-256 of each chunk on
        two threads (hashlib releases the GIL) while it is written, and the written data synced to
        disk in the background every ``SYNC_EVERY`` bytes, so the final fsync finds little left."""
        sha256, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
        buffer = memoryview(bytearray(CHUNK))  # reused for every chunk: memory stays flat for any size
        unsynced, syncing = 0, None
        with private.open_file(tmp, "wb") as out, ThreadPoolExecutor(max_workers=3, thread_name_prefix="blob") as pool:
            while True:
                chunk = _read_into(stream, buffer)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(f"more than {max_bytes} bytes")
                hashing = (pool.submit(sha256.update, chunk), pool.submit(md5.update, chunk))
                out.write(chunk)
                unsynced += len(chunk)
                if unsynced >= SYNC_EVERY and (syncing is None or syncing.done()):
                    out.flush()
                    syncing, unsynced = pool.submit(os.fdatasync, out.fileno()), 0
                for future in hashing:
                    future.result()
            if syncing is not None:
                syncing.result()
            if expected is not None and size != expected:
                raise IncompleteUpload(f"received {size} of {expected} bytes")
            out.flush()
            os.fsync(out.fileno())
        return size, sha256, md5

    def path(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"not a blob name: {name!r}")
        return self.root / name[-2:] / name

    def names(self) -> set[str]:
        """The name of every blob stored now."""
        return {blob.name for shard in self.root.iterdir() if shard != self._tmp and shard.is_dir()
                for blob in shard.iterdir()}

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def open(self, name: str) -> BinaryIO:
        return open(self.path(name), "rb")

    def delete(self, name: str | None) -> None:
        if name:
            self.path(name).unlink(missing_ok=True)

    def clear(self, keep: Collection[str] = ()) -> None:
        """Remove every blob but those named in ``keep`` (and any partial upload): the store is as new."""
        for path in self.root.rglob("*"):
            if path.is_file() and path.name not in keep:
                path.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    """The SHA-256 (hex) of a file, read into one reused buffer (a fresh 4 MiB object per read
    costs more in page faults than the hashing: measured 2x the system time)."""
    digest, buffer = hashlib.sha256(), memoryview(bytearray(CHUNK))
    with open(path, "rb", buffering=0) as source:
        while count := source.readinto(buffer):
            digest.update(buffer[:count])
    return digest.hexdigest()


def _pause_if_asked() -> None:
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    count, _, flag = spec.partition(":")
    with _writes_lock:
        _writes[0] += 1
        here = _writes[0] == int(count)
    if here:
        Path(flag).write_text(str(os.getpid()))
        while True:  # until the test kills the process
            time.sleep(60)


def _read_into(stream: Any, buffer: memoryview) -> memoryview:
    """Fill ``buffer`` from the body; a vanished client or short body becomes :class:`IncompleteUpload`."""
    try:
        if hasattr(stream, "readinto"):
            count = stream.readinto(buffer)
            return buffer[: count or 0]
        data = stream.read(len(buffer))
        buffer[: len(data)] = data
        return buffer[: len(data)]
    except (OSError, ValueError) as exc:
        raise IncompleteUpload(str(exc)) from exc
    except Exception as exc:  # werkzeug's ClientDisconnected (a BadRequest) without importing werkzeug here
        if type(exc).__name__ in ("ClientDisconnected", "BadRequest"):
            raise IncompleteUpload(str(exc)) from exc
        raise


class _ConcatReader:
    """A read()-able view over several files in order, without loading any of them whole."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths = list(paths)
        self._current: BinaryIO | None = None

    def read(self, n: int = CHUNK) -> bytes:
        while True:
            if self._current is None:
                if not self._paths:
                    return b""
                self._current = open(self._paths.pop(0), "rb")
            chunk = self._current.read(n)
            if chunk:
                return chunk
            self._current.close()
            self._current = None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
