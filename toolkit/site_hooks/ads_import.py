"""``connect_ads()`` run as ADS is imported, for processes started with ``DOCKYARD_CONNECT_ADS`` set.

A notebook written for an OCI notebook session begins with ``import ads`` and
``ads.set_auth(auth="resource_principal")``; it has no cell for Dockyard. ``dockyard notebook env``
sets ``DOCKYARD_CONNECT_ADS=session`` and puts ``site_hooks/`` on ``PYTHONPATH``; this finder then
waits for the first ``import ads`` and, once ADS's package has run, calls
``toolkit.ads_connect.connect_ads(session=...)``, so the notebook's own cells find ADS already
pointed at the emulator. Standard library only until then: it is installed in every interpreter.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from typing import Any

ENV = "DOCKYARD_CONNECT_ADS"
MODES = ("local", "session")


class ConnectWhenAdsIsImported(importlib.abc.MetaPathFinder):
    """Finds nothing itself: it wraps the loader of the ``ads`` package the other finders find."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "ads":
            return None
        sys.meta_path.remove(self)  # once; and find_spec below must not come back here
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        load, mode = spec.loader.exec_module, self.mode

        def exec_module(module: Any) -> None:
            load(module)
            try:
                from toolkit.ads_connect import connect_ads
            except ImportError as exc:
                raise ImportError(f"{ENV}={mode} asks Dockyard to connect ADS, but Dockyard is not importable by "
                                  f"{sys.executable} ({exc}). Install it there (pip install --no-deps dockyard) or "
                                  f"unset {ENV}.") from exc
            connect_ads(session=mode == "session")

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install_from_environment() -> None:
    """Wait for ``import ads`` when ``DOCKYARD_CONNECT_ADS`` is ``local`` or ``session``."""
    mode = os.environ.get(ENV, "")
    if mode not in MODES:
        print(f"Dockyard: {ENV}={mode!r} is not one of {', '.join(MODES)}; ADS is not connected.", file=sys.stderr)
        return
    if "ads" not in sys.modules:
        sys.meta_path.insert(0, ConnectWhenAdsIsImported(mode))
