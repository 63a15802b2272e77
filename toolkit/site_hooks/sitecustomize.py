"""Dockyard's start-up hooks for Python processes started with its environment on ``PYTHONPATH``.

- ``DOCKYARD_NETWORK_GUARD=1`` (``toolkit.testing.network_guard.child_env``): arm the network guard.
- ``DOCKYARD_CONNECT_ADS=session`` or ``local`` (``dockyard notebook env``): run ``connect_ads()``
  the moment the process imports ADS, so a Jupyter kernel started from that shell runs a notebook
  written for OCI unchanged (``toolkit.site_hooks.ads_import``).

Both modules are loaded by their paths, not imported through ``toolkit``: this runs in every
interpreter of that environment, and importing Dockyard here would slow each one down (or fail where
Dockyard is not installed).
"""
import importlib.util
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses looks the module up while its classes are made
    spec.loader.exec_module(module)
    return module


if os.environ.get("DOCKYARD_NETWORK_GUARD") == "1":
    _load("_dockyard_network_guard", os.path.join(os.path.dirname(_HERE), "testing", "network_guard.py")
          ).arm_from_environment()
if os.environ.get("DOCKYARD_CONNECT_ADS"):
    _load("_dockyard_ads_import", os.path.join(_HERE, "ads_import.py")).install_from_environment()
