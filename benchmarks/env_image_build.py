"""How long a deployment environment's image takes to build, beside a two-stage Dockerfile.

The docker runtime builds an environment by installing the wheelhouse in a container of the base
image (wheelhouse mounted, no network) and committing it (``emulator/runtimes/venv_image.py``). The
peer, built in the same run from the same wheelhouse and base, is the usual way to get the same
image without leaving the wheels inside it: a two-stage Dockerfile whose second stage copies the
venv over. Each build starts with neither image in the engine; the wheelhouse is built first and
not timed, since both use it. Run from the repo root, with a Docker engine and the base image:

    python benchmarks/env_image_build.py [--requirement tensorflow-cpu==2.21.0 ...] [--base-image IMG]

The default environment is the quickstart's (scikit-learn, pandas, numpy at this host's versions).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulator import settings  # noqa: E402
from emulator.runtimes.base_image import resolve  # noqa: E402
from emulator.runtimes.docker import DockerRuntime  # noqa: E402
from emulator.runtimes.requirements import with_server_packages  # noqa: E402
from emulator.runtimes.server_package import copy_to  # noqa: E402
from emulator.runtimes.wheelhouse import for_requirements, link_into  # noqa: E402

PEER_DOCKERFILE = """\
FROM {base} AS build
COPY wheels /tmp/wheels
RUN python3 -m venv /opt/dockyard/venv \\
 && /opt/dockyard/venv/bin/python -m pip install --no-index --no-cache-dir --disable-pip-version-check \\
      --find-links /tmp/wheels -r /tmp/wheels/requirements.txt \\
 && /opt/dockyard/venv/bin/python -m pip uninstall -y -q pip setuptools

FROM {base}
COPY --from=build /opt/dockyard/venv /opt/dockyard/venv
COPY dockyard_inference /opt/dockyard/dockyard_inference
ENV PATH=/opt/dockyard/venv/bin:/usr/local/bin:/usr/bin:/bin PYTHONPATH=/opt/dockyard
CMD ["/opt/dockyard/venv/bin/python", "-m", "gunicorn"]
"""


def _quickstart_environment() -> list[str]:
    return [f"{name}=={metadata.version(name)}" for name in ("scikit-learn", "pandas", "numpy")]


def _committed(client, home: Path, requirements: list[str], base: str) -> tuple[float, str]:
    runtime = DockerRuntime(home, base_image=base)
    for _ in range(2):
        lines: list[str] = []
        start = time.perf_counter()
        tag = runtime.ensure_image(requirements, lines.append)
        elapsed = time.perf_counter() - start
        if not any("skipping the build" in line for line in lines):
            return elapsed, tag
        client.images.remove(tag, force=True)  # an earlier deploy's image: time a build, not a lookup
    raise RuntimeError("the environment image was still cached after removing it")


def _two_stage(client, home: Path, requirements: list[str], base: str) -> tuple[float, str]:
    context = home / "peer-context"
    link_into(for_requirements(home, with_server_packages(requirements), lambda line: None), context / "wheels")
    copy_to(context)
    (context / "Dockerfile").write_text(PEER_DOCKERFILE.format(base=base))
    start = time.perf_counter()
    image, _ = client.images.build(path=str(context), tag="dockyard-bench/two-stage:latest", rm=True, forcerm=True)
    return time.perf_counter() - start, image.id


def _size_mb(client, ref: str) -> float:
    return client.images.get(ref).attrs["Size"] / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requirement", action="append", help="a pinned requirement (repeatable)")
    parser.add_argument("--base-image", default=None)
    args = parser.parse_args()
    import docker

    client = docker.from_env(timeout=1200)
    base = resolve(args.base_image or settings.base_image())
    requirements = args.requirement or _quickstart_environment()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        print(f"environment: {', '.join(requirements)} on {base}")
        for_requirements(home, with_server_packages(requirements), lambda line: None)  # shared, not timed
        committed_s, tag = _committed(client, home, requirements, base)
        committed_mb = _size_mb(client, tag)
        client.images.remove(tag, force=True)
        peer_s, peer_id = _two_stage(client, home, requirements, base)
        peer_mb = _size_mb(client, peer_id)
        client.images.remove(peer_id, force=True)
        client.images.prune(filters={"dangling": True})
    print(f"committed install container  {committed_s:7.1f} s  image {committed_mb:7.0f} MB")
    print(f"two-stage Dockerfile (peer)  {peer_s:7.1f} s  image {peer_mb:7.0f} MB")
    print(f"ratio committed / peer       {committed_s / peer_s:7.2f}")


if __name__ == "__main__":
    main()
