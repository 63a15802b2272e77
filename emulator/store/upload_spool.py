"""Large upload bodies written once, hashed while they arrive, and kept out of the page cache.

Waitress reads a whole request body before the app sees it (so a client that vanishes mid-upload
never reaches the handler). For artifact and object uploads this module is the buffer it reads
into: each piece waitress receives is copied once into a ring of 4 MiB memory segments, and two
threads take every segment from there: one updates MD5 (OCI's ``content-md5``, due when the save
returns), one writes it to a file in the blob store's own directory. When the body is complete the
store only waits for them to catch up, syncs the file and links it into place: one copy on the
server's side, and hashing overlaps the transfer, so a save costs about the slower of receiving
the bytes and one core's MD5. The ring has at most ``SEGMENTS`` segments per upload: when a thread
falls behind, receiving waits for it, and memory stays flat for any size. SHA-256 is not computed
here: on two cores shared with the client it took the CPU MD5 needed, and its readers compute it
when first asked (``emulator.data_science.artifacts.with_sha256``, snapshots).

The file is written with ``O_DIRECT`` where the file system allows it: the disk reads the bytes
straight from the ring, and no page-cache page is filled. On a virtual machine the first touch of a
page-cache page whose memory the host has taken back costs more CPU than the MD5 of its bytes
(measured: about 2 s per GiB, the largest cost of a save; see docs/benchmarks-serving.md). Where
``O_DIRECT`` is refused the file is written through the page cache and synced every 64 MiB.

The file is created with ``O_TMPFILE`` where the file system has it: it has no name until the store
links it, so an upload cut off at any moment, even by ``kill -9``, leaves nothing on disk. Elsewhere
it is a named ``.part`` file that ``close()`` (and the emulator's start-up collection) removes.
"""
from __future__ import annotations

import base64
import errno
import fcntl
import functools
import hashlib
import io
import mmap
import os
import secrets
import threading
from pathlib import Path
from typing import Any, Callable

from emulator import private

