"""The offline base image's recipe: it answers to the names python:3.11-slim does (``python``, ``pip``),
and an image an older recipe built is built again, since developers' engines keep their images."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from emulator.runtimes import base_image
from emulator.runtimes.base_image import BUILD_KEY_LABEL, BaseImageError, build_offline, finish_rootfs


def _debian_rootfs(root: Path, *names: str) -> Path:
    """A root filesystem with ``names`` in /usr/bin and Debian's PEP 668 marker."""
    (root / "usr" / "bin").mkdir(parents=True)
    for name in names:
        (root / "usr" / "bin" / name).touch()
    (root / base_image.PEP668_MARKER).parent.mkdir(parents=True)
    (root / base_image.PEP668_MARKER).write_text("[externally-managed]\n")
    return root


def test_the_offline_root_filesystem_has_python_and_pip_and_lets_pip_install_as_python_slim_does(tmp_path):
    root = _debian_rootfs(tmp_path, "python3", "pip", "pip3")
    (root / "usr" / "bin" / "python").symlink_to("python3")  # python-is-python3's link
    finish_rootfs(root)
    assert not (root / base_image.PEP668_MARKER).exists()


def test_a_root_filesystem_without_python_fails_the_build_naming_what_is_missing(tmp_path):
    root = _debian_rootfs(tmp_path, "python3", "pip3")
    with pytest.raises(BaseImageError, match=r"would lack python, pip in /usr/bin"):
        finish_rootfs(root)


class _Engine:
    """The Docker client calls build_offline makes, over one image per tag."""

    def __init__(self, labels_by_tag: dict[str, dict[str, str]]):
        self.labels_by_tag = labels_by_tag
        self.images = SimpleNamespace(get=self._get)

    def _get(self, tag: str) -> SimpleNamespace:
        import docker.errors

        if tag not in self.labels_by_tag:
            raise docker.errors.ImageNotFound(tag)
        return SimpleNamespace(id=f"sha256:{tag}", labels=self.labels_by_tag[tag])

    def close(self) -> None:
        pass


def _build(monkeypatch, engine: _Engine) -> list[list[str]]:
    """Run build_offline against ``engine`` with debootstrap and the import faked; the imports' changes."""
    imports: list[list[str]] = []

    def debootstrap(root: Path, log) -> None:
        _debian_rootfs(root, "python3", "pip", "pip3")
        (root / "usr" / "bin" / "python").symlink_to("python3")

    def import_(client, root, tag, changes, log) -> None:
        imports.append(changes)
        engine.labels_by_tag[tag] = dict(change.removeprefix("LABEL ").split("=", 1) for change in changes
                                         if change.startswith("LABEL "))

    monkeypatch.setattr(base_image, "build_problem", lambda: None)
    monkeypatch.setattr(base_image, "_client", lambda timeout=30: engine)
    monkeypatch.setattr(base_image, "_debootstrap", debootstrap)
    monkeypatch.setattr(base_image, "_import", import_)
    build_offline("dockyard-test/python:3.11-local", log=lambda line: None)
    return imports


def test_an_offline_image_built_without_python_is_built_again_and_one_from_this_recipe_is_kept(monkeypatch):
    with monkeypatch.context() as old:
        old.setattr(base_image, "DEBIAN_PACKAGES", ("python3", "python3-pip", "python3-venv"))
        old_key = base_image.offline_build_key()
    assert old_key != base_image.offline_build_key()
    engine = _Engine({"dockyard-test/python:3.11-local": {BUILD_KEY_LABEL: old_key}})

    imports = _build(monkeypatch, engine)
    assert len(imports) == 1 and f"LABEL {BUILD_KEY_LABEL}={base_image.offline_build_key()}" in imports[0]
    assert 'CMD ["python3"]' in imports[0]
    assert _build(monkeypatch, engine) == []  # the engine has it from this recipe now


def test_an_offline_image_from_before_build_keys_is_built_again(monkeypatch):
    engine = _Engine({"dockyard-test/python:3.11-local": {}})  # the first recipe set no label at all
    assert len(_build(monkeypatch, engine)) == 1
