"""``dockyard emulator snapshot save|restore|list|delete``: the emulator's whole state in one file.

NAME is a snapshot kept under the home (``<home>/snapshots/NAME.tar``); anything with a ``/`` or
ending in ``.tar`` is a FILE anywhere. When an emulator serves the home, save and restore go through
it (``/dockyard-api/snapshots``), so its running deployments stop and start with the state; else they
work on the home's files (the deployments a restore brings start with the next emulator).
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import click

from toolkit.cli.common import emulator_home, fail, handle_errors, home_option, json_option, print_json
from toolkit.cli.emulator_commands import emulator_group


@click.command("save")
@click.argument("target", metavar="NAME|FILE")
@home_option
@handle_errors
def save_command(target: str, home: Path | None) -> None:
    """Save the emulator's state (catalog, Object Storage, work requests, deployment records) as a
    snapshot, consistently even while it serves writes.

    \b
    Example:
      dockyard emulator snapshot save fifty-models
      dockyard emulator snapshot save ./fixtures/catalog.tar
    """
    from emulator.snapshots import library

    home_dir = emulator_home(home)
    path = _resolve(home_dir, target)
    running = _running(home_dir)
    if running:
        _save_through(running, home_dir, path)
    else:
        from emulator.snapshots import save

        with _offline_state(home_dir) as state:
            save(state, path)
    entry = library.describe(path)
    click.echo(f"saved {entry['records']} record(s) ({entry['models']} model(s)) and {entry['blobs']} blob(s) "
               f"of {entry['blobBytes']} bytes to {path} ({entry['size']} bytes)")


@click.command("restore")
@click.argument("source", metavar="NAME|FILE")
@home_option
@handle_errors
def restore_command(source: str, home: Path | None) -> None:
    """Replace the emulator's state with a snapshot's (the registered API keys stay); ACTIVE
    deployments of the snapshot start again.

    \b
    Example:
      dockyard emulator snapshot restore fifty-models
    """
    home_dir = emulator_home(home)
    path = _resolve(home_dir, source)
    if not path.is_file():
        fail(f"no snapshot at {path}; see: dockyard emulator snapshot list")
    running = _running(home_dir)
    if running:
        records = _restore_through(running, home_dir, path)
        where = "the deployments it recorded ACTIVE are serving again"
    else:
        from emulator.snapshots import restore

        _refuse_if_served(home_dir)
        with _offline_state(home_dir) as state:
            records = restore(state, path).get("records", {})
        where = "the deployments it recorded ACTIVE start with the next emulator on this home"
    click.echo(f"restored {sum(records.values())} record(s) from {path} into {home_dir}; {where}")


@click.command("list")
@home_option
@json_option("Print the snapshots as a JSON list.")
def list_command(home: Path | None, as_json: bool) -> None:
    """List the named snapshots kept under the home.

    \b
    Example:
      dockyard emulator snapshot list
    """
    from emulator.snapshots import library

    entries = library.entries(emulator_home(home))
    if as_json:
        print_json(entries)
        return
    if not entries:
        click.echo("no snapshots; make one with: dockyard emulator snapshot save NAME")
    for entry in entries:
        if "error" in entry:
            click.echo(f"{entry['name']}\tunreadable: {entry['error']}")
            continue
        click.echo(f"{entry['name']}\t{entry['createdAt']}\tformat {entry['formatVersion']}\t{entry['models']} model(s)"
                   f"\t{entry['records']} record(s)\t{entry['size']} bytes")


@click.command("delete")
@click.argument("name")
@home_option
@handle_errors
def delete_command(name: str, home: Path | None) -> None:
    """Delete a named snapshot.

    \b
    Example:
      dockyard emulator snapshot delete fifty-models
    """
    from emulator.snapshots import SnapshotError, library

    try:
        deleted = library.delete(emulator_home(home), name)
    except SnapshotError as exc:
        fail(str(exc))
    if not deleted:
        fail(f"no snapshot named {name!r}; see: dockyard emulator snapshot list")
    click.echo(f"deleted snapshot {name}")


def _resolve(home: Path, argument: str) -> Path:
    from emulator.snapshots import SnapshotError, library

    try:
        return library.resolve(home, argument)
    except SnapshotError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME|FILE") from None


def _running(home: Path) -> dict[str, Any] | None:
    from emulator import daemon

    return daemon.status(home)


def _refuse_if_served(home: Path) -> None:
    """An emulator that is no daemon of this home (a test suite's, a foreground one elsewhere) holds it
    open: replacing its state underneath would leave its deployments running on records that are gone."""
    import fcntl

    lock = home / "serving.lock"
    if not lock.is_file():
        return
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fail(f"an emulator in another process serves {home}; restore through it "
                 "(POST /dockyard-api/snapshots/restore) or stop it first")


class _offline_state:  # noqa: N801 - a context manager read as a phrase
    """The emulator's state over ``home`` without serving it (no emulator runs there)."""

    def __init__(self, home: Path) -> None:
        self.home = home

    def __enter__(self) -> Any:
        from emulator.app import create_app
        from emulator.config import EmulatorConfig
        from emulator.state import state_of

        self.state = state_of(create_app(EmulatorConfig(home=self.home)))
        return self.state

    def __exit__(self, *exc: object) -> None:
        self.state.run_shutdown()


def _save_through(running: dict[str, Any], home: Path, path: Path) -> None:
    """Ask the emulator serving ``home`` to save; a FILE is moved out of the home's snapshots after."""
    from emulator.snapshots import library

    name = path.name[: -len(library.SUFFIX)] if path.parent == library.directory(home) else _scratch_name()
    _call(running, home, "POST", "", {"name": name})
    if library.path_of(home, name) != path:
        shutil.move(library.path_of(home, name), path)


def _restore_through(running: dict[str, Any], home: Path, path: Path) -> dict[str, int]:
    """Ask the emulator serving ``home`` to restore; a FILE is copied into the home's snapshots first."""
    from emulator.snapshots import library

    if path.parent == library.directory(home):
        return _call(running, home, "POST", "/restore", {"name": path.name[: -len(library.SUFFIX)]})["records"]
    name = _scratch_name()
    shutil.copyfile(path, library.path_of(home, name))
    try:
        return _call(running, home, "POST", "/restore", {"name": name})["records"]
    finally:
        library.path_of(home, name).unlink(missing_ok=True)


def _scratch_name() -> str:
    import secrets

    return f"scratch-{secrets.token_hex(6)}"


def _call(running: dict[str, Any], home: Path, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    import requests

    from emulator.app import SNAPSHOTS_PATH
    from toolkit import profiles

    profile = profiles.local_profile(endpoint=running["url"], home=home)
    response = requests.request(method, running["url"].rstrip("/") + SNAPSHOTS_PATH + path, json=body,
                                auth=profile.signer, timeout=3600)
    if response.status_code >= 300:
        try:
            message = response.json().get("message")
        except ValueError:
            message = response.text[:500]
        fail(f"the emulator at {running['url']} answered {response.status_code}: {message}")
    return response.json()


def register(cli: click.Group) -> None:
    """Add the ``snapshot`` group to the ``emulator`` group."""
    group = click.Group("snapshot", help="Save the emulator's whole state to one file and restore it.\n\n"
                                         "\b\nExample:\n  dockyard emulator snapshot save baseline\n"
                                         "  dockyard emulator snapshot restore baseline")
    for command in (save_command, restore_command, list_command, delete_command):
        group.add_command(command)
    emulator_group(cli).add_command(group)
