"""Where a resource principal's session files live under an emulator home, and how they are written.

A notebook session in OCI finds its resource-principal credentials in files the service keeps
fresh (``OCI_RESOURCE_PRINCIPAL_RPST`` and ``OCI_RESOURCE_PRINCIPAL_PRIVATE_PEM`` name them). The
toolkit writes them (``toolkit.notebook_session``) and the emulator replaces an expired token in
place (``emulator.auth.session_tokens``), so both sides use this one layout and this one writer:

    <home>/resource-principals/<resource OCID>/rpst         the session token (a JWT)
    <home>/resource-principals/<resource OCID>/private.pem  the session key pair's private key

Files are 0600 from creation and replaced atomically (a temporary file renamed over the old one),
so the ``oci`` SDK never reads half a token while the emulator renews it.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DIRECTORY = "resource-principals"
TOKEN_FILE = "rpst"
PRIVATE_KEY_FILE = "private.pem"
#: The resource-principal version whose variables carry the token and key themselves (or their paths).
VERSION = "2.2"


@dataclass(frozen=True)
class SessionFiles:
    """The two files of one resource's resource principal."""

    token: Path
    private_key: Path


def session_files(home: str | os.PathLike[str], resource_id: str) -> SessionFiles:
    """The files of ``resource_id``'s resource principal under ``home`` (which need not exist yet)."""
    if not resource_id or "/" in resource_id or resource_id.startswith("."):
        raise ValueError(f"{resource_id!r} is not an OCID")
    directory = Path(home).expanduser() / DIRECTORY / resource_id
    return SessionFiles(directory / TOKEN_FILE, directory / PRIVATE_KEY_FILE)


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, the file 0600 and its new directories 0700.

    ``emulator.private.replaced_whole`` does the same for the emulator; the contracts import nothing of
    the emulator's (tests/test_layers.py), so this module keeps its own few lines."""
    for directory in reversed([p for p in (path.parent, *path.parent.parents) if not p.exists()]):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:
            pass
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
