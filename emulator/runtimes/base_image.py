"""The base image deployment images are built on: which one, whether the engine has it, and how to
build the offline one (``dockyard emulator base-image``, ``make docker``, CI).

With ``DOCKYARD_BASE_IMAGE`` unset the choice is made per deploy: the stock ``python:3.11-slim``
when the engine has it, else the offline ``dockyard/python:3.11-local`` when that one is there,
else the stock image (to be pulled). So building the offline image is enough on a machine that
reaches no registry; nothing has to be exported or restarted.

The offline image is a Debian root filesystem made with ``debootstrap`` (python3, pip, venv) and
imported into the engine: no registry involved, only Debian's package mirror. It answers on PATH to
the names ``python:3.11-slim`` does (``python``, ``python3``, ``pip``, ``pip3``: BYOC images start with
``["python", "api.py"]``), and ``pip install`` works in it as in that image (Debian's PEP 668 marker is
removed). The image carries its recipe's hash (label ``dockyard.build-key``): an image built by an
older recipe is built again, not kept because its tag exists.

Environments that run a JVM (pyspark) build on a Java base image instead
(``DOCKYARD_JAVA_BASE_IMAGE``, default ``dockyard/python-jre:3.11-local``): ``build_java`` layers
Debian's ``openjdk-17-jre-headless`` on the base image with one ``apt-get`` build step, so it shares
the base's layers and costs no second debootstrap. Deployment builds stay offline; this build
alone reaches Debian's mirror (host network), as debootstrap does. It carries the hash of its base
image's id and its Dockerfile, so a rebuilt base image makes it build again.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

from emulator.settings import (BASE_IMAGE_ENV, DEFAULT_BASE_IMAGE, OFFLINE_BASE_IMAGE, OFFLINE_JAVA_BASE_IMAGE,
                               RUNTIME_ENV)

PULL_WAIT = 20.0  # seconds a deploy waits for a pull before letting the deployment wait for it instead
DEBIAN_SUITE = "bookworm"  # Debian 12: python3.11, the version the deployment images serve with
# python-is-python3: Debian's /usr/bin/python -> python3 link (python3-pip already has pip and pip3).
# libgomp1: the OpenMP runtime that LightGBM's wheel links to without bundling it (OCI's conda packs
# carry it; python:3.11-slim does not), so a LightGBM model deploys as it does in OCI.
DEBIAN_PACKAGES = ("python3", "python3-pip", "python3-venv", "python-is-python3", "libgomp1")
SLIM_COMMANDS = ("python", "python3", "pip", "pip3")  # what python:3.11-slim answers to on PATH
PEP668_MARKER = "usr/lib/python3.11/EXTERNALLY-MANAGED"  # removed: pip installs system-wide, as in python:3.11-slim
OFFLINE_IMAGE_CONFIG = ("ENV LANG=C.UTF-8", 'CMD ["python3"]')  # python:3.11-slim's
BUILD_KEY_LABEL = "dockyard.build-key"  # the hash of what an image was built from: an unchanged recipe is not rebuilt
JAVA_PACKAGE = "openjdk-17-jre-headless"  # Debian 12's JRE; pyspark 3.5/4.x run on Java 17
JAVA_DOCKERFILE = f"""\
FROM {{base}}
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends {JAVA_PACKAGE} >/dev/null \\
 && apt-get clean && rm -rf /var/lib/apt/lists/* \\
 && java -version
"""


class BaseImageError(RuntimeError):
    """The offline base image cannot be built here; the message says what is missing."""


def _client(timeout: int = 30) -> Any:
    import docker

    return docker.from_env(timeout=timeout)


def resolve(explicit: str | None) -> str:
    """The base image to build on: ``explicit`` when given, else the first the engine has of
    (``python:3.11-slim``, ``dockyard/python:3.11-local``), else ``python:3.11-slim``."""
    if explicit:
        return explicit
    try:
        client = _client()
        try:
            for candidate in (DEFAULT_BASE_IMAGE, OFFLINE_BASE_IMAGE):
                if _is_local(client, candidate):
                    return candidate
        finally:
            client.close()
    except Exception:  # no engine: the caller finds that out with its own message
        pass
    return DEFAULT_BASE_IMAGE


def _is_local(client: Any, image: str) -> bool:
    import docker.errors

    try:
        client.images.get(image)
        return True
    except docker.errors.ImageNotFound:
        return False


def problem(image: str, pull_wait: float = PULL_WAIT) -> str | None:
    """Why ``image`` cannot be had (not local and the pull failed), or None when it can.

    A pull still running after ``pull_wait`` seconds counts as "can be had": the deployment's
    own build waits for it. Offline, a pull fails at once (no registry host resolves).
    """
    try:
        client = _client()
        if _is_local(client, image):
            client.close()
            return None
    except Exception as exc:  # noqa: BLE001 - any failure here means the engine cannot be used
        return f"the Docker engine cannot be asked for {image} ({type(exc).__name__}: {exc})"
    failure: list[BaseException] = []

    def pull() -> None:
        try:
            client.images.pull(image)
        except Exception as exc:  # noqa: BLE001 - reported below
            failure.append(exc)
        finally:
            client.close()

    puller = threading.Thread(target=pull, name=f"pull {image}", daemon=True)
    puller.start()
    puller.join(pull_wait)
    if puller.is_alive() or not failure:
        return None
    return not_local(image, _reason(failure[0]))


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "explanation", None) or exc).strip()
    return f"{type(exc).__name__}: {text[:200]}"


def unavailable_message(problem_text: str, explicit: bool) -> str:
    """The actionable error for a docker deployment whose base image cannot be had.

    ``problem_text`` is what ``problem()`` said; ``explicit``: the image came from a setting
    (``DOCKYARD_BASE_IMAGE``) rather than the default choice.
    """
    if explicit:
        what = f"base image {problem_text} (it is {BASE_IMAGE_ENV})."
        then = f", then unset {BASE_IMAGE_ENV} or set it to {OFFLINE_BASE_IMAGE}"
    else:
        what = (f"no base image for deployment images: {problem_text}, and the offline {OFFLINE_BASE_IMAGE} "
                "is not there either.")
        then = ""
    return (f"{what} Build the offline one with `{build_command()}` (Debian/Ubuntu; needs root and debootstrap, "
            f"a few minutes){then}; or set {BASE_IMAGE_ENV} to a Python 3.11 image the engine has "
            f"(`docker images`); or use the process runtime ({RUNTIME_ENV}=process). Settings take effect on the "
            "next deploy.")


def not_local(image: str, reason: str) -> str:
    """``problem()``'s wording for an image that is neither local nor pullable."""
    return f"{image} is not in the local Docker engine and could not be pulled ({reason})"


def build_command() -> str:
    """How to run ``dockyard emulator base-image`` as root from this installation, spelled out in full
    (``sudo`` resets PATH, so a bare ``dockyard`` would not be found)."""
    executable = Path(sys.executable).parent / "dockyard"
    program = str(executable) if executable.exists() else "dockyard"
    prefix = "" if _is_root() else "sudo "
    return f"{prefix}{program} emulator base-image"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def build_problem() -> str | None:
    """What keeps ``build_offline`` from running here, or None."""
    from emulator.runtimes import docker_problem

    if not _is_root():
        return (f"building the offline base image needs root (debootstrap makes a root filesystem): "
                f"run `{build_command()}`")
    if shutil.which("debootstrap") is None:
        return "building the offline base image needs debootstrap: `apt-get install debootstrap` (Debian/Ubuntu)"
    engine = docker_problem()
    if engine:
        return f"building the offline base image needs a Docker engine, and none answers ({engine})"
    return None


def build_offline(tag: str = OFFLINE_BASE_IMAGE, log: Callable[[str], None] = print, force: bool = False) -> str:
    """Build the offline base image ``tag`` (debootstrap + import) unless the engine has it from this
    recipe (``offline_build_key()``); return ``tag``."""
    problem_here = build_problem()
    if problem_here:
        raise BaseImageError(problem_here)
    key = offline_build_key()
    client = _client(timeout=600)
    try:
        if not force and built_from(client, tag, key):
            log(f"{tag} is already in the Docker engine (pass --force to build it again)")
            return tag
        if _is_local(client, tag):
            log(f"{tag} was built by another recipe (label {BUILD_KEY_LABEL}); building it again")
        with tempfile.TemporaryDirectory(prefix="dockyard-rootfs-") as root:
            _debootstrap(Path(root), log)
            finish_rootfs(Path(root))
            _import(client, Path(root), tag, [*OFFLINE_IMAGE_CONFIG, f"LABEL {BUILD_KEY_LABEL}={key}"], log)
    finally:
        client.close()
    log(f"built {tag}")
    return tag


def offline_build_key() -> str:
    """The hash of the offline image's recipe; changing the recipe changes it, so images built by the old one
    are built again."""
    recipe = [DEBIAN_SUITE, *DEBIAN_PACKAGES, *SLIM_COMMANDS, PEP668_MARKER, *OFFLINE_IMAGE_CONFIG]
    return hashlib.sha256("\n".join(recipe).encode()).hexdigest()[:16]


def built_from(client: Any, tag: str, key: str) -> str | None:
    """The id of ``tag`` when the engine has it built from the recipe whose hash is ``key``, else None."""
    import docker.errors

    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    return image.id if (image.labels or {}).get(BUILD_KEY_LABEL) == key else None


def finish_rootfs(root: Path) -> None:
    """Make the root filesystem ``root`` answer as python:3.11-slim does: pip installs into the system Python
    (Debian's PEP 668 marker removed), and every name of ``SLIM_COMMANDS`` is in /usr/bin."""
    (root / PEP668_MARKER).unlink(missing_ok=True)
    missing = [name for name in SLIM_COMMANDS if not os.path.lexists(root / "usr" / "bin" / name)]
    if missing:
        raise BaseImageError(f"the offline base image would lack {', '.join(missing)} in /usr/bin "
                             f"(debootstrap installed {', '.join(DEBIAN_PACKAGES)})")


def _debootstrap(root: Path, log: Callable[[str], None]) -> None:
    log(f"debootstrap {DEBIAN_SUITE} ({', '.join(DEBIAN_PACKAGES)}) into {root}; this takes a few minutes")
    command = ["debootstrap", "--variant=minbase", f"--include={','.join(DEBIAN_PACKAGES)}", DEBIAN_SUITE, str(root)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tail: list[str] = []
    phases: set[str] = set()
    for line in process.stdout:
        tail = (tail + [line.rstrip()])[-20:]
        words = line.split()
        if line.startswith("I: ") and len(words) > 1 and words[1] not in phases:  # each phase once, not every package
            phases.add(words[1])
            log(line.rstrip())
    if process.wait() != 0:
        raise BaseImageError("debootstrap failed:\n" + "\n".join(tail))


def _import(client: Any, root: Path, tag: str, changes: list[str], log: Callable[[str], None]) -> None:
    """Stream the root filesystem as a tar into the engine (``docker import`` with the Dockerfile
    instructions ``changes``), never whole in memory."""
    from docker.utils import parse_repository_tag

    repository, version = parse_repository_tag(tag)
    log(f"importing the root filesystem as {tag}")
    tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
    try:
        client.api.import_image_from_stream(tar.stdout, repository=repository, tag=version or "latest",
                                            changes=changes)
    finally:
        tar.stdout.close()
        if tar.wait() != 0:
            raise BaseImageError(f"tar of {root} failed with status {tar.returncode}")


def build_java(tag: str = OFFLINE_JAVA_BASE_IMAGE, base: str | None = None, log: Callable[[str], None] = print,
               force: bool = False) -> str:
    """Build the Java base image ``tag``: ``base`` (default: the resolved base image) plus Debian's JRE,
    installed by ``apt-get`` in one build step on the host network; skipped when the engine has ``tag`` built
    from this Dockerfile on this very ``base`` (its image id)."""
    from emulator.runtimes import docker_problem

    engine = docker_problem()
    if engine:
        raise BaseImageError(f"building the Java base image needs a Docker engine, and none answers ({engine})")
    base = resolve(base)
    client = _client(timeout=600)
    try:
        if not _is_local(client, base):
            raise BaseImageError(f"the Java base image is built on {base}, which the engine does not have: build it "
                                 f"first (`{build_command()}`) or name another with {BASE_IMAGE_ENV}")
        dockerfile = JAVA_DOCKERFILE.format(base=base)
        key = hashlib.sha256(f"{client.images.get(base).id}\n{dockerfile}".encode()).hexdigest()[:16]
        if not force and built_from(client, tag, key):
            log(f"{tag} is already in the Docker engine, built on this {base} (pass --force to build it again)")
            return tag
        log(f"building {tag} from {base} + {JAVA_PACKAGE} (apt-get, Debian's mirror)")
        with tempfile.TemporaryDirectory(prefix="dockyard-jre-") as context:
            Path(context, "Dockerfile").write_text(dockerfile)
            _stream_build(client, context, tag, {"dockyard.base": base, BUILD_KEY_LABEL: key}, log)
    finally:
        client.close()
    log(f"built {tag}")
    return tag


def _stream_build(client: Any, context: str, tag: str, labels: dict[str, str], log: Callable[[str], None]) -> None:
    tail: list[str] = []
    for chunk in client.api.build(path=context, tag=tag, rm=True, forcerm=True, decode=True, network_mode="host",
                                  labels=labels):
        if "error" in chunk:
            raise BaseImageError(f"building {tag} failed: {chunk['error'].strip()}\n" + "\n".join(tail))
        for line in str(chunk.get("stream", "")).splitlines():
            if line.strip():
                tail = (tail + [line])[-20:]
                if line.startswith("Step ") or "version" in line:
                    log(line)
