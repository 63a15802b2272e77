"""Fixtures shared by the tests that meet Dockyard as an installed package."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing.wheel_venv import make_wheel_venv


@pytest.fixture(scope="session")
def wheel_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter of a fresh venv with Dockyard installed from a wheel built from this checkout
    (built once per test process, whichever test module asks first)."""
    return make_wheel_venv(tmp_path_factory.mktemp("plugin-wheel"))
