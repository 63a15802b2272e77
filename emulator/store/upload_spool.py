"""Large upload bodies written once, hashed while they arrive.

Waitress reads a whole request body before the app sees it (so a client that vanishes mid-upload
never reaches the handler). For artifact and object uploads this module is the buffer it reads
into: the bytes go straight into a file in the blob store's own directory, and two threads hash
that file (MD5 for ``content-md5``, SHA-256 for the record) as it grows, reading it back from the
page cache. When the body is complete the store only waits for the hashes to catch up, syncs the
file and links it into place: no second copy, and hashing overlaps the transfer, so a save costs
about the slower of receiving the bytes and one core's MD5.

The file is created with ``O_TMPFILE`` where the file system has it: it has no name until the store
links it, so an upload cut off at any moment, even by ``kill -9``, leaves nothing on disk. Elsewhere
it is a named ``.part`` file that ``close()`` (and the emulator's start-up collection) removes.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import io
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from emulator import private

THRESHOLD = 1024 * 1024  # smaller bodies stay in waitress's own memory buffer
_READ = 4 * 1024 * 1024
_SYNC_EVERY = 64 * 1024 * 1024


class UploadSpool:
    """A waitress body buffer (``append``, ``getfile``, ``close``, ``__len__``) that is also the blob."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        private.make_dir(self.directory)
        self.path: Path | None = None
        if _nameless_files_link(str(self.directory)):
            self.fd = os.open(self.directory, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
        else:  # no O_TMPFILE (or no linking it) here: a named part file
            self.path = self.directory / f"{secrets.token_hex(8)}.part"
            self.fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC, 0o600)
        self.size = 0
        self.closed = False
        self.adopted = False
        self._cond = threading.Condition()
        self._complete = False
        self._abandoned = False  # closed before the store adopted it: the hashes are not needed
        self._digests: dict[str, Any] = {}
        self._errors: list[BaseException] = []
        self._threads = [threading.Thread(target=self._hash, args=(name,), daemon=True, name=f"spool-{name}")
                         for name in ("md5", "sha256")]
        self._threads.append(threading.Thread(target=self._sync, daemon=True, name="spool-sync"))
        for thread in self._threads:
            thread.start()

    # waitress's buffer interface ---------------------------------------------------------------
    def append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        with self._cond:
            self.size += len(data)
            self._cond.notify_all()

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        return True

    def getfile(self) -> "SpoolReader":
        return SpoolReader(self)

    def close(self) -> None:
        """Drop the upload unless the store adopted it (an interrupted or refused request)."""
        if self.closed:
            return
        self.closed = True
        self._abandoned = not self.adopted
        self._finish_threads()
        if not self.adopted and self.path is not None:
            self.path.unlink(missing_ok=True)
        try:
            os.close(self.fd)
        except OSError:
            pass

    # the store's side --------------------------------------------------------------------------
    def finish(self) -> tuple[int, str, str]:
        """Wait for the hashes and the sync to catch up: (size, SHA-256 hex, MD5 base64)."""
        self._finish_threads()
        if self._errors:
            raise self._errors[0]
        os.fsync(self.fd)
        return self.size, self._digests["sha256"].hexdigest(), base64.b64encode(self._digests["md5"].digest()).decode()

    def link(self, target: Path) -> None:
        """Give the complete upload its final name (the store then records it)."""
        if self.path is None:
            os.link(f"/proc/self/fd/{self.fd}", target, follow_symlinks=True)
        else:
            os.replace(self.path, target)
        self.adopted = True

    def _finish_threads(self) -> None:
        with self._cond:
            self._complete = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()

    def _wait_for(self, done: int) -> int:
        """Block until more than ``done`` bytes are written (or the body is complete): the size now."""
        with self._cond:
            while self.size <= done and not self._complete:
                self._cond.wait()
            return self.size

    def _hash(self, name: str) -> None:
        digest = hashlib.md5(usedforsecurity=False) if name == "md5" else hashlib.sha256()
        self._digests[name] = digest
        done = 0
        try:
            while True:
                size = self._wait_for(done)
                if size <= done or self._abandoned:
                    return
                while done < size and not self._abandoned:
                    chunk = os.pread(self.fd, min(_READ, size - done), done)
                    if not chunk:
                        return
                    digest.update(chunk)
                    done += len(chunk)
        except BaseException as exc:  # noqa: BLE001 - reported by finish()
            self._errors.append(exc)

    def _sync(self) -> None:
        """Push written data to disk every 64 MiB meanwhile, so the final fsync finds little left."""
        synced = 0
        try:
            while True:
                size = self._wait_for(synced + _SYNC_EVERY - 1)
                if size <= synced or self._complete:
                    return
                os.fdatasync(self.fd)
                synced = size
        except OSError:
            return


class SpoolReader(io.RawIOBase):
    """What the app reads as ``wsgi.input``: the spooled body from its start."""

    def __init__(self, spool: UploadSpool) -> None:
        super().__init__()
        self.upload_spool = spool
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = os.pread(self.upload_spool.fd, len(buffer), self._pos)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = offset if whence == 0 else (self._pos + offset if whence == 1 else self.upload_spool.size + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


@functools.lru_cache(maxsize=16)
def _nameless_files_link(directory: str) -> bool:
    """Whether this directory's file system makes ``O_TMPFILE`` files and links them into a name."""
    try:
        fd = os.open(directory, os.O_TMPFILE | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except (AttributeError, OSError):
        return False
    probe = os.path.join(directory, f".probe-{secrets.token_hex(6)}")
    try:
        os.link(f"/proc/self/fd/{fd}", probe, follow_symlinks=True)
        os.unlink(probe)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def spool_of(stream: Any) -> UploadSpool | None:
    """The spool behind a request body stream (werkzeug's LimitedStream wraps ours), or None."""
    for candidate in (stream, getattr(stream, "_stream", None)):
        spool = getattr(candidate, "upload_spool", None)
        if spool is not None:
            return spool
    return None
