"""How the toolkit hands an artifact's bytes to the SDK: in large pieces, rewindable, with progress."""
from __future__ import annotations

import io

from urllib3.util.request import body_to_chunks  # what the SDK's vendored requests sends a body with

from toolkit.catalog.transfer import ProgressReader

MIB = 1024 * 1024


def test_the_sdk_sends_an_artifact_in_pieces_of_a_mebibyte_not_16_kib():
    data = bytes(range(256)) * (10 * MIB // 256 + 7)
    reader = ProgressReader(io.BytesIO(data), len(data), lambda n: None)
    chunks = list(body_to_chunks(reader, method="PUT", blocksize=16384).chunks)
    assert b"".join(chunks) == data
    assert all(len(chunk) >= MIB for chunk in chunks[:-1]) and len(chunks) == 11


def test_progress_counts_every_byte_and_restarts_on_a_rewind():
    seen: list[int] = []
    reader = ProgressReader(io.BytesIO(b"x" * (3 * MIB)), 3 * MIB, seen.append)
    while reader.read(16384):
        pass
    assert sum(seen) == 3 * MIB and len(reader) == 3 * MIB
    reader.seek(0)
    assert seen[-1] == -1 and reader.tell() == 0 and len(reader.read(10)) == MIB
