"""The project's own suite loads its pytest plugin (``toolkit.testing.plugin``), like a user's would.

Installed (``pip install -e .``), pytest loads the plugin from the ``pytest11`` entry point; run from
a bare checkout, it is registered here so the Docker markers and policy are the same everywhere.
The plugin's, quickstart's and promotion's tests use its fixtures; the emulator, catalog and
deployment suites start emulators of their own (their conftest.py says with which settings).
"""
from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("dockyard"):
        from toolkit.testing import plugin

        config.pluginmanager.register(plugin, "dockyard")
