"""The requirements check resolves pins offline: installed here, or a wheel in the local wheel cache."""
from __future__ import annotations

import importlib.metadata

from emulator.runtimes.wheelhouse import build_dir
from toolkit.artifact.requirements import check_resolvable, local_wheel_dirs


def _wheel(directory, name: str, version: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}-{version}-py3-none-any.whl").write_bytes(b"")


def test_an_installed_pin_resolves():
    version = importlib.metadata.version("pyyaml")
    [result] = check_resolvable([f"PyYAML=={version}"], wheel_dirs=[])
    assert result.ok and "installed" in result.detail


def test_a_pin_found_only_in_the_wheel_cache_resolves(tmp_path):
    _wheel(tmp_path / "wheels", "tomli_w", "1.0.0")
    [result] = check_resolvable(["tomli-w==1.0.0"], wheel_dirs=[tmp_path / "wheels"])
    assert result.ok and "local wheel cache" in result.detail


def test_a_version_neither_installed_nor_cached_fails_with_both_reasons(tmp_path):
    _wheel(tmp_path / "wheels", "tomli_w", "1.0.0")
    installed = importlib.metadata.version("pyyaml")
    results = check_resolvable(["tomli-w==9.9.9", "PyYAML==0.0.1", "surely-not-a-package"],
                               wheel_dirs=[tmp_path / "wheels"])
    assert [r.ok for r in results] == [False, False, False]
    assert results[0].detail == "tomli-w is not installed, and no matching wheel is in the local wheel cache"
    assert results[1].detail.startswith(f"PyYAML {installed} is installed, not 0.0.1")


def test_dockyard_image_wheelhouses_and_pip_find_links_are_the_local_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKYARD_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PIP_FIND_LINKS", f"{tmp_path / 'links'} https://example.invalid/simple")
    finished, half_built = build_dir(tmp_path / "home", "abc") / "wheels", build_dir(tmp_path / "home", "def") / "wheels"
    _wheel(finished, "tomli_w", "1.0.0")
    (finished / ".complete").write_text("ok\n")  # what build_wheelhouse writes once pip succeeded
    _wheel(half_built, "tomli_w", "2.0.0")
    (tmp_path / "links").mkdir()
    assert local_wheel_dirs() == [tmp_path / "links", finished]
