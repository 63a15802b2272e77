"""Fixtures of the signing tests: an emulator that enforces signatures, one per test module."""
from __future__ import annotations

import pytest

from emulator.config import EmulatorConfig
from emulator.server import start_in_background


@pytest.fixture(scope="module")
def enforced(tmp_path_factory):
    """An emulator with ``auth_mode="enforce"`` on 127.0.0.1 and a home of its own."""
    running = start_in_background(EmulatorConfig(home=tmp_path_factory.mktemp("enforced"), auth_mode="enforce"))
    yield running
    running.stop()
