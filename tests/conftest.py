"""The project's own suite runs on its pytest plugin (``toolkit.testing.plugin``), like a user's would.

Installed (``pip install -e .``), pytest loads the plugin from the ``pytest11`` entry point; run from
a bare checkout, it is registered here so the fixtures and the Docker policy are the same.
"""
from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("dockyard"):
        from toolkit.testing import plugin

        config.pluginmanager.register(plugin, "dockyard")
