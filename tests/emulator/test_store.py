"""The store under the API: keyset pages, filters, transactions, and atomic blobs."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os

import pytest

from emulator.store import BlobStore, Database, IncompleteUpload, UploadTooLarge
from emulator.store.db import InvalidPageToken


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "catalog.db")
    yield database
    database.close()


def _record(index: int, compartment: str = "c1", state: str = "ACTIVE") -> dict:
    return {"id": f"id{index:03d}", "compartmentId": compartment, "displayName": f"n{index % 7}",
            "lifecycleState": state, "timeCreated": f"2026-01-01T00:00:{index % 60:02d}.000000Z", "nested": {"k": index}}


def test_keyset_pages_cover_everything_once_in_order(db):
    db.insert_many("model", [_record(i) for i in range(130)])
    seen, page = [], None
    while True:
        result = db.list("model", {"compartmentId": "c1"}, sort_by="displayName", sort_order="ASC", limit=17, page=page)
        seen += [(r["displayName"], r["id"]) for r in result.items]
        page = result.next_page
        if page is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 130


def test_filters_lists_nested_fields_and_conditions(db):
    db.insert_many("model", [_record(i, state="ACTIVE" if i % 2 else "INACTIVE") for i in range(10)])
    db.insert("model", _record(99, compartment="c2"))
    assert db.count("model", {"compartmentId": "c1", "lifecycleState": "INACTIVE"}) == 5
    assert db.count("model", {"lifecycleState": ["ACTIVE", "INACTIVE"]}) == 11
    assert [r["id"] for r in db.list("model", {"nested.k": 3}).items] == ["id003"]
    assert db.count("model", {"id": []}) == 0
    ids = [r["id"] for r in db.list("model", sort_by="id", sort_order="ASC", conditions=[("id", "prefix", "id00")]).items]
    assert ids == [f"id00{i}" for i in range(10)]


def test_forged_page_tokens_are_rejected(db):
    for token in ("!!", base64.urlsafe_b64encode(b"[1]").decode(),
                  base64.urlsafe_b64encode(json.dumps([[1], "x"]).encode()).decode()):
        with pytest.raises(InvalidPageToken):
            db.list("model", limit=1, page=token)


def test_transaction_rolls_back_as_a_whole(db):
    with pytest.raises(RuntimeError):
        with db.transaction():
            db.insert("model", _record(1))
            with db.transaction():
                db.insert("model", _record(2))
            raise RuntimeError("boom")
    assert db.count("model") == 0


def test_update_and_delete(db):
    db.insert("model", _record(1))
    db.update("model", "id001", {**_record(1), "displayName": "renamed"})
    assert db.list("model", {"displayName": "renamed"}).items[0]["id"] == "id001"
    with pytest.raises(KeyError):
        db.update("model", "missing", _record(2))
    assert db.delete("model", "id001") and not db.delete("model", "id001")


def test_blob_write_records_digests(tmp_path):
    blobs = BlobStore(tmp_path / "blobs")
    data = b"abc" * 1_000_000
    info = blobs.write(io.BytesIO(data), max_bytes=len(data), expected_length=len(data))
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.md5 == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert blobs.path(info.name).read_bytes() == data
    clone = blobs.clone(info)
    blobs.delete(info.name)
    assert blobs.path(clone.name).read_bytes() == data and clone.sha256 == info.sha256


def test_failed_blob_writes_leave_nothing(tmp_path):
    blobs = BlobStore(tmp_path / "blobs")
    with pytest.raises(UploadTooLarge):
        blobs.write(io.BytesIO(b"x" * 11), max_bytes=10)
    with pytest.raises(IncompleteUpload):
        blobs.write(io.BytesIO(b"x" * 5), max_bytes=10, expected_length=10)

    class Vanishing(io.RawIOBase):
        def readinto(self, buffer):
            raise ConnectionResetError("client went away")

    with pytest.raises(IncompleteUpload):
        blobs.write(Vanishing(), max_bytes=10)
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


def test_leftover_partial_uploads_are_cleared_when_an_emulator_opens_its_home(tmp_path):
    from emulator.config import EmulatorConfig
    from emulator.state import EmulatorState

    (tmp_path / "blobs" / "tmp").mkdir(parents=True)
    (tmp_path / "blobs" / "tmp" / "crashed.part").write_bytes(b"half")
    state = EmulatorState.open(EmulatorConfig(home=tmp_path))
    try:
        assert not any((tmp_path / "blobs" / "tmp").iterdir())
    finally:
        state.run_shutdown()


@pytest.mark.parametrize("nameless", [True, False], ids=["O_TMPFILE", "named part file"])
def test_spooled_upload_is_adopted_whole_or_leaves_nothing(tmp_path, monkeypatch, nameless):
    from emulator.store import upload_spool

    if not nameless:
        monkeypatch.setattr(upload_spool, "_nameless_files_link", lambda directory: False)
    blobs = BlobStore(tmp_path / "blobs")
    data = os.urandom(3 * 1024 * 1024 + 5)
    spool = upload_spool.UploadSpool(blobs.spool_dir)
    for start in range(0, len(data), 100_000):
        spool.append(data[start:start + 100_000])
    info = blobs.write(spool.getfile(), max_bytes=len(data), expected_length=len(data))
    spool.close()
    assert (info.size, info.sha256) == (len(data), "")  # SHA-256 is computed when first needed
    assert blobs.sha256(info.name) == hashlib.sha256(data).hexdigest()
    assert info.md5 == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert blobs.path(info.name).read_bytes() == data

    cut_off = upload_spool.UploadSpool(blobs.spool_dir)
    cut_off.append(data[:2_000_000])
    cut_off.close()  # the client went away mid-body
    refused = upload_spool.UploadSpool(blobs.spool_dir)
    refused.append(data)
    with pytest.raises(UploadTooLarge):
        blobs.write(refused.getfile(), max_bytes=len(data) - 1)
    refused.close()
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == [blobs.path(info.name)]


def _resident_pages(path) -> int:
    """How many of the file's pages are in the page cache (mincore over a private mapping)."""
    import ctypes
    import mmap

    size = path.stat().st_size
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), size, mmap.MAP_PRIVATE,
                                                mmap.PROT_READ | mmap.PROT_WRITE) as mapped:
        pages = -(-size // mmap.PAGESIZE)
        vector = (ctypes.c_ubyte * pages)()
        address = ctypes.addressof(ctypes.c_char.from_buffer(mapped))
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.mincore(ctypes.c_void_p(address), ctypes.c_size_t(size), vector) == 0
        return sum(byte & 1 for byte in vector)


def test_spooled_upload_wraps_its_ring_and_bypasses_the_page_cache(tmp_path):
    """More segments than the ring holds, and a tail that is no multiple of a disk block: the blob,
    its digests and the body read back (as the signature check reads it) are the bytes sent; where
    the file system takes O_DIRECT, none of them was left in the page cache on the way."""
    from emulator.store import upload_spool

    blobs = BlobStore(tmp_path / "blobs")
    data = os.urandom((upload_spool.SEGMENTS + 1) * upload_spool.SEGMENT + 4097)
    spool = upload_spool.UploadSpool(blobs.spool_dir)
    for start in range(0, len(data), 256 * 1024):
        spool.append(data[start:start + 256 * 1024])
    info = blobs.write(spool.getfile(), max_bytes=len(data), expected_length=len(data))
    if spool.direct:
        assert _resident_pages(blobs.path(info.name)) <= 1  # at most the partial last page
    assert (info.size, blobs.sha256(info.name)) == (len(data), hashlib.sha256(data).hexdigest())
    assert info.md5 == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert spool.getfile().read() == data
    spool.close()
    assert blobs.path(info.name).read_bytes() == data


def test_a_spooled_upload_whose_disk_fails_is_refused_without_stalling(tmp_path, monkeypatch):
    """A write error (a full disk) must not leave waitress's receiving thread waiting on the ring."""
    from emulator.store import upload_spool

    def disk_full(fd, data, offset):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(upload_spool, "_write_all", disk_full)
    blobs = BlobStore(tmp_path / "blobs")
    data = os.urandom(upload_spool.SEGMENT)
    spool = upload_spool.UploadSpool(blobs.spool_dir)
    for _ in range(upload_spool.SEGMENTS * 2):
        spool.append(data)
    with pytest.raises(OSError, match="No space"):
        blobs.write(spool.getfile(), max_bytes=1 << 40)
    spool.close()
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []
