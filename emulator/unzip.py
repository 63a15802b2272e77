"""Unpacking an untrusted artifact zip: the one extraction every path goes through.

A deployment (the emulator unpacks the catalog artifact), ``dockyard models download`` and
``GenericModel.from_model_artifact`` (the toolkit, through ``toolkit.artifact.archive``) all call
:func:`extract`. So there is one guard against zip-slip (absolute paths, ``..``, drive letters,
symbolic links), one against zip bombs (the unpacked size and the compression ratio, with limits a
user can raise), and one clean-up: a refused or broken zip leaves nothing behind.

The limits are settings, arguments winning over the environment:

| variable | default | meaning |
| --- | --- | --- |
| ``DOCKYARD_MAX_UNZIPPED_BYTES`` | 64 GiB | what one artifact may unpack to in total (``512M``, ``80G`` work) |
| ``DOCKYARD_MAX_ZIP_RATIO`` | 200 | how many times larger than its compressed size a member (and the whole zip) may grow |

Model weights barely compress (ratio 1-3) and text and CSV files reach 10-20, so the defaults let
any real multi-GB model through; deflate tops out near 1032, which only crafted data reaches.
Below 16 MiB (a member, or the whole zip) the ratio is not tested: a small file of zeros is harmless.

Where the artifact starts inside what was unpacked is decided here too (:func:`artifact_root`), so a
zip the toolkit loads is a zip a deployment serves: a zip made by hand around a folder, with the
``.DS_Store`` or ``__MACOSX`` a Mac adds, is the same artifact to both.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Callable

from emulator.contracts import limits

ENV_MAX_BYTES = "DOCKYARD_MAX_UNZIPPED_BYTES"
ENV_MAX_RATIO = "DOCKYARD_MAX_ZIP_RATIO"
DEFAULT_MAX_BYTES = limits.UNZIPPED_BYTES
DEFAULT_MAX_RATIO = limits.ZIP_RATIO
RATIO_GRACE_BYTES = limits.ZIP_RATIO_FROM_BYTES
CHUNK = 1024 * 1024
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}

Digests = dict[str, dict]


class UnsafeZip(ValueError):
    """The zip cannot be unpacked safely; ``hint`` says what the user can do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ZipBomb(UnsafeZip):
    """The zip would unpack to more than the limits allow."""


@dataclass(frozen=True)
class ZipLimits:
    """How far one artifact zip may expand."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_ratio: float = DEFAULT_MAX_RATIO

    @classmethod
    def resolve(cls, max_bytes: int | str | None = None, max_ratio: float | str | None = None) -> "ZipLimits":
        """The limits from the arguments, else ``DOCKYARD_MAX_UNZIPPED_BYTES`` / ``DOCKYARD_MAX_ZIP_RATIO``,
        else the defaults. A bad value is a ValueError naming the setting."""
        max_bytes = max_bytes if max_bytes is not None else os.environ.get(ENV_MAX_BYTES) or DEFAULT_MAX_BYTES
        max_ratio = max_ratio if max_ratio is not None else os.environ.get(ENV_MAX_RATIO) or DEFAULT_MAX_RATIO
        return cls(max_bytes=parse_size(max_bytes, ENV_MAX_BYTES), max_ratio=_positive(max_ratio, ENV_MAX_RATIO))


def parse_size(value: int | str, name: str) -> int:
    """A byte count: an integer, or one with a binary unit (``512M``, ``80G``, ``1T``)."""
    text = str(value).strip().upper().removesuffix("IB").removesuffix("B")
    unit = text[-1:] if text[-1:] in _UNITS else ""
    number = text[: len(text) - len(unit)]
    try:
        size = int(float(number) * _UNITS[unit])
    except ValueError:
        raise ValueError(f"{name} must be a size such as 50G or 53687091200, not {value!r}") from None
    if size <= 0:
        raise ValueError(f"{name} must be positive, not {value!r}")
    return size


def _positive(value: float | str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number such as 200, not {value!r}") from None
    if not number > 0:
        raise ValueError(f"{name} must be positive, not {value!r}")
    return number


def extract(source: str | os.PathLike[str] | IO[bytes], dest: str | os.PathLike[str],
            limits: ZipLimits | None = None, check: Callable[[Digests], None] | None = None) -> Digests:
    """Unpack the zip ``source`` into ``dest``; ``{member name: {sha256, size}}`` of its files.

    Every member's path and the sizes its headers declare are checked before anything is written;
    while writing, the bytes really inflated are counted too. ``check`` (e.g. a manifest
    comparison) runs on the result before it counts as done. On any failure (UnsafeZip, ZipBomb,
    a corrupt zip, a full disk, ``check`` raising) every file and directory this call created is
    removed, ``dest`` included when it did not exist, and the error propagates."""
    limits = limits or ZipLimits.resolve()
    dest = Path(dest).expanduser().resolve()
    created: list[Path] = []
    written: list[Path] = []
    try:
        _make_dirs(dest, created)
        try:
            archive = zipfile.ZipFile(source)
        except zipfile.BadZipFile as exc:
            raise UnsafeZip(f"not a valid zip file ({exc})", "Zip the artifact directory again.") from None
        with archive:
            plan = [(info, member_path(info, dest)) for info in archive.infolist()]
            check_declared_sizes([info for info, _ in plan], limits)
            budget = _Budget(limits)
            try:
                digests = {info.filename: _extract_member(archive, info, out, budget, created, written)
                           for info, out in plan}
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:  # CRC, method, encryption
                raise UnsafeZip(f"the zip cannot be unpacked: {exc}", "Zip the artifact directory again.") from None
        files = {name: digest for name, digest in digests.items() if digest is not None}
        if check is not None:
            check(files)
        return files
    except BaseException:
        _remove(written, created)
        raise


def member_path(info: zipfile.ZipInfo, dest: Path) -> Path:
    """Where a member goes, refusing absolute paths, drive letters, ``..`` and symlinks (zip-slip)."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or (parts and ":" in parts[0]) or ".." in parts:
        raise UnsafeZip(f"refusing to extract {name!r}: the path leaves the extraction directory "
                        f"(it would be written outside {dest})",
                        "Rebuild the zip with paths relative to the artifact directory.")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeZip(f"refusing to extract {name!r}: it is a symbolic link",
                        "Store the file itself in the zip, not a link to it.")
    out = (dest / Path(*parts)).resolve() if parts else dest
    if out != dest and dest not in out.parents:
        raise UnsafeZip(f"refusing to extract {name!r}: it resolves outside {dest}")
    return out


