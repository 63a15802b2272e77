"""The ``docker`` runtime: one container per deployment, through the Docker SDK (never the CLI).

Images are built per environment: the base Python image + a venv with the artifact's
requirements (or its conda pack's), installed from a wheelhouse built on the host (``--no-index``)
in a container with no network that is then committed (``venv_image``), and the inference server's
package in a thin layer of its own on top. The venv image is named by a hash of base image id +
requirements + install recipe, the served image by that and the server's source: a second deploy of
the same environment reuses both, and a new server version reuses the venv. The artifact is mounted read-only at OCI's path, the
container port is published on 127.0.0.1 on a port Docker picks, and labels let a restarted
emulator find its containers again. BYOC runs the user's image with its own ports and command.
An environment that runs a JVM (pyspark) is built on ``java_base_image`` instead: the base image
with a Java runtime, since the offline build cannot apt-get one.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from emulator import private
from emulator.runtimes.base import (MODEL_DIR_IN_CONTAINER, LogSink, RuntimeFailure, ServerHandle, ServerSpec,
                                    wait_healthy)
from emulator.runtimes.base_image import build_command, not_local, resolve as resolve_base_image, unavailable_message
from emulator.runtimes.requirements import environment_key, needs_java, with_server_packages
from emulator.runtimes.server_package import PACKAGE_NAME, copy_to, gunicorn_args, source_hash
from emulator.runtimes.venv_image import (VENV, add_package_layer, build_venv_image, host_build_lock, install_script,
                                          log_lines, package_script, venv_environment)
from emulator.runtimes.wheelhouse import build_dir, for_requirements
from emulator.settings import JAVA_BASE_IMAGE_ENV, OFFLINE_JAVA_BASE_IMAGE

SERVER_PORT = 8080
LOG_DIR_IN_CONTAINER = "/var/log/dockyard"
IMAGE_REPO = "dockyard-env"
LABEL_DEPLOYMENT = "dockyard.deployment"
LABEL_HOME = "dockyard.home"
LABEL_LOG_DIR = "dockyard.log-dir"

# gunicorn's quick shutdown. Not a `docker commit --change` instruction: it goes in the commit's config.
STOP_SIGNAL = "SIGQUIT"


def image_config(base: str, key: str) -> list[str]:
    """The Dockerfile instructions the committed image gets: how its containers serve the model."""
    gunicorn = ", ".join(f'"{a}"' for a in gunicorn_args("/opt/dockyard"))
    return [*venv_environment(), f"ENV PORT={SERVER_PORT}", f"ENV DOCKYARD_MODEL_DIR={MODEL_DIR_IN_CONTAINER}",
            f"ENV DOCKYARD_LOG_DIR={LOG_DIR_IN_CONTAINER}", f"WORKDIR {MODEL_DIR_IN_CONTAINER}",
            f"EXPOSE {SERVER_PORT}", f'CMD ["{VENV}/bin/python", "-m", "gunicorn", {gunicorn}]',
            f'LABEL dockyard.env-key="{key}" dockyard.base="{base}"']


class DockerRuntime:
    """Builds environment images and runs deployment containers on the local Docker engine."""

    name = "docker"

    def __init__(self, home: Path, base_image: str | None = None, client: Any = None,
                 java_base_image: str | None = None) -> None:
        import docker  # imported here: the process runtime must work where the SDK has no engine

        self.home = Path(home)
        self.base_image = base_image  # the default; a deployment's spec may name its own
        self.java_base_image = java_base_image  # for environments that run a JVM (pyspark)
        self.client = client or docker.from_env(timeout=120)
        self.home_label = hashlib.sha256(str(self.home.resolve()).encode()).hexdigest()[:16]
        self._build_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # images -----------------------------------------------------------------------------------
    def ensure_image(self, requirements: list[str], log: LogSink, base_image: str | None = None) -> str:
        """The tag of the environment image for ``requirements`` on ``base_image``, built only when not cached:
        the venv's image (named by the base and the requirements alone), and on it the server's thin layer."""
        needed = with_server_packages(requirements)
        explicit = self._java_base_for(needed, log) or base_image or self.base_image
        base = resolve_base_image(explicit)
        base_id = self._base_image_id(base, bool(explicit), log)
        venv_recipe = "\n".join([install_script(None), *venv_environment()])
        venv_key = environment_key(base_id, needed, hashlib.sha256(venv_recipe.encode()).hexdigest())
        version = source_hash()
        server_recipe = "\n".join([version, package_script(PACKAGE_NAME), *image_config("", ""), STOP_SIGNAL])
        key = f"{venv_key}-server-{hashlib.sha256(server_recipe.encode()).hexdigest()[:16]}"
        tag = f"{IMAGE_REPO}:{key}"
        with self._lock_for(key), host_build_lock(key):
            if self._image_exists(tag):
                log(f"image {tag} cached (base {base}); skipping the build")
                return tag
            venv_tag = self._ensure_venv_image(base, needed, venv_key, log)
            server = copy_to(build_dir(self.home, key))
            log(f"adding the inference server (version {version}) to {venv_tag} as {tag}")
            add_package_layer(self.client, venv_tag, server, IMAGE_REPO, key, image_config(base, key), log,
                              stop_signal=STOP_SIGNAL)
        return tag

    def _ensure_venv_image(self, base: str, needed: list[str], venv_key: str, log: LogSink) -> str:
        """The image of the environment's venv alone, which every version of the server is added onto."""
        tag = f"{IMAGE_REPO}:{venv_key}"
        with self._lock_for(venv_key), host_build_lock(venv_key):
            if self._image_exists(tag):
                log(f"environment image {tag} cached (base {base})")
                return tag
            wheels = for_requirements(self.home, needed, log)
            log(f"building environment image {tag} from {base} (offline: --no-index, no network)")
            build_venv_image(self.client, base, wheels, None, IMAGE_REPO, venv_key,
                             [*venv_environment(), f'LABEL dockyard.venv-key="{venv_key}" dockyard.base="{base}"'], log)
        return tag

    def _java_base_for(self, requirements: list[str], log: LogSink) -> str | None:
        """The Java base image when a requirement runs a JVM (pyspark), else None (the Python base)."""
        if not needs_java(requirements):
            return None
        if not self.java_base_image:
            raise RuntimeFailure(f"this artifact needs a Java runtime (pyspark) and no Java base image is set; set "
                                 f"{JAVA_BASE_IMAGE_ENV} to a Python 3.11 image with a JRE (`{build_command()} --java` "
                                 f"builds {OFFLINE_JAVA_BASE_IMAGE})")
        log(f"a requirement runs a JVM (pyspark): building on the Java base image {self.java_base_image}")
        return self.java_base_image

    def _base_image_id(self, base: str, explicit: bool, log: LogSink) -> str:
        import docker.errors

        try:
            return self.client.images.get(base).id
        except docker.errors.ImageNotFound:
            log(f"base image {base} is not local; pulling it")
        try:
            return self.client.images.pull(base).id
        except docker.errors.APIError as exc:
            if base == self.java_base_image:
                raise RuntimeFailure(f"Java base image {not_local(base, str(exc.explanation)[:200])}; build it with "
                                     f"`{build_command()} --java` or set {JAVA_BASE_IMAGE_ENV} to a local Python "
                                     "3.11 image with a JRE") from exc
            raise RuntimeFailure(unavailable_message(not_local(base, str(exc.explanation)[:200]), explicit)) from exc

    def _image_exists(self, tag: str) -> bool:
        import docker.errors

        try:
            self.client.images.get(tag)
            return True
        except docker.errors.ImageNotFound:
            return False

    def _lock_for(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._build_locks.setdefault(key, threading.Lock())

    # containers -------------------------------------------------------------------------------
    def start(self, spec: ServerSpec, log: LogSink) -> ServerHandle:
        """Run the deployment's container and return once its /health answers 200."""
        image = spec.image if spec.is_byoc else self.ensure_image(spec.requirements, log, spec.base_image)
        if spec.is_byoc:
            self._ensure_byoc_image(spec.image, log)
        self._remove_stale(spec)
        private.make_dir(spec.log_dir)
        container = self._create_and_start(image, spec)
        log(f"started container {container.short_id} from {image}")
        return self._await_ready(container, spec, log)

    def _create_and_start(self, image: str, spec: ServerSpec) -> Any:
        """``docker create`` + ``docker start``; a container that cannot start (a bad cmd or entrypoint)
        is removed, not left behind in the Created state."""
        import docker.errors

        container = self.client.containers.create(image, **self._run_options(spec))
        try:
            container.start()
        except docker.errors.APIError as exc:
            tail = self.log_tail_of(container)
            container.remove(force=True)
            raise RuntimeFailure(f"the container from {image} could not start: {exc.explanation}; check the "
                                 "deployment's entrypoint and cmd", tail) from None
        return container

    def _run_options(self, spec: ServerSpec) -> dict[str, Any]:
        server_port = spec.server_port if spec.is_byoc else SERVER_PORT
        ports = {f"{server_port}/tcp": ("127.0.0.1",)}
        health_port = spec.health_check_port or server_port
        ports[f"{health_port}/tcp"] = ("127.0.0.1",)
        env = dict(spec.env)
        env.setdefault("DOCKYARD_MAX_PAYLOAD_BYTES", str(spec.max_payload_bytes))
        volumes = {str(spec.artifact_dir.resolve()): {"bind": MODEL_DIR_IN_CONTAINER, "mode": "ro"}}
        if not spec.is_byoc:
            volumes[str(spec.log_dir.resolve())] = {"bind": LOG_DIR_IN_CONTAINER, "mode": "rw"}
        options: dict[str, Any] = {
            "name": _container_name(spec.deployment_id, self.home_label, spec.instance),
            "labels": {LABEL_DEPLOYMENT: spec.deployment_id, LABEL_HOME: self.home_label,
                       LABEL_LOG_DIR: str(spec.log_dir.resolve()),
                       "dockyard.predict-path": spec.predict_path, "dockyard.health-path": spec.health_path,
                       "dockyard.server-port": str(server_port), "dockyard.health-port": str(health_port)},
            "ports": ports, "volumes": volumes, "environment": env,
        }
        if not spec.is_byoc and os.getuid() != 0:
            # The server writes its predict log 0600 into the mounted log dir: as the emulator's own
            # user, so the emulator can read it back (a BYOC image keeps the user it was built with).
            options["user"] = f"{os.getuid()}:{os.getgid()}"
        if spec.entrypoint:
            options["entrypoint"] = spec.entrypoint
        if spec.cmd:
            options["command"] = spec.cmd
        return options

    def _await_ready(self, container: Any, spec: ServerSpec, log: LogSink) -> ServerHandle:
        handle = self._handle(container)
        handle.details["log_dir"] = str(spec.log_dir)
        follower = _LogFollower(container, log)
        follower.start()
        try:
            wait_healthy(handle.health_url, spec.startup_timeout, lambda: self.is_alive(handle),
                         lambda: self.log_tail(handle))
        except RuntimeFailure:
            follower.stop()
            self._save_logs(container, spec.log_dir)
            container.remove(force=True)
            raise
        follower.stop()
        return handle

    def _handle(self, container: Any) -> ServerHandle:
        container.reload()
        labels = container.labels
        server_port, health_port = labels["dockyard.server-port"], labels["dockyard.health-port"]
        ports = container.attrs["NetworkSettings"]["Ports"] or {}

        def host_port(port: str) -> str:
            bindings = ports.get(f"{port}/tcp") or []
            if not bindings:
                raise RuntimeFailure(f"container port {port} is not published", self.log_tail_of(container))
            return bindings[0]["HostPort"]

        server = f"http://127.0.0.1:{host_port(server_port)}"
        health = f"http://127.0.0.1:{host_port(health_port)}"
        predict_path = labels.get("dockyard.predict-path", "/predict")
        health_path = labels.get("dockyard.health-path", "/health")
        return ServerHandle("docker", server + predict_path, health + health_path, container.id,
                            {"container": container.name, "image": container.attrs["Config"]["Image"]})

    def _ensure_byoc_image(self, image: str, log: LogSink) -> None:
        if not self._image_exists(image):
            raise RuntimeFailure(f"image {image} is not in the local Docker engine; build or pull it first")
        log(f"bring-your-own-container image {image}")

    def _remove_stale(self, spec: ServerSpec) -> None:
        """Free the instance's container name; a deployment starting afresh loses every leftover."""
        name = _container_name(spec.deployment_id, self.home_label, spec.instance)
        for container in self._containers(spec.deployment_id):
            if spec.fresh or container.name == name:
                container.remove(force=True)

    def _containers(self, deployment_id: str | None = None) -> list[Any]:
        labels = [f"{LABEL_HOME}={self.home_label}"]
        if deployment_id:
            labels.append(f"{LABEL_DEPLOYMENT}={deployment_id}")
        return self.client.containers.list(all=True, filters={"label": labels})

    def _get(self, handle: ServerHandle) -> Any | None:
        import docker.errors

        try:
            return self.client.containers.get(handle.ref)
        except docker.errors.NotFound:
            return None

    def stop(self, handle: ServerHandle) -> None:
        """Stop and remove the container, keeping its output in the deployment's log dir."""
        container = self._get(handle)
        if container is None:
            return
        try:
            container.stop(timeout=5)
        finally:
            log_dir = handle.details.get("log_dir")
            if log_dir:
                self._save_logs(container, Path(log_dir))
            container.remove(force=True)

    @classmethod
    def create(cls, home: Path, base_image: str | None = None, java_base_image: str | None = None) -> "DockerRuntime":
        """The runtime of an emulator home (``make``'s constructor, common to every runtime)."""
        return cls(home, base_image, java_base_image=java_base_image)

    def release_crashed(self, handle: ServerHandle) -> None:
        """A container that exited keeps its name: stop it (its logs go to server.log) and free the name."""
        self.stop(handle)

    def usage(self, handle: ServerHandle) -> tuple[float, int] | None:
        """CPU seconds and memory of the container, from the engine's stats."""
        stats = self.client.containers.get(handle.ref).stats(stream=False, one_shot=True)
        return stats["cpu_stats"]["cpu_usage"]["total_usage"] / 1e9, int(stats["memory_stats"].get("usage", 0))

    def prewarm(self, requirements: list[str]) -> None:
        """Nothing to warm: environment images are built on first use and cached by content."""

    def is_alive(self, handle: ServerHandle) -> bool:
        container = self._get(handle)
        if container is None:
            return False
        container.reload()
        return container.status == "running"

    def reattach(self, handle: ServerHandle, spec: ServerSpec, log: LogSink) -> ServerHandle:
        """Re-use the deployment's container: as is when running, restarted when stopped, new when gone."""
        name = _container_name(spec.deployment_id, self.home_label, spec.instance)
        container = self._get(handle) or next((c for c in self._containers(spec.deployment_id) if c.name == name), None)
        if container is None:
            log("container is gone; starting a new one")
            return self.start(spec, log)
        container.reload()
        if container.status != "running":
            log(f"container {container.short_id} is {container.status}; restarting it")
            container.start()
        else:
            log(f"re-attached to running container {container.short_id}")
        new = self._await_ready(container, spec, log)
        new.details.update({k: v for k, v in handle.details.items() if k not in new.details})
        return new

    def log_tail(self, handle: ServerHandle, lines: int = 30) -> list[str]:
        container = self._get(handle)
        if container is None:
            return []
        return self.log_tail_of(container, lines)

    @staticmethod
    def log_tail_of(container: Any, lines: int = 30) -> list[str]:
        try:
            return container.logs(tail=lines).decode("utf-8", "replace").splitlines()
        except Exception:  # the container may vanish while we read
            return []

    @staticmethod
    def _save_logs(container: Any, log_dir: Path) -> None:
        try:
            data = container.logs()
        except Exception:
            return
        private.make_dir(log_dir)
        with private.open_file(log_dir / "server.log", "ab") as out:
            out.write(data)

    def remove_all(self) -> int:
        """Remove every container of this home (no emulator serves it any more); how many there were.
        Their output is kept in each deployment's server.log first."""
        containers = self._containers()
        for container in containers:
            log_dir = container.labels.get(LABEL_LOG_DIR)
            if log_dir:
                self._save_logs(container, Path(log_dir))
            container.remove(force=True)
        return len(containers)


class _LogFollower:
    """Streams a container's output to the log sink while it starts, from a daemon thread."""

    def __init__(self, container: Any, log: LogSink) -> None:
        self._stream = container.logs(stream=True, follow=True)
        self._log = log
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            for line in log_lines(self._stream):
                self._log(line)
        except Exception:  # closed under us
            return

    def stop(self) -> None:
        try:
            self._stream.close()
        except Exception:
            pass


def _container_name(deployment_id: str, home_label: str, instance: int = 0) -> str:
    name = f"dockyard-{home_label[:6]}-{deployment_id[-12:]}"
    return name if instance == 0 else f"{name}-{instance}"

