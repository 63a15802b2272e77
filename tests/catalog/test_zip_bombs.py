"""Zip bombs are refused, with a clear error and nothing left on disk, on every path that unpacks
an artifact: ``emulator.unzip`` itself, ``GenericModel.from_model_artifact``, ``dockyard models
download`` and a deployment. Ordinary artifacts, incompressible or text, go through.

The bomb is the one of the hostile test: a 1 MB zip that expands to 1 GiB of zeros. It is built
by hand (one compressed MiB repeated, which deflate allows after a full flush) in well under a
second, where zipfile would take ~15 s to compress it.
"""
from __future__ import annotations

import os
import struct
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from oci.data_science.models import CreateModelDetails

from emulator import unzip
from toolkit import GenericModel
from toolkit.artifact.errors import UnsafeArchiveError
from toolkit.cli import cli

MIB = 1024 * 1024


# ------------------------------------------------------------------------------------------------
# Building zips by hand
# ------------------------------------------------------------------------------------------------

def _zeros_deflated(mib: int) -> tuple[bytes, int, int]:
    """A raw deflate stream of ``mib`` MiB of zeros: (compressed bytes, size, crc32)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(bytes(MIB), crc)
    return piece * mib + b"\x03\x00", mib * MIB, crc  # + an empty final block


def _stored(data: bytes) -> tuple[bytes, int, int, int]:
    return data, len(data), zlib.crc32(data), zipfile.ZIP_STORED


def write_zip(path: Path, members: list[tuple[str, tuple]]) -> Path:
    """A zip of ``(name, (data, size, crc32, method))`` members, headers exactly as given."""
    local, central = bytearray(), bytearray()
    for name, (data, size, crc, method) in members:
        encoded = name.encode()
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size,
                             len(encoded), 0) + encoded + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x0314, 20, 0, method, 0, 0x21, crc, len(data),
                               size, len(encoded), 0, 0, 0, 0, 0o100644 << 16, offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    path.write_bytes(bytes(local + central + end))
    return path


SCORE = b"def load_model():\n    return None\n\ndef predict(data, model=load_model()):\n    return {'prediction': data}\n"


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """1 MB that unpacks to 1 GiB, with a score.py so it looks like an artifact."""
    data, size, crc = _zeros_deflated(1024)
    path = write_zip(tmp_path_factory.mktemp("bomb") / "artifact.zip",
                     [("score.py", _stored(SCORE)), ("weights.bin", (data, size, crc, zipfile.ZIP_DEFLATED))])
    assert path.stat().st_size < 1.1 * MIB
    return path


def _ordinary(path: Path, weights_mib: int = 3) -> Path:
    """An artifact of incompressible weights and a compressible CSV, made with zipfile."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("score.py", SCORE)
        zf.writestr("weights.bin", os.urandom(weights_mib * MIB))
        zf.writestr("data/sample.csv", "".join(f"{i},{i * 0.5},{i % 7},label{i % 3}\n" for i in range(200_000)))
    return path


