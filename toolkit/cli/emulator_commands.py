"""``dockyard emulator start|stop|status``: run the local OCI Data Science emulator.

Foreground ``start`` serves until Ctrl-C (waitress, a real WSGI server); ``--detach`` starts it as
a background process recorded in ``<home>/emulator.json`` that ``stop`` and ``status`` find again.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from toolkit.cli.common import emulator_home, fail, handle_errors, home_option, json_option, print_json


@click.command("start")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port to listen on; 0 picks a free one.")
@home_option
@click.option("--detach", is_flag=True, help="Run in the background and return once it answers.")
@click.option("--auth", "--auth-mode", "auth_mode", type=click.Choice(["off", "enforce"]), default="off", show_default=True,
              help="'enforce' rejects requests not signed by a registered API key, as OCI does.")
@click.option("--runtime", type=click.Choice(["auto", "docker", "process"]), default=None,
              help="Deployment runtime. Default: $DOCKYARD_RUNTIME or auto.")
@click.option("--endpoint-port", default=None,
              help="Port of the deployments' endpoint (modelDeploymentUrl); 0 (default) picks a free one, "
                   "'off' serves deployments on the API's port only.")
@click.option("--gateway-workers", default=None,
              help="Processes serving the deployments' endpoint, each with its own event loop: a number or "
                   "'auto' (a quarter of the cores). Default: $DOCKYARD_GATEWAY_WORKERS or 1 (the emulator's own loop).")
@click.option("--console-write", is_flag=True,
              help="With --auth enforce, let the console's token holder test-predict, activate and deactivate "
                   "(read-only otherwise).")
@handle_errors
def start_command(host: str, port: int, home: Path | None, detach: bool, auth_mode: str, runtime: str | None,
                  endpoint_port: str | None, gateway_workers: str | None, console_write: bool) -> None:
    """Start the emulator (foreground until Ctrl-C, or --detach).

    \b
    Example:
      dockyard emulator start --detach --port 8765
      export DOCKYARD_ENDPOINT=http://127.0.0.1:8765
    """
    from emulator import daemon
    from emulator.config import EmulatorConfig

    config = EmulatorConfig(home=emulator_home(home), host=host, port=port, auth_mode=auth_mode,
                            console_write=console_write)
    if runtime:
        config.runtime = runtime
    if endpoint_port is not None:
        try:
            config.endpoint_port = None if endpoint_port.lower() in ("off", "none") else int(endpoint_port)
        except ValueError:
            raise click.BadParameter("a port number, or 'off'", param_hint="--endpoint-port") from None
    if gateway_workers is not None:
        _set_gateway_workers(config, gateway_workers)
    running = daemon.status(config.home)
    if running:
        _already_running(running, config, port, detach)
        return
    if not detach:
        from emulator.server import serve

        _echo_local_profile(config.home)
        serve(config)
        return
    try:
        url = daemon.start_detached(config)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    from emulator.console import console_url

    click.echo(f"Dockyard emulator serving {config.home} at {url} in the background")
    click.echo(f"  export DOCKYARD_ENDPOINT={url}")
    click.echo(f"  console: {console_url(config, url)}")
    _echo_local_profile(config.home)
    click.echo(f"  stop it with: dockyard emulator stop{_home_flag(home)}")


def _set_gateway_workers(config: Any, value: str) -> None:
    from emulator.config import gateway_workers

    try:
        config.gateway_workers = gateway_workers(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--gateway-workers") from None


def _already_running(running: dict, config: Any, port: int, detach: bool) -> None:
    """One emulator per home: asking for another port, or a foreground one, while it runs is an error
    (exit 1) that names the running one; a plain ``start --detach`` again is answered with its URL."""
    url = running["url"]
    where = f"an emulator already serves {config.home} at {url} (pid {running['pid']})"
    if port and not url.endswith(f":{port}"):
        fail(f"{where}, not on port {port}. Use it (export DOCKYARD_ENDPOINT={url}), or stop it first: "
             f"dockyard emulator stop{_home_flag(config.home)}")
    if not detach:
        fail(f"{where}; stop it first (dockyard emulator stop{_home_flag(config.home)}) to serve in the foreground")
    click.echo(f"{where}; using it")
    click.echo(f"  export DOCKYARD_ENDPOINT={url}")


def _home_flag(home: Path | None) -> str:
    """`` --home DIR`` when it is not the default one, so a printed command works as printed."""
    from toolkit import settings

    return "" if home is None or Path(home).expanduser().resolve() == settings.home().resolve() else f" --home {home}"


def _echo_local_profile(home: Path) -> None:
    """Create the local profile's throwaway key now and say where it is, so other ``oci``-based
    tools (the ``oci`` CLI: ``--config-file``) can sign requests to this emulator right away."""
    from toolkit.profiles import ensure_local_credentials

    config_file = ensure_local_credentials(home)
    tenancy = next((line.split("=", 1)[1].strip() for line in config_file.read_text().splitlines()
                    if line.startswith("tenancy=")), "")
    click.echo(f"  oci config for this emulator: {config_file} (tenancy {tenancy})")


@click.command("stop")
@home_option
def stop_command(home: Path | None) -> None:
    """Stop the detached emulator serving HOME (a no-op when none runs).

    Its deployments' model servers stop with it, Docker containers included; ACTIVE deployments
    start again when an emulator serves HOME again. Containers left by an emulator that was killed
    are removed too.

    \b
    Example:
      dockyard emulator stop --home ./team-catalog
    """
    from emulator import daemon

    home_dir = emulator_home(home)
    if daemon.stop(home_dir):
        click.echo(f"stopped the emulator serving {home_dir} and its deployments' servers "
                   "(ACTIVE deployments start again with the next emulator)")
    else:
        click.echo(f"no emulator was running for {home_dir}")


@click.command("status")
@home_option
@json_option("Print {running, pid, url, home} as JSON.")
def status_command(home: Path | None, as_json: bool) -> None:
    """Say whether an emulator serves HOME and where (exit status 1 when none runs).

    \b
    Example:
      dockyard emulator status --json
    """
    from emulator import daemon

    home_dir = emulator_home(home)
    data = daemon.status(home_dir)
    if as_json:
        print_json({"running": bool(data), "home": str(home_dir), **(data or {})}, indent=None)
    elif data:
        click.echo(f"running at {data['url']} (pid {data['pid']}, home {home_dir})")
    else:
        click.echo(f"not running (home {home_dir})")
    if not data:
        raise SystemExit(1)


@click.command("base-image")
@click.option("--tag", metavar="IMAGE", help="Name of the image to build. Default: dockyard/python:3.11-local.")
@click.option("--force", is_flag=True, help="Build it again even when the engine has it from this recipe.")
@click.option("--java", is_flag=True,
              help="Build the Java base image instead (pyspark environments): the base image plus Debian's "
                   "openjdk-17-jre-headless. Default tag: dockyard/python-jre:3.11-local.")
@handle_errors
def base_image_command(tag: str | None, force: bool, java: bool) -> None:
    """Build the offline base image of deployment images: Debian bookworm with python3.11, made with
    debootstrap and imported into the local Docker engine (no container registry needed, only Debian's
    package mirror). Needs root, debootstrap and a Docker engine; takes a few minutes (downloading Debian packages).
    Like python:3.11-slim it has python, python3, pip and pip3 on PATH. An image of that tag built by an
    older recipe is built again.

    With DOCKYARD_BASE_IMAGE unset, docker deployments use it whenever python:3.11-slim is absent.
    With --java, layer a JRE on the base image (DOCKYARD_BASE_IMAGE, else as deployments choose it) for
    environments that run a JVM (pyspark); needs a Docker engine and Debian's mirror, not root.

    \b
    Example:
      sudo .venv/bin/dockyard emulator base-image
      .venv/bin/dockyard emulator base-image --java
    """
    from emulator import settings
    from emulator.runtimes.base_image import BaseImageError, build_java, build_offline
    from emulator.settings import DEFAULT_BASE_IMAGE, OFFLINE_BASE_IMAGE, OFFLINE_JAVA_BASE_IMAGE

    if java:
        tag = tag or OFFLINE_JAVA_BASE_IMAGE
        try:
            build_java(tag, settings.base_image(), log=click.echo, force=force)
        except BaseImageError as exc:
            fail(str(exc))
        if tag != OFFLINE_JAVA_BASE_IMAGE:
            click.echo(f"to build pyspark environments on it: export {settings.JAVA_BASE_IMAGE_ENV}={tag} "
                       "and restart the emulator")
        return
    tag = tag or OFFLINE_BASE_IMAGE
    try:
        build_offline(tag, log=click.echo, force=force)
    except BaseImageError as exc:
        fail(str(exc))
    if tag == OFFLINE_BASE_IMAGE:
        click.echo(f"docker deployments use {tag} when {DEFAULT_BASE_IMAGE} is absent (next deploy; nothing to restart)")
    else:
        click.echo(f"to build deployment images on it: export DOCKYARD_BASE_IMAGE={tag}")


_GROUP_HELP = """Run and manage the local OCI Data Science emulator.

\b
Example:
  dockyard emulator start --detach
  dockyard emulator status
  dockyard emulator stop
"""


def emulator_group(cli: click.Group) -> click.Group:
    """The ``emulator`` group of ``cli``, created on first use; auth_commands adds ``add-key`` to it."""
    group = cli.commands.get("emulator")
    if not isinstance(group, click.Group):
        group = click.Group("emulator", help=_GROUP_HELP)
        cli.add_command(group)
    return group


def register(cli: click.Group) -> None:
    """Add ``start``, ``stop``, ``status`` and ``base-image`` to the ``emulator`` group."""
    for command in (start_command, stop_command, status_command, base_image_command):
        emulator_group(cli).add_command(command)
