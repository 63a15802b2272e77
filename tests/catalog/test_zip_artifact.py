"""The artifact zip: a SHA-256 manifest, .model-ignore honoured, and extraction that refuses tampering."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from toolkit.catalog.zip_artifact import (
    MANIFEST_NAME,
    ArtifactIntegrityError,
    extract_fresh,
    safe_extract,
    zip_artifact,
)


@pytest.fixture()
def artifact(tmp_path: Path) -> Path:
    root = tmp_path / "artifact"
    (root / "sub").mkdir(parents=True)
    (root / "score.py").write_text("def load_model():\n    pass\n")
    (root / "runtime.yaml").write_text("MODEL_ARTIFACT_VERSION: '3.0'\n")
    (root / "sub" / "data.bin").write_bytes(bytes(range(256)) * 100)
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "score.cpython-311.pyc").write_bytes(b"x")
    (root / "notes.log").write_text("log")
    (root / "scratch").mkdir()
    (root / "scratch" / "tmp.txt").write_text("t")
    (root / ".model-ignore").write_text("# comment\n*.log\nscratch/\n")
    return root


def test_zip_has_files_at_root_and_a_manifest_of_sha256s(artifact: Path, tmp_path: Path) -> None:
    zipped = zip_artifact(artifact, tmp_path / "a.zip")
    with zipfile.ZipFile(zipped.path) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read(MANIFEST_NAME))
    assert {"score.py", "runtime.yaml", "sub/data.bin", ".model-ignore", MANIFEST_NAME} == names
    entry = manifest["files"]["sub/data.bin"]
    assert entry["size"] == 25600 and len(entry["sha256"]) == 64
    assert manifest["generated_by"] == "dockyard" and zipped.size == zipped.path.stat().st_size


def test_model_ignore_excludes_matching_files_and_directories(artifact: Path) -> None:
    zipped = zip_artifact(artifact)
    try:
        files = zipped.manifest["files"]
        assert "notes.log" not in files and "scratch/tmp.txt" not in files
        assert not any("__pycache__" in name for name in files)
    finally:
        zipped.cleanup()
    assert not zipped.path.exists()


def test_round_trip_extract_verifies_the_manifest(artifact: Path, tmp_path: Path) -> None:
    zipped = zip_artifact(artifact, tmp_path / "a.zip")
    out = tmp_path / "out"
    manifest = safe_extract(zipped.path, out)
    assert manifest is not None
    assert (out / "sub" / "data.bin").read_bytes() == (artifact / "sub" / "data.bin").read_bytes()


def test_tampered_file_is_refused_and_nothing_is_left(artifact: Path, tmp_path: Path) -> None:
    zipped = zip_artifact(artifact, tmp_path / "a.zip")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(zipped.path) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, b"tampered" if info.filename == "score.py" else data)
    out = tmp_path / "out"
    with pytest.raises(ArtifactIntegrityError, match="score.py"):
        safe_extract(bad, out)
    assert not any(p.is_file() for p in out.rglob("*"))


def test_zip_slip_member_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../escape.txt", "x")
    with pytest.raises(ArtifactIntegrityError, match="outside"):
        safe_extract(evil, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_extract_fresh_refuses_a_non_empty_target_unless_forced(artifact: Path, tmp_path: Path) -> None:
    zipped = zip_artifact(artifact, tmp_path / "a.zip")
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(FileExistsError):
        extract_fresh(zipped.path, out)
    extract_fresh(zipped.path, out, force=True)
    assert not (out / "old.txt").exists() and (out / "score.py").exists()


def test_incompressible_files_are_stored_and_text_is_deflated(tmp_path: Path) -> None:
    import os

    root = tmp_path / "art"
    root.mkdir()
    (root / "score.py").write_text("def predict(data):\n    return data\n" * 500)
    (root / "weights.bin").write_bytes(os.urandom(200_000))
    zipped = zip_artifact(root, tmp_path / "a.zip")
    with zipfile.ZipFile(zipped.path) as zf:
        kinds = {i.filename: i.compress_type for i in zf.infolist()}
    assert kinds["weights.bin"] == zipfile.ZIP_STORED and kinds["score.py"] == zipfile.ZIP_DEFLATED
