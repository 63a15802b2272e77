"""The promoted bytes: the source artifact streamed to a file once, hashed as it lands, and every
digest a service reports (content-md5, opc-content-sha256, length) held against those bytes."""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import oci

from toolkit.catalog.errors import CatalogError
from toolkit.catalog.session import CatalogSession

CHUNK = 1024 * 1024


@dataclass
class Source:
    """Everything read from the source side, plus the downloaded artifact."""

    record: Any
    provenance: dict[str, Any]
    version_set: Any
    zip_path: Path
    sha256: str
    md5_b64: str
    size: int


@dataclass
class Digest:
    """What a streamed copy of some bytes measured: SHA-256 (hex), MD5 (base64, OCI's content-md5), length."""

    sha256: str
    md5_b64: str
    size: int


def stream_to(response: Any, path: Path, advance: Callable[[int], None] = lambda n: None) -> Digest:
    """Write an SDK streaming response (an artifact's content) to ``path`` chunk by chunk, hashing as
    it lands; ``advance`` is told each chunk's size. The response is closed either way."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    try:
        with open(path, "wb") as out:
            for chunk in response.data.raw.stream(CHUNK, decode_content=False):
                out.write(chunk)
                sha.update(chunk)
                md5.update(chunk)
                size += len(chunk)
                advance(len(chunk))
    finally:
        response.data.close()
    return Digest(sha.hexdigest(), base64.b64encode(md5.digest()).decode(), size)


def download(session: CatalogSession, model_id: str, record: Any, provenance: dict[str, Any], version_set: Any,
             zip_path: Path, advance: Callable[[int], None] = lambda n: None) -> Source:
    """Stream ``model_id``'s artifact to ``zip_path``, hashing as it lands (``advance`` is told each
    chunk's size), and check it against the digests the source reports."""
    digest = stream_to(session.ds.get_model_artifact_content(model_id), zip_path, advance)
    source = Source(record, provenance, version_set, zip_path, digest.sha256, digest.md5_b64, digest.size)
    check_against_headers(session.ds.head_model_artifact(model_id).headers, source, "source")
    return source


def artifact_headers(session: CatalogSession, model_id: str) -> Mapping[str, str] | None:
    """The headers of ``model_id``'s artifact (its digests), None when it has none."""
    return headers_or_none(session.ds.head_model_artifact, model_id)


def headers_or_none(head: Callable[[str], Any], resource_id: str) -> Mapping[str, str] | None:
    """The headers a HEAD call (``head_model_artifact``, ``head_model_group_artifact``) answers, None on 404."""
    try:
        return head(resource_id).headers
    except oci.exceptions.ServiceError as exc:
        if exc.status == 404:
            return None
        raise


def check_against_headers(headers: Mapping[str, str], source: Source | Digest, side: str) -> None:
    """Compare the bytes we hold with the digests a service reports (content-md5, opc-content-sha256)."""
    md5 = headers.get("content-md5")
    sha = headers.get("opc-content-sha256")
    length = headers.get("content-length")
    if md5 and md5 != source.md5_b64:
        raise CatalogError(f"the {side} artifact's content-md5 is {md5}, the verified bytes' is {source.md5_b64}")
    if sha and sha.lower() != source.sha256:
        raise CatalogError(f"the {side} artifact's sha256 is {sha}, the verified bytes' is {source.sha256}")
    if length and length.isdigit() and int(length) != source.size:
        raise CatalogError(f"the {side} artifact is {length} bytes, the verified one {source.size}")


def download_sha256(session: CatalogSession, model_id: str) -> str:
    sha = hashlib.sha256()
    response = session.ds.get_model_artifact_content(model_id)
    try:
        for chunk in response.data.raw.stream(CHUNK, decode_content=False):
            sha.update(chunk)
    finally:
        response.data.close()
    return sha.hexdigest()
