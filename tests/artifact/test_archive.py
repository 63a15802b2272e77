"""The artifact zip: a SHA-256 manifest, .model-ignore honoured, and extraction that refuses tampering
and path traversal before anything is written; loading a model from a zip (flat or with a top folder)."""
from __future__ import annotations

import json
import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from toolkit import GenericModel
from toolkit.artifact.archive import (
    MANIFEST_NAME,
    ArtifactIntegrityError,
    artifact_files,
    extract_fresh,
    safe_extract,
    zip_artifact,
)
from toolkit.artifact.errors import ArtifactExistsError, UnsafeArchiveError


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


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


# --------------------------------------------------------------------------------------------
# Packing: files at the root, a manifest, .model-ignore, stored vs deflated
# --------------------------------------------------------------------------------------------

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


def test_zip_leaves_out_what_model_ignore_lists(fixture_artifact, tmp_path):
    valid = fixture_artifact("valid")
    (valid / "__pycache__").mkdir()
    (valid / "__pycache__" / "score.cpython-311.pyc").write_bytes(b"\0")
    names = {relpath for _, relpath in artifact_files(valid)}
    assert "score.py" in names and not any("__pycache__" in n for n in names)
    with zipfile.ZipFile(zip_artifact(valid, tmp_path / "a.zip").path) as archive:
        assert "__pycache__/score.cpython-311.pyc" not in archive.namelist()
    shutil.rmtree(valid / "__pycache__")


def test_incompressible_files_are_stored_and_text_is_deflated(tmp_path: Path) -> None:
    root = tmp_path / "art"
    root.mkdir()
    (root / "score.py").write_text("def predict(data):\n    return data\n" * 500)
    (root / "weights.bin").write_bytes(os.urandom(200_000))
    zipped = zip_artifact(root, tmp_path / "a.zip")
    with zipfile.ZipFile(zipped.path) as zf:
        kinds = {i.filename: i.compress_type for i in zf.infolist()}
    assert kinds["weights.bin"] == zipfile.ZIP_STORED and kinds["score.py"] == zipfile.ZIP_DEFLATED


# --------------------------------------------------------------------------------------------
# Unpacking: manifest verification, path traversal, symlinks, fresh targets
# --------------------------------------------------------------------------------------------

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


@pytest.mark.parametrize("evil", ["../escape.py", "a/../../escape.py", "/etc/escape.py", "C:/escape.py"])
def test_path_traversal_is_refused_before_anything_is_written(tmp_path, evil):
    archive = _zip(tmp_path / "bad.zip", {"score.py": "x = 1\n", evil: "owned = True\n"})
    with pytest.raises(UnsafeArchiveError, match="leaves the extraction directory|resolves outside"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "escape.py").exists()
    assert not (tmp_path / "out" / "score.py").exists()


def test_zip_slip_member_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../escape.txt", "x")
    with pytest.raises(ArtifactIntegrityError, match="outside"):
        safe_extract(evil, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_symlinks_are_refused(tmp_path):
    info = zipfile.ZipInfo("link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as archive:
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        safe_extract(tmp_path / "link.zip", tmp_path / "out")


def test_extract_fresh_refuses_a_non_empty_target_unless_forced(artifact: Path, tmp_path: Path) -> None:
    zipped = zip_artifact(artifact, tmp_path / "a.zip")
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(FileExistsError):
        extract_fresh(zipped.path, out)
    extract_fresh(zipped.path, out, force=True)
    assert not (out / "old.txt").exists() and (out / "score.py").exists()


# --------------------------------------------------------------------------------------------
# Loading a model from a zip
# --------------------------------------------------------------------------------------------

def test_from_model_artifact_reads_a_zip_with_a_top_folder(fixture_artifact, tmp_path):
    valid = fixture_artifact("valid")
    with zipfile.ZipFile(tmp_path / "nested.zip", "w") as archive:
        for path in valid.iterdir():
            archive.write(path, f"my-model/{path.name}")
    model = GenericModel.from_model_artifact(str(tmp_path / "nested.zip"), artifact_dir=str(tmp_path / "out"))
    assert model.estimator == {"weights": [0.5, 2.0]}
    assert model.verify([[2.0, 1.0]]) == {"prediction": [3.0]}


def test_from_model_artifact_refuses_a_non_empty_target(fixture_artifact, tmp_path):
    archive = zip_artifact(fixture_artifact("valid"), tmp_path / "valid.zip").path
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(ArtifactExistsError):
        GenericModel.from_model_artifact(str(archive), artifact_dir=str(tmp_path / "out"))


def test_extract_fresh_returns_the_single_top_folder_of_a_zip_made_by_hand(tmp_path: Path) -> None:
    nested = _zip(tmp_path / "nested.zip", {"my-model/score.py": "x = 1\n", "my-model/runtime.yaml": "a: 1\n"})
    assert extract_fresh(nested, tmp_path / "out") == tmp_path / "out" / "my-model"