def check_declared_sizes(members: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    """Refuse, before writing a byte, a zip whose headers announce more than the limits allow."""
    total = sum(info.file_size for info in members)
    if total > limits.max_bytes:
        raise _too_big(total, limits)
    for info in members:
        _check_ratio(info.filename, info.file_size, info.compress_size, limits)
    _check_ratio("the zip as a whole", total, sum(info.compress_size for info in members), limits)


class _Budget:
    """Counts the bytes actually inflated, so headers that understate sizes gain nothing."""

    def __init__(self, limits: ZipLimits) -> None:
        self.limits, self.total = limits, 0

    def spend(self, info: zipfile.ZipInfo, member_bytes: int, chunk: int) -> None:
        self.total += chunk
        if self.total > self.limits.max_bytes:
            raise _too_big(self.total, self.limits)
        _check_ratio(info.filename, member_bytes, info.compress_size, self.limits)


def _check_ratio(name: str, size: int, compressed: int, limits: ZipLimits) -> None:
    if size > RATIO_GRACE_BYTES and size > limits.max_ratio * max(compressed, 1):
        ratio = size / max(compressed, 1)
        raise ZipBomb(f"{name} expands {ratio:.0f}-fold ({_human(compressed)} -> {_human(size)}), over the "
                      f"limit of {limits.max_ratio:g}-fold: this looks like a zip bomb",
                      f"If you trust this zip, raise {ENV_MAX_RATIO} (or pass max_zip_ratio=...).")


def _too_big(size: int, limits: ZipLimits) -> ZipBomb:
    return ZipBomb(f"the zip unpacks to more than {_human(limits.max_bytes)} (at least {_human(size)})",
                   f"If you trust this zip, raise {ENV_MAX_BYTES} (or pass max_unzipped_bytes=...), e.g. 200G.")


def _extract_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path, budget: _Budget,
                    created: list[Path], written: list[Path]) -> dict | None:
    """Write one member in chunks, hashing and counting it; directories give None."""
    if info.is_dir():
        _make_dirs(out, created)
        return None
    _make_dirs(out.parent, created)
    written.append(out)
    digest, size = hashlib.sha256(), 0
    with archive.open(info) as src, open(out, "wb") as dst:
        while chunk := src.read(CHUNK):
            size += len(chunk)
            budget.spend(info, size, len(chunk))
            digest.update(chunk)
            dst.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _make_dirs(path: Path, created: list[Path]) -> None:
    """mkdir -p, remembering the topmost directory it had to create (to remove on failure)."""
    missing = []
    for candidate in (path, *path.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    path.mkdir(parents=True, exist_ok=True)
    if missing:
        created.append(missing[-1])


def _remove(written: list[Path], created: list[Path]) -> None:
    for path in written:
        path.unlink(missing_ok=True)
    for directory in reversed(created):
        shutil.rmtree(directory, ignore_errors=True)


def _human(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"


ARTIFACT_MARKERS = ("score.py", "runtime.yaml")
# What archivers add beside the real content: never the artifact itself.
_ARCHIVER_LITTER = ("__MACOSX",)


def artifact_root(directory: str | os.PathLike[str]) -> Path:
    """The folder holding score.py/runtime.yaml: ``directory`` itself, or, when it has neither, its one
    subfolder (recursively), ignoring dotfiles (``.DS_Store``) and ``__MACOSX``; else ``directory``."""
    directory = Path(directory)
    if any((directory / marker).exists() for marker in ARTIFACT_MARKERS):
        return directory
    children = [c for c in directory.iterdir() if not c.name.startswith((".", *_ARCHIVER_LITTER))]
    if len(children) == 1 and children[0].is_dir():
        return artifact_root(children[0])
    return directory


def hoist_artifact_root(directory: str | os.PathLike[str]) -> None:
    """Make ``directory`` the artifact root (score.py at its top, as OCI serves it): the contents of
    :func:`artifact_root` move up, and the wrapper folders and archiver litter around them go."""
    directory = Path(directory)
    root = artifact_root(directory)
    if root == directory:
        return
    staging = directory / f".artifact-root-{os.getpid()}"
    root.rename(staging)
    for entry in list(directory.iterdir()):
        if entry != staging:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    for child in list(staging.iterdir()):
        child.rename(directory / child.name)
    staging.rmdir()
