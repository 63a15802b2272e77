"""Suite-wide policy: Docker tests run where an engine answers, skip with a reason elsewhere,
and fail (not skip) in CI, where DOCKYARD_REQUIRE_DOCKER=1 says an engine must be there."""
from __future__ import annotations

import functools
import os

import pytest


@functools.lru_cache(maxsize=1)
def docker_engine_problem() -> str | None:
    """Why no Docker engine can be used, or None when one answers."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        client.ping()
        client.close()
    except Exception as exc:  # any failure means "no engine" for test selection
        return f"no Docker engine answers ({type(exc).__name__}: {exc})"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problem = docker_engine_problem() if any("docker" in i.keywords for i in items) else None
    if problem is None:
        return
    if os.environ.get("DOCKYARD_REQUIRE_DOCKER") == "1":
        raise pytest.UsageError(f"DOCKYARD_REQUIRE_DOCKER=1 but {problem}: Docker tests may not skip here")
    for item in items:
        if "docker" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=f"{problem}; run `make docker` to start one"))