THRESHOLD = 1024 * 1024  # smaller bodies stay in waitress's own memory buffer
SEGMENT = 4 * 1024 * 1024
SEGMENTS = 6  # per upload: at most 24 MiB of memory, allocated as the body grows
_ALIGN = 4096  # O_DIRECT offsets and lengths: a multiple of any disk's logical block
_SYNC_EVERY = 16  # segments (64 MiB): how often a buffered file is pushed to disk meanwhile
_GAVE_UP = 1 << 62  # a consumer that failed counts as having taken every segment


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
        self.direct = _set_direct(self.fd, True)
        self.size = 0
        self.closed = False
        self.adopted = False
        self._cond = threading.Condition()
        self._ring: list[mmap.mmap] = []
        self._filled = 0  # segments handed to the threads
        self._fill = 0  # bytes in the segment being filled
        self._complete = False
        self._count = -1  # segments in all, once complete (the last one may be partial)
        self._abandoned = False  # closed before the store adopted it: nothing more is needed
        self._taken: dict[str, int] = {}  # segments each thread has finished with
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._errors: list[BaseException] = []
        self._reader_fd: int | None = None
        consumers: dict[str, Callable[[int, memoryview], None]] = {
            "md5": lambda index, data: self._md5.update(data), "write": self._write}
        self._threads = []
        for name, consume in consumers.items():
            self._taken[name] = 0
            self._threads.append(threading.Thread(target=self._consume, args=(name, consume), daemon=True,
                                                  name=f"spool-{name}"))
        for thread in self._threads:
            thread.start()

    # waitress's buffer interface ---------------------------------------------------------------
    def append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._fill == 0 and not self._slot_free():
                return  # abandoned: the bytes are not needed
            segment = self._ring[self._filled % SEGMENTS]
            count = min(len(view), SEGMENT - self._fill)
            segment[self._fill:self._fill + count] = view[:count]
            self._fill += count
            view = view[count:]
            with self._cond:
                self.size += count
                if self._fill == SEGMENT:
                    self._filled, self._fill = self._filled + 1, 0
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
        if not self.adopted:
            with self._cond:
                self._abandoned = True
        self._finish_threads()
        if not self.adopted and self.path is not None:
            self.path.unlink(missing_ok=True)
        for fd in (self.fd, self._reader_fd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        for segment in self._ring:
            segment.close()

    # the store's side --------------------------------------------------------------------------
    def finish(self) -> tuple[int, str]:
        """Wait for MD5 and the file to catch up: (size, MD5 base64)."""
        self._finish_threads()
        if self._errors:
            raise self._errors[0]
        os.fsync(self.fd)
        return self.size, base64.b64encode(self._md5.digest()).decode()

    def link(self, target: Path) -> None:
        """Give the complete upload its final name (the store then records it)."""
        if self.path is None:
            os.link(f"/proc/self/fd/{self.fd}", target, follow_symlinks=True)
        else:
            os.replace(self.path, target)
        self.adopted = True

    def read_at(self, buffer: Any, offset: int) -> int:
        """Read the complete body's bytes at ``offset`` (through the page cache, after every write)."""
        if self._reader_fd is None:
            self._finish_threads()
            if self._errors:
                raise OSError(f"the spooled body could not be written: {self._errors[0]}")
            self._reader_fd = os.open(f"/proc/self/fd/{self.fd}", os.O_RDONLY | os.O_CLOEXEC)
        return os.preadv(self._reader_fd, [buffer], offset)

    # the ring ----------------------------------------------------------------------------------
    def _slot_free(self) -> bool:
        """Wait until the next segment's slot is free (every thread took its last bytes); False when abandoned."""
        with self._cond:
            while self._filled - min(self._taken.values()) >= SEGMENTS and not self._abandoned:
                self._cond.wait()
            if self._abandoned:
                return False
        if len(self._ring) < SEGMENTS and self._filled >= len(self._ring):
            self._ring.append(mmap.mmap(-1, SEGMENT))  # page-aligned, as O_DIRECT needs
        return True

    def _finish_threads(self) -> None:
        with self._cond:
            if not self._complete:
                self._complete = True
                self._count = self._filled + (1 if self._fill else 0)
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()

    def _consume(self, name: str, consume: Callable[[int, memoryview], None]) -> None:
        """Hand each segment, in order, to ``consume`` (segment index, its bytes) until the body ends."""
        index = 0
        try:
            while True:
                with self._cond:
                    while index >= self._filled and not (self._complete or self._abandoned):
                        self._cond.wait()
                    if self._abandoned or (self._complete and index >= self._count):
                        return
                    length = SEGMENT if index < self._filled else self._fill
                with memoryview(self._ring[index % SEGMENTS]) as segment:
                    consume(index, segment[:length])
                index += 1
                with self._cond:
                    self._taken[name] = index
                    self._cond.notify_all()
        except BaseException as exc:  # noqa: BLE001 - reported by finish()
            self._errors.append(exc.with_traceback(None))  # its frames would hold the ring's memory
            with self._cond:
                self._taken[name] = _GAVE_UP
                self._cond.notify_all()

    def _write(self, index: int, data: memoryview) -> None:
        offset = index * SEGMENT
        if self.direct and len(data) % _ALIGN:  # the last, partial segment: padded, then cut to size
            padded = -(-len(data) // _ALIGN) * _ALIGN
            with memoryview(self._ring[index % SEGMENTS]) as segment:
                _write_all(self.fd, segment[:padded], offset)
            os.ftruncate(self.fd, offset + len(data))
            return
        try:
            _write_all(self.fd, data, offset)
        except OSError as exc:
            if not (self.direct and exc.errno == errno.EINVAL):
                raise
            self.direct = _set_direct(self.fd, False)  # a disk with larger blocks: through the page cache
            _write_all(self.fd, data, offset)
        if not self.direct and (index + 1) % _SYNC_EVERY == 0:
            os.fdatasync(self.fd)  # so the final fsync finds little left


def _write_all(fd: int, data: memoryview, offset: int) -> None:
    while data:
        written = os.pwrite(fd, data, offset)
        data, offset = data[written:], offset + written


def _set_direct(fd: int, on: bool) -> bool:
    """Turn ``O_DIRECT`` on or off for ``fd``; whether it is on (some file systems refuse it)."""
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(fd, fcntl.F_SETFL, (flags | os.O_DIRECT) if on else (flags & ~os.O_DIRECT))
    except OSError:
        return False
    return on


class SpoolReader(io.RawIOBase):
    """What the app reads as ``wsgi.input``: the spooled body from its start."""

    def __init__(self, spool: UploadSpool) -> None:
        super().__init__()
        self.upload_spool = spool
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.upload_spool.read_at(buffer, self._pos)
        self._pos += count
        return count

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
