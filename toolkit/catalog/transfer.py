"""Moving artifact bytes through the SDK without holding them in memory, with a progress bar.

Upload: the SDK streams any body that reports its length (``__len__``) and can ``tell``/``seek``
(so its retry logic can rewind); ``ProgressReader`` wraps the zip file to be exactly that while
advancing a rich progress bar. The SDK's urllib3 asks a file body for 16 KiB at a time and sends each
piece with its own socket write; the reader answers with at least 1 MiB, so a large artifact goes out
in 64 times fewer writes (urllib3 sends whatever a read returns). Download: ``get_model_artifact_content`` returns the raw HTTP
response, which is copied to disk chunk by chunk.
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from toolkit.artifact.archive import CHUNK


class ProgressReader:
    """A read-only file wrapper that reports bytes read (for streamed uploads)."""

    def __init__(self, stream: IO[bytes], size: int, on_read: Callable[[int], None]):
        self._stream = stream
        self._size = size
        self._on_read = on_read

    def __len__(self) -> int:
        return self._size

    def read(self, n: int = -1) -> bytes:
        chunk = self._stream.read(max(n, CHUNK) if n and n > 0 else CHUNK)
        if chunk:
            self._on_read(len(chunk))
        return chunk

    def tell(self) -> int:
        return self._stream.tell()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        position = self._stream.seek(offset, whence)
        self._on_read(-1)  # a rewind (SDK retry): let the bar restart from the new position
        return position


@contextlib.contextmanager
def progress_bar(description: str, total: int | None, show: bool | None = None) -> Iterator[Callable[[int], None]]:
    """Yield a callback advancing a transient rich bar; a no-op when not shown.

    ``show=None`` means "only on an interactive terminal", so scripts and CI logs stay clean.
    """
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    columns = ("[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.update(task, completed=0) if n < 0 else progress.advance(task, n)


def upload_artifact(ds: Any, model_id: str, zip_path: Path, show_progress: bool | None = None) -> None:
    """``create_model_artifact`` streamed from ``zip_path`` with OCI's content-disposition."""
    size = zip_path.stat().st_size
    with open(zip_path, "rb") as f, progress_bar("Uploading artifact", size, show_progress) as advance:
        ds.create_model_artifact(
            model_id,
            ProgressReader(f, size, advance),
            content_length=size,
            content_disposition=f'attachment; filename="{model_id}.zip"',
        )


def download_artifact_zip(ds: Any, model_id: str, target: Path, show_progress: bool | None = None) -> Path:
    """Stream the model's artifact to ``target`` (written aside, renamed when complete)."""
    size = _artifact_size(ds, model_id)
    partial = target.with_name(target.name + ".part")
    response = ds.get_model_artifact_content(model_id)
    try:
        with open(partial, "wb") as out, progress_bar("Downloading artifact", size, show_progress) as advance:
            for chunk in response.data.iter_content(CHUNK):
                out.write(chunk)
                advance(len(chunk))
        partial.replace(target)
    finally:
        response.data.close()
        partial.unlink(missing_ok=True)
    return target


def _artifact_size(ds: Any, model_id: str) -> int | None:
    """The artifact's size from HEAD (``content-length``), for the progress bar only."""
    headers = ds.head_model_artifact(model_id).headers
    value = headers.get("content-length")
    return int(value) if value and value.isdigit() else None
