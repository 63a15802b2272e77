"""Loading from a zip: safe extraction (no path traversal), .model-ignore honoured when zipping."""
from __future__ import annotations

import shutil
import stat
import zipfile

import pytest

from toolkit import GenericModel
from toolkit.artifact.archive import artifact_files, safe_extract, zip_artifact
from toolkit.artifact.errors import ArtifactExistsError, UnsafeArchiveError


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("evil", ["../escape.py", "a/../../escape.py", "/etc/escape.py", "C:/escape.py"])
def test_path_traversal_is_refused_before_anything_is_written(tmp_path, evil):
    archive = _zip(tmp_path / "bad.zip", {"score.py": "x = 1\n", evil: "owned = True\n"})
    with pytest.raises(UnsafeArchiveError, match="leaves the extraction directory|resolves outside"):
        safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "escape.py").exists()
    assert not (tmp_path / "out" / "score.py").exists()


def test_symlinks_are_refused(tmp_path):
    info = zipfile.ZipInfo("link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as archive:
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        safe_extract(tmp_path / "link.zip", tmp_path / "out")


def test_from_model_artifact_reads_a_zip_with_a_top_folder(fixture_artifact, tmp_path):
    valid = fixture_artifact("valid")
    with zipfile.ZipFile(tmp_path / "nested.zip", "w") as archive:
        for path in valid.iterdir():
            archive.write(path, f"my-model/{path.name}")
    model = GenericModel.from_model_artifact(str(tmp_path / "nested.zip"), artifact_dir=str(tmp_path / "out"))
    assert model.estimator == {"weights": [0.5, 2.0]}
    assert model.verify([[2.0, 1.0]]) == {"prediction": [3.0]}


def test_from_model_artifact_refuses_a_non_empty_target(fixture_artifact, tmp_path):
    archive = zip_artifact(fixture_artifact("valid"), tmp_path / "valid.zip")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(ArtifactExistsError):
        GenericModel.from_model_artifact(str(archive), artifact_dir=str(tmp_path / "out"))


def test_zip_leaves_out_what_model_ignore_lists(fixture_artifact, tmp_path):
    valid = fixture_artifact("valid")
    (valid / "__pycache__").mkdir()
    (valid / "__pycache__" / "score.cpython-311.pyc").write_bytes(b"\0")
    names = {p.relative_to(valid).as_posix() for p in artifact_files(valid)}
    assert "score.py" in names and not any("__pycache__" in n for n in names)
    with zipfile.ZipFile(zip_artifact(valid, tmp_path / "a.zip")) as archive:
        assert "__pycache__/score.cpython-311.pyc" not in archive.namelist()
    shutil.rmtree(valid / "__pycache__")