def _listing(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*")) if directory.exists() else []


# ------------------------------------------------------------------------------------------------
# emulator.unzip: the one extraction
# ------------------------------------------------------------------------------------------------

def test_a_1_mb_zip_expanding_to_1_gib_is_refused_before_a_byte_is_written(bomb, tmp_path):
    started = time.monotonic()
    with pytest.raises(unzip.ZipBomb) as info:
        unzip.extract(bomb, tmp_path / "out")
    assert "weights.bin expands" in str(info.value) and "zip bomb" in str(info.value)
    assert unzip.ENV_MAX_RATIO in info.value.hint
    assert not (tmp_path / "out").exists()
    assert time.monotonic() - started < 5  # refused from the headers, not after inflating


def test_headers_that_understate_the_size_gain_nothing(tmp_path):
    data, _, crc = _zeros_deflated(64)
    lying = write_zip(tmp_path / "lying.zip", [("score.py", _stored(SCORE)),
                                               ("weights.bin", (data, 100_000, crc, zipfile.ZIP_DEFLATED))])
    with pytest.raises(unzip.UnsafeZip):
        unzip.extract(lying, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_many_small_members_cannot_add_up_to_a_bomb(tmp_path):
    data, size, crc = _zeros_deflated(1)
    many = write_zip(tmp_path / "many.zip", [(f"part{i}.bin", (data, size, crc, zipfile.ZIP_DEFLATED))
                                             for i in range(2000)])
    with pytest.raises(unzip.ZipBomb) as info:
        unzip.extract(many, tmp_path / "out")
    assert "the zip as a whole" in str(info.value)
    assert not (tmp_path / "out").exists()


def test_size_limit_comes_from_the_argument_then_the_environment(tmp_path, monkeypatch):
    artifact = _ordinary(tmp_path / "a.zip", weights_mib=3)
    monkeypatch.setenv(unzip.ENV_MAX_BYTES, "2M")
    with pytest.raises(unzip.ZipBomb) as info:
        unzip.extract(artifact, tmp_path / "out")
    assert "more than 2.0 MiB" in str(info.value) and unzip.ENV_MAX_BYTES in info.value.hint
    assert not (tmp_path / "out").exists()
    unzip.extract(artifact, tmp_path / "out", unzip.ZipLimits.resolve(max_bytes="64M"))
    assert (tmp_path / "out" / "weights.bin").stat().st_size == 3 * MIB


def test_a_failure_midway_removes_what_was_written_but_keeps_what_was_there(tmp_path):
    out = tmp_path / "out"
    (out / "mine").mkdir(parents=True)
    (out / "mine" / "keep.txt").write_text("not from the zip")
    corrupt = bytearray(_ordinary(tmp_path / "a.zip").read_bytes())
    start = corrupt.index(b"weights.bin") + 200  # inside the weights' data: its CRC fails
    corrupt[start:start + 64] = bytes(64)
    (tmp_path / "corrupt.zip").write_bytes(corrupt)
    with pytest.raises(unzip.UnsafeZip):
        unzip.extract(tmp_path / "corrupt.zip", out)
    assert _listing(out) == ["mine", "mine/keep.txt"]


def test_ordinary_artifacts_go_through_with_the_defaults(tmp_path):
    digests = unzip.extract(_ordinary(tmp_path / "a.zip", weights_mib=8), tmp_path / "out")
    assert set(digests) == {"score.py", "weights.bin", "data/sample.csv"}
    assert digests["weights.bin"]["size"] == 8 * MIB


@pytest.mark.parametrize(("name", "value"), [(unzip.ENV_MAX_BYTES, "lots"), (unzip.ENV_MAX_BYTES, "-1"),
                                             (unzip.ENV_MAX_RATIO, "abc"), (unzip.ENV_MAX_RATIO, "0")])
def test_a_bad_setting_is_a_clear_error(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        unzip.ZipLimits.resolve()


# ------------------------------------------------------------------------------------------------
# The three paths users take
# ------------------------------------------------------------------------------------------------

def test_from_model_artifact_refuses_a_bomb_and_leaves_nothing(bomb, tmp_path, monkeypatch):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with pytest.raises(UnsafeArchiveError) as info:
        GenericModel.from_model_artifact(str(bomb))
    assert "zip bomb" in str(info.value) and "Hint:" in str(info.value)
    assert _listing(scratch) == []
    with pytest.raises(UnsafeArchiveError):
        GenericModel.from_model_artifact(str(bomb), artifact_dir=str(tmp_path / "chosen"))
    assert not (tmp_path / "chosen").exists()


def test_from_model_artifact_takes_the_limits_as_arguments(tmp_path):
    artifact = _ordinary(tmp_path / "a.zip", weights_mib=3)
    with pytest.raises(UnsafeArchiveError, match="more than 1.0 MiB"):
        GenericModel.from_model_artifact(str(artifact), artifact_dir=str(tmp_path / "x"), max_unzipped_bytes="1M")
    assert not (tmp_path / "x").exists()


def _model_with_artifact(project_id: str, artifact: Path) -> str:
    from toolkit.catalog.session import connect

    session = connect()
    model = session.ds.create_model(CreateModelDetails(compartment_id=session.compartment(None),
                                                       project_id=project_id, display_name="bomb")).data
    with artifact.open("rb") as fh:
        session.ds.create_model_artifact(model.id, fh, content_disposition='attachment; filename="artifact.zip"')
    return model.id


def test_models_download_refuses_a_bomb_and_leaves_nothing(bomb, tmp_path, project_id):
    model_id = _model_with_artifact(project_id, bomb)
    result = CliRunner().invoke(cli, ["models", "download", model_id, str(tmp_path / "dl")])
    assert result.exit_code == 1
    assert "zip bomb" in result.output and "DOCKYARD_MAX_ZIP_RATIO" in result.output
    assert not (tmp_path / "dl").exists()


def test_models_download_takes_the_limits_as_options(tmp_path, project_id):
    model_id = _model_with_artifact(project_id, _ordinary(tmp_path / "a.zip", weights_mib=3))
    small = CliRunner().invoke(cli, ["models", "download", model_id, str(tmp_path / "dl"), "--max-unzipped-bytes", "1M"])
    assert small.exit_code == 1 and "more than 1.0 MiB" in small.output
    assert not (tmp_path / "dl").exists()
    ok = CliRunner().invoke(cli, ["models", "download", model_id, str(tmp_path / "dl")])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "dl" / "weights.bin").stat().st_size == 3 * MIB


def _not_a_zip(path: Path) -> Path:
    path.write_bytes(b"not a zip at all")
    return path


def _escaping(path: Path) -> Path:
    return write_zip(path, [("score.py", _stored(SCORE)), ("../../outside.txt", _stored(b"escaped"))])


@pytest.mark.parametrize(("make", "reason"), [
    (None, "zip bomb"),
    (_not_a_zip, "not a valid zip"),
    (_escaping, "leaves the extraction directory"),
], ids=["bomb", "not-a-zip", "zip-slip"])
def test_a_failed_deploy_leaves_no_artifact_directory(bomb, tmp_path, emulator, project_id, make, reason):
    from oci.data_science import models as m

    from toolkit.catalog.session import connect

    model_id = _model_with_artifact(project_id, make(tmp_path / "artifact.zip") if make else bomb)
    session = connect()
    details = m.CreateModelDeploymentDetails(
        compartment_id=session.compartment(None), project_id=project_id, display_name="refused",
        model_deployment_configuration_details=m.SingleModelDeploymentConfigurationDetails(
            deployment_type="SINGLE_MODEL", model_configuration_details=m.ModelConfigurationDetails(
                model_id=model_id, instance_configuration=m.InstanceConfiguration(instance_shape_name="VM.Standard.E4.Flex"))))
    deployment = session.ds.create_model_deployment(details).data
    deadline = time.monotonic() + 60
    while (state := session.ds.get_model_deployment(deployment.id).data).lifecycle_state == "CREATING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert state.lifecycle_state == "FAILED"
    directory = Path(emulator.state.config.home) / "deployments" / deployment.id
    assert sorted(p.name for p in directory.iterdir()) == ["logs"]  # no artifact, no artifact.tmp
    assert not (directory.parent / "outside.txt").exists()
    assert reason in state.lifecycle_details
