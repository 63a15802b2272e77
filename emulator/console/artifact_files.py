"""The files inside a catalog artifact, read for display without ever loading the artifact whole.

A zip's member list comes from its central directory (a seek to the end of the blob); one member
is decompressed as a stream and read only up to a cap, so a zip bomb or a huge file costs at most
the cap. Member names are shown, never used as paths: nothing here writes to disk.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_LISTED = 2000  # members shown; an artifact with more says how many it left out
MAX_SHOWN_BYTES = 256 * 1024  # of one text file
SCORE_FILE = "score.py"


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    compressed: int
    is_dir: bool


@dataclass
class Listing:
    members: list[Member]
    total: int  # members in the archive, listed or not
    problem: str = ""  # why there is no listing (not a zip, unreadable)


@dataclass
class FileText:
    name: str
    size: int
    text: str | None  # None for a binary file
    truncated: bool


class MemberNotFound(KeyError):
    """No member of that name in the artifact."""


class UnreadableMember(ValueError):
    """The member cannot be shown (encrypted, corrupt, an unsupported compression)."""


def list_members(path: Path) -> Listing:
    """The first ``MAX_LISTED`` members in archive order; a non-zip artifact says so instead."""
    try:
        with open(path, "rb") as stream, zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return Listing([], 0, f"not a zip archive ({exc}): a model saved by reference, or another format")
    members = [Member(i.filename, i.file_size, i.compress_size, i.is_dir()) for i in infos[:MAX_LISTED]]
    return Listing(members, len(infos))


def score_member(listing: Listing) -> str | None:
    """The member holding score.py: at the top, or under the single top folder the deployment hoists."""
    names = [m.name for m in listing.members if not m.is_dir]
    if SCORE_FILE in names:
        return SCORE_FILE
    nested = [n for n in names if n.count("/") == 1 and n.endswith("/" + SCORE_FILE)]
    return nested[0] if len(nested) == 1 else None


def read_text(path: Path, name: str, limit: int = MAX_SHOWN_BYTES) -> FileText:
    """Member ``name`` as text, decompressing at most ``limit`` + 1 bytes; binary files give ``text=None``."""
    try:
        with open(path, "rb") as stream, zipfile.ZipFile(stream) as archive:
            try:
                info = archive.getinfo(name)
            except KeyError:
                raise MemberNotFound(name) from None
            if info.is_dir():
                raise MemberNotFound(name)
            with archive.open(info) as member:
                data = member.read(limit + 1)
    except MemberNotFound:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, EOFError) as exc:
        raise UnreadableMember(f"{name} cannot be read: {exc}") from None
    truncated = len(data) > limit
    data = data[:limit]
    return FileText(name, info.file_size, _decode(data, truncated), truncated)


def _decode(data: bytes, truncated: bool) -> str | None:
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(data) - 3:  # the cap cut a multi-byte character
            return data[: exc.start].decode("utf-8", errors="strict")
        return None
