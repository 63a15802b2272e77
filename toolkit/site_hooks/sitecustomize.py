"""Arms Dockyard's network guard at interpreter start-up when ``DOCKYARD_NETWORK_GUARD=1``.

``toolkit.testing.network_guard.child_env()`` puts this folder on ``PYTHONPATH``. The guard module is
loaded by its path, not imported as ``toolkit``: the interpreter may have no Dockyard installed.
"""
import importlib.util
import os
import sys

if os.environ.get("DOCKYARD_NETWORK_GUARD") == "1":
    _path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "network_guard.py")
    _spec = importlib.util.spec_from_file_location("_dockyard_network_guard", _path)
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = _module  # dataclasses looks the module up while the class is made
    _spec.loader.exec_module(_module)
    _module.arm_from_environment()
